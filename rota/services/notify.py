"""Telling people things: every message goes into the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.domain import ChannelKind, RecipientKind
from rota.outbox import queue_message
from rota.storage import repository
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session

Buttons = Sequence[Sequence[tuple[str, str]]]


def when(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> str:
    """'Tue 1 Dec 10:00-10:20' in the group's local time (GSM-7 safe: no en dash)."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    return f"{start:%a} {start.day} {start:%b %H:%M}-{end:%H:%M}"


async def tell_volunteer(
    session: Session,
    volunteer: Volunteer,
    *,
    key: str,
    text: str,
    now: datetime,
    sms_text: str | None = None,
    buttons: Buttons = (),
    not_before: datetime | None = None,
    purpose: str | None = None,
    subject: str | None = None,
) -> bool:
    """Telegram when linked, otherwise SMS (which gets `sms_text` with command hints).

    `purpose` (default: the key's first part) sets the priority (rota/outbox/priority.py);
    `subject` names what the message is about, for re-wording at send time.
    """
    if volunteer.channel == ChannelKind.TELEGRAM and volunteer.telegram_chat_id is not None:
        channel, address, body = "telegram", str(volunteer.telegram_chat_id), text
    else:
        channel, address, body = "sms", volunteer.phone, sms_text or text
        buttons = ()
    return await queue_message(
        session,
        key=f"{key}:volunteer:{volunteer.id}",
        group_id=volunteer.group_id,
        channel=channel,
        recipient_kind=RecipientKind.VOLUNTEER,
        recipient_id=volunteer.id,
        address=address,
        body=body,
        buttons=[list(row) for row in buttons],
        now=now,
        not_before=not_before,
        purpose=purpose,
        subject=subject,
    )


async def tell_organisers(
    session: Session,
    group: Group,
    *,
    key: str,
    text: str,
    now: datetime,
    buttons: Buttons = (),
    include_practice: bool = False,
    include_backups: bool = False,
    photo: bytes | None = None,
    purpose: str | None = None,
) -> int:
    """Each organiser by Telegram if they have it, else SMS; optionally the practice too.

    Backup organisers hear only of escalations nobody acknowledged (`include_backups`),
    unless the group has no one else.
    """
    queued = 0
    everyone = await repository.organisers(session, group.id)
    has_regulars = any(not o.backup for o in everyone)
    for organiser in everyone:
        if organiser.backup and has_regulars and not include_backups:
            continue
        picture = None
        if organiser.telegram_id is not None:
            channel, address, rows, picture = "telegram", str(organiser.telegram_id), buttons, photo
        elif organiser.phone is not None:
            channel, address, rows = "sms", organiser.phone, ()
        else:
            continue
        queued += await queue_message(
            session,
            key=f"{key}:organiser:{organiser.id}",
            group_id=group.id,
            channel=channel,
            recipient_kind=RecipientKind.ORGANISER,
            recipient_id=organiser.id,
            address=address,
            body=text,
            buttons=[list(row) for row in rows],
            now=now,
            photo=picture,
            purpose=purpose,
        )
    if include_practice and group.practice_contact:
        queued += await queue_message(
            session,
            key=f"{key}:practice:{group.id}",
            group_id=group.id,
            channel="sms",
            recipient_kind=RecipientKind.PRACTICE,
            recipient_id=None,
            address=group.practice_contact,
            body=text,
            now=now,
            purpose=purpose,
        )
    return queued


async def text_patient(
    session: Session,
    patient: Patient,
    *,
    key: str,
    text: str,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Patient texts are checked again by the dispatcher: consent, mobile, opt-out, quiet hours."""
    return await queue_message(
        session,
        key=f"{key}:patient:{patient.id}",
        group_id=patient.group_id,
        channel="sms",
        recipient_kind=RecipientKind.PATIENT,
        recipient_id=patient.id,
        address=patient.phone,
        body=text,
        now=now,
        patient_facing=True,
        not_before=not_before,
    )
