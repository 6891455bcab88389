"""A recording channel that fails on cue, and small builders for outbox tests."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import select

from integrations.fakes.channels import RecordingChannel
from rota.domain import ChannelKind, PhoneKind, RecipientKind, Risk, VolunteerStatus
from rota.outbox import queue_message
from rota.ports import Outgoing, SendFailed, Sent
from rota.storage import Group, OutboxMessage, Patient, Volunteer
from rota.storage.db import Database

MOBILE = "+447700900123"
LANDLINE = "+441632960001"


class FakeChannel(RecordingChannel):
    """The shipped recording channel, failing on cue, per address, in order."""

    def __init__(self, name: str = "sms") -> None:
        super().__init__(name)
        self.failures: dict[str, list[BaseException]] = defaultdict(list)

    def fail(self, address: str, *errors: BaseException) -> None:
        self.failures[address].extend(errors)

    async def send(self, message: Outgoing) -> Sent:
        await asyncio.sleep(0)  # let concurrent dispatchers interleave here
        if self.failures[message.address]:
            raise self.failures[message.address].pop(0)
        return await super().send(message)

    def sends_per_message(self) -> Counter[int]:
        return Counter(m.message_id for m in self.sent)


def retryable(reason: str = "provider busy", **kw: object) -> SendFailed:
    return SendFailed(reason, **kw)  # type: ignore[arg-type]


def permanent(reason: str = "refused", **kw: object) -> SendFailed:
    return SendFailed(reason, permanent=True, **kw)  # type: ignore[arg-type]


async def add_group(db: Database, name: str = "Riverside", **kw: object) -> int:
    async with db.transaction() as session:
        group = Group(name=name, code=name[:4].upper(), settings={}, **kw)
        session.add(group)
        await session.flush()
        return group.id


async def add_patient(
    db: Database,
    group_id: int,
    *,
    ref: str = "P1",
    phone: str = MOBILE,
    phone_kind: PhoneKind = PhoneKind.MOBILE,
    sms_consent: bool = True,
    opted_out_at: datetime | None = None,
) -> int:
    async with db.transaction() as session:
        patient = Patient(
            group_id=group_id,
            ref=ref,
            name="Edith",
            phone=phone,
            phone_kind=phone_kind,
            risk=Risk.HIGH,
            sms_consent=sms_consent,
            opted_out_at=opted_out_at,
        )
        session.add(patient)
        await session.flush()
        return patient.id


async def add_volunteer(db: Database, group_id: int, *, chat_id: int = 5550001) -> int:
    async with db.transaction() as session:
        volunteer = Volunteer(
            group_id=group_id,
            name="Ann",
            phone="+447700900001",
            channel=ChannelKind.TELEGRAM,
            status=VolunteerStatus.ACTIVE,
            telegram_chat_id=chat_id,
        )
        session.add(volunteer)
        await session.flush()
        return volunteer.id


async def queue_patient_text(
    db: Database, group_id: int, patient_id: int, now: datetime, *, key: str = "checkin:1"
) -> None:
    async with db.transaction() as session:
        await queue_message(
            session,
            key=key,
            group_id=group_id,
            channel="sms",
            recipient_kind=RecipientKind.PATIENT,
            recipient_id=patient_id,
            address=MOBILE,
            body="Hello Edith, a volunteer will ring you today between 10:00 and 12:00.",
            now=now,
            patient_facing=True,
        )


async def queue_volunteer_note(
    db: Database,
    group_id: int | None,
    now: datetime,
    *,
    key: str,
    address: str = "5550001",
    channel: str = "telegram",
    volunteer_id: int | None = None,
) -> None:
    async with db.transaction() as session:
        await queue_message(
            session,
            key=key,
            group_id=group_id,
            channel=channel,
            recipient_kind=RecipientKind.VOLUNTEER,
            recipient_id=volunteer_id,
            address=address,
            body=f"Reminder {key}",
            now=now,
        )


async def messages(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def only_message(db: Database) -> OutboxMessage:
    [message] = await messages(db)
    return message


async def patient(db: Database, patient_id: int) -> Patient:
    async with db.transaction() as session:
        found = await session.get(Patient, patient_id)
        assert found is not None
        return found


class SimulatedClock:
    """Monotonic seconds and a sleep that advances them at once: rate limits without waiting.

    Concurrent sleepers end at the latest of their wake-up times, as real sleeps would.
    """

    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        wake = self.t + seconds
        await asyncio.sleep(0)
        self.t = max(self.t, wake)
