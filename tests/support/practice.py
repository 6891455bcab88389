"""A seeded practice-sized group (300 patients, 40 volunteers) imported through the real CSVs.

Fictional throughout: Ofcom drama numbers (07700 900xxx mobiles, 01632 960xxx landlines),
made-up names. Capacity sits below demand, as at a real practice, so some calls stay open.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from rota.domain import ChannelKind
from rota.services.audit import CLI
from rota.services.groups import add_organiser, create_group
from rota.services.importing import import_patients, import_volunteers
from rota.storage import Volunteer
from rota.storage.db import Database

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
SPANS = ("10:00-12:00", "14:00-16:00", "10:00-13:00", "13:00-17:00")
LANGUAGES = ("en",) * 17 + ("pl", "ur", "pa")


@dataclass(frozen=True)
class Practice:
    group_id: int
    patients: int
    volunteers: int


def _windows(rng: random.Random, count: int) -> str:
    days = rng.sample(DAYS, count)
    return "; ".join(f"{day} {rng.choice(SPANS)}" for day in sorted(days, key=DAYS.index))


def patients_csv(count: int, rng: random.Random) -> bytes:
    rows = ["ref,name,phone,risk,call_windows,language,sms_consent"]
    for i in range(count):
        risk = "high" if i < count // 5 else "medium" if i < count * 3 // 5 else "low"
        mobile = i % 3 != 2
        phone = f"07700 9{i + 100:05d}" if mobile else f"01632 96{i % 1000:04d}"
        rows.append(
            f"PP{i:04d},Patient {i},{phone},{risk},{_windows(rng, 3)},"
            f"{rng.choice(LANGUAGES)},{'yes' if mobile else 'no'}"
        )
    return ("\n".join(rows) + "\n").encode()


def volunteers_csv(count: int, rng: random.Random) -> bytes:
    rows = ["name,phone,channel,availability,max_calls,languages"]
    for i in range(count):
        channel = "sms" if i % 10 < 3 else "telegram"  # 30% SMS-only
        languages = "en" if i % 8 else f"en; {rng.choice(('pl', 'ur', 'pa'))}"
        rows.append(
            f"Helper {i},07700 9{i + 800:05d},{channel},{_windows(rng, 2)},"
            f"{rng.choice((4, 5, 6, 7))},{languages}"
        )
    return ("\n".join(rows) + "\n").encode()


async def practice(
    db: Database, now: datetime, *, patients: int = 300, volunteers: int = 40, seed: int = 12
) -> Practice:
    rng = random.Random(seed)
    group = await create_group(db, "Practice PPG", timezone="Europe/London", actor=CLI, now=now)
    for use_case, data in (
        (import_volunteers, volunteers_csv(volunteers, rng)),
        (import_patients, patients_csv(patients, rng)),
    ):
        result = await use_case(
            db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
        )
        assert result.ok, result
    await add_organiser(db, None, telegram_id=42, phone=None, name="Olive", actor=CLI, now=now)
    async with db.transaction() as session:  # Telegram volunteers have linked their chats
        for volunteer in await session.scalars(select(Volunteer)):
            if volunteer.channel == ChannelKind.TELEGRAM:
                volunteer.telegram_id = volunteer.telegram_chat_id = 5_000_000 + volunteer.id
    return Practice(group.id, patients, volunteers)
