"""A published sample week to exercise the volunteer use-cases against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from rota.domain import ChannelKind, VolunteerStatus
from rota.sample import SAMPLE_DIR
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.groups import add_organiser, create_group, set_setting
from rota.services.importing import import_patients, import_volunteers
from rota.storage import Call, OutboxMessage, Volunteer

WEEK = "2026-W49"  # the week after NOW (Mon 23 Nov 2026)


@dataclass
class World:
    group_id: int
    volunteers: dict[str, Volunteer]  # by phone

    def vid(self, phone: str) -> int:
        return self.volunteers[phone].id


async def published_week(db, now: datetime, *, organiser_telegram: int = 900001) -> World:
    group = await create_group(db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now)
    for kind, use_case in (("volunteers", import_volunteers), ("patients", import_patients)):
        data = (SAMPLE_DIR / f"{kind}.csv").read_bytes()
        assert (
            await use_case(
                db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
            )
        ).ok
    await add_organiser(
        db, None, telegram_id=organiser_telegram, phone=None, name="Olive", actor=CLI, now=now
    )
    await set_setting(
        db, None, "practice_contact", "07700 900999", actor=CLI, now=now, allow_fictional=True
    )
    await rotas.build_rota(db, None, WEEK, actor=CLI, now=now, time_limit_s=5)
    await rotas.publish_rota(db, None, WEEK, actor=CLI, now=now)
    async with db.transaction() as session:
        volunteers = {v.phone: v for v in await session.scalars(select(Volunteer))}
    return World(group.id, volunteers)


async def calls(db) -> list[Call]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Call).order_by(Call.starts_at, Call.code)))


async def outbox(db) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def add_volunteers(db, group_id: int, count: int, now: datetime) -> list[int]:
    async with db.transaction() as session:
        crowd = [
            Volunteer(
                group_id=group_id,
                name=f"Crowd {i}",
                phone=f"+4477009005{i:02d}",
                channel=ChannelKind.SMS,
                status=VolunteerStatus.ACTIVE,
                languages=["en", "pl", "ur"],
                availability=["Mon 09:00-17:00"],
                max_calls=5,
                approved_at=now,
            )
            for i in range(count)
        ]
        session.add_all(crowd)
        await session.flush()
        return [v.id for v in crowd]


async def notices(db) -> list:
    """Everything queued for anyone, with organisers' routine notices that wait for their
    daily digest (DigestItem: the same key, body and buttons; issue 19)."""
    from rota.storage import DigestItem

    async with db.transaction() as session:
        held = list(await session.scalars(select(DigestItem).order_by(DigestItem.id)))
    return [*await outbox(db), *held]
