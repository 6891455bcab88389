"""A practice-sized group for calendar tests: Sunday windows too, so that the Sundays the
clocks change on have calls, and a weekly Zoom session (tests/test_ics.py, the feed tests)."""

from __future__ import annotations

import random

from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients, import_volunteers
from rota.services.zoom_templates import add_session

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def practice_files(patients: int = 300, volunteers: int = 40) -> tuple[bytes, bytes]:
    """A practice-sized list: Sunday windows too, so clock-change Sundays have calls."""
    rng = random.Random(12)
    rows = ["ref,name,phone,risk,call_windows"]
    for i in range(patients):
        day = rng.choice(DAYS)
        phone = f"01632 960{i:03d}" if i < 150 else f"07700 900{i:03d}"
        risk = rng.choice(["high", "medium", "medium", "low"])
        rows.append(f"RP{2000 + i},Person {i} Testcase,{phone},{risk},{day} 09:00-17:00")
    people = ["name,phone,availability,max_calls"]
    for i in range(volunteers):
        first, second = DAYS[i % 7], DAYS[(i + 3) % 7]
        windows = f"{first} 09:00-13:00; {second} 13:00-17:00"
        people.append(f"Helper {i},07700 900{500 + i:03d},{windows},8")
    return "\n".join(rows).encode(), "\n".join(people).encode()


async def practice(db, now) -> int:
    group = await create_group(db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now)
    patients, volunteers = practice_files()
    for use_case, data in ((import_volunteers, volunteers), (import_patients, patients)):
        result = await use_case(
            db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
        )
        assert result.ok, result.problems[:3]
    await add_session(
        db, None, "Sun 10:30-11:30", capacity=6, title="Coffee", link=None, actor=CLI, now=now
    )
    return group.id
