"""Joining a group, organisers' approval, and personal invite links for imported volunteers."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from rota.domain import ChannelKind, VolunteerStatus
from rota.errors import Refused
from rota.services.audit import Actor, record
from rota.services.notify import tell_organisers, tell_volunteer
from rota.storage import repository
from rota.storage.db import Database
from rota.storage.people import Group, Volunteer

INVITE_DAYS = 14
INVITE_PREFIX = "inv_"  # deep-link payloads: ≤ 64 of [A-Za-z0-9_-]


@dataclass(frozen=True)
class Application:
    """Everything a new volunteer gives when signing up."""

    name: str
    phone: str  # E.164, already validated
    channel: ChannelKind
    availability: list[str]
    max_calls: int
    languages: list[str]
    telegram_id: int | None = None
    chat_id: int | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def join(
    db: Database, group_code: str, application: Application, *, actor: Actor, now: datetime
) -> Volunteer:
    """A new volunteer waits, `pending`, until an organiser approves them."""
    async with db.transaction() as session:
        group = await repository.group_by_code(session, group_code.strip().upper())
        if group is None:
            raise Refused("That group code is not known. Please check it with your organiser.")
        existing = (await repository.volunteers_by_phone(session, group.id)).get(application.phone)
        if existing is not None:
            raise Refused("This phone number is already registered with the group.")
        volunteer = Volunteer(
            group_id=group.id,
            name=application.name,
            phone=application.phone,
            channel=application.channel,
            status=VolunteerStatus.PENDING,
            availability=application.availability,
            max_calls=application.max_calls,
            languages=application.languages,
            consent_at=now,
            telegram_id=application.telegram_id,
            telegram_chat_id=application.chat_id,
        )
        session.add(volunteer)
        await session.flush()
        await tell_organisers(
            session,
            group,
            key=f"pending:{volunteer.id}",
            now=now,
            text=f"New volunteer waiting for approval: {volunteer.name} "
            f"({application.channel.value}), free {'; '.join(application.availability) or '-'}.",
            buttons=[
                [("Approve", f"approve:{volunteer.id}"), ("Reject", f"reject:{volunteer.id}")]
            ],
        )
        record(
            session,
            actor,
            "volunteer.join",
            at=now,
            group_id=group.id,
            subject=f"volunteer:{volunteer.id}",
        )
        return volunteer


async def decide(
    db: Database, volunteer_id: int, *, approve: bool, group_id: int, actor: Actor, now: datetime
) -> Volunteer:
    """Only an organiser of the volunteer's own group makes them active."""
    async with db.transaction() as session:
        volunteer = await session.get(Volunteer, volunteer_id)
        if volunteer is None or volunteer.group_id != group_id:
            raise Refused("That volunteer is not in your group.")
        if volunteer.status != VolunteerStatus.PENDING:
            return volunteer  # already decided, perhaps by another organiser
        volunteer.status = VolunteerStatus.ACTIVE if approve else VolunteerStatus.REJECTED
        volunteer.approved_at = now if approve else None
        group = await session.get_one(Group, group_id)
        text = (
            f"Welcome to {group.name}! You are approved. You will hear when the rota is published."
            if approve
            else f"Thank you for offering to help {group.name}. An organiser will be in touch."
        )
        await tell_volunteer(session, volunteer, key=f"decided:{volunteer.id}", text=text, now=now)
        record(
            session,
            actor,
            "volunteer.approve" if approve else "volunteer.reject",
            at=now,
            group_id=group_id,
            subject=f"volunteer:{volunteer.id}",
        )
        return volunteer


async def pending_volunteers(db: Database, group_id: int) -> list[Volunteer]:
    async with db.transaction() as session:
        return [
            v
            for v in await repository.volunteers(session, group_id)
            if v.status == VolunteerStatus.PENDING
        ]


async def create_invite(
    db: Database, group_id: int, phone: str, *, actor: Actor, now: datetime
) -> str:
    """A personal one-time deep-link payload for an imported volunteer; only its hash is kept."""
    token = secrets.token_urlsafe(24)
    async with db.transaction() as session:
        volunteer = (await repository.volunteers_by_phone(session, group_id)).get(phone)
        if volunteer is None:
            raise Refused(f"No volunteer with phone {phone} in this group.")
        volunteer.invite_token_hash = _hash(token)
        volunteer.invite_expires_at = now + timedelta(days=INVITE_DAYS)
        record(
            session,
            actor,
            "volunteer.invite",
            at=now,
            group_id=group_id,
            subject=f"volunteer:{volunteer.id}",
        )
    return INVITE_PREFIX + token


async def redeem_invite(
    db: Database, payload: str, *, telegram_id: int, chat_id: int, phone: str, now: datetime
) -> Volunteer:
    """Link a Telegram account to an imported volunteer if the shared contact's phone matches."""
    token = payload.removeprefix(INVITE_PREFIX)
    async with db.transaction() as session:
        volunteer = await repository.volunteer_by_invite(session, _hash(token))
        if (
            volunteer is None
            or volunteer.invite_expires_at is None
            or volunteer.invite_expires_at < now
        ):
            raise Refused("This invite link has expired or was already used. Ask your organiser.")
        if volunteer.phone != phone:
            raise Refused("This invite is for a different phone number. Ask your organiser.")
        volunteer.telegram_id = telegram_id
        volunteer.telegram_chat_id = chat_id
        volunteer.channel = ChannelKind.TELEGRAM
        volunteer.invite_token_hash = None
        volunteer.invite_expires_at = None
        volunteer.unreachable_since = None
        record(
            session,
            Actor("volunteer", volunteer.id, "volunteer", "telegram"),
            "volunteer.link",
            at=now,
            group_id=volunteer.group_id,
            subject=f"volunteer:{volunteer.id}",
        )
        return volunteer


async def group_name_for_code(db: Database, group_code: str) -> str | None:
    """The group a sign-up link points at, to show on the consent screen."""
    async with db.transaction() as session:
        group = await repository.group_by_code(session, group_code.strip().upper())
        return group.name if group is not None else None
