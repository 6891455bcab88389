"""Telling people things: every message goes into the outbox in the caller's transaction.

The message budget is decided here, once, from what a message is for (its purpose, as in
rota/outbox/priority.py): organisers get what needs a person now at once, and every other
notice waits for their one daily digest (rota/services/digest.py). Each person's own hours
hold their messages until those hours open; an urgent alert is never held.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.domain import ChannelKind, RecipientKind
from rota.outbox import queue_message
from rota.outbox.priority import Priority, priority_of, purpose_of
from rota.outbox.rules import next_allowed_send
from rota.storage import digest_queries, repository
from rota.storage.people import Group, Organiser, Patient, Volunteer
from rota.storage.repository import Session
from rota.windows import local_to_utc

Buttons = Sequence[Sequence[tuple[str, str]]]

# A high-risk patient about to go without their call: the purpose for asking organisers to
# ring them or assign someone, told at once.
HIGH_RISK_MISSED = "high-risk-missed"
# What needs a person now, besides URGENT-priority alerts: concerns and patients not reached
# ("escalation"), a patient's own words, a high-risk patient about to be missed, and a Zoom
# session tomorrow whose patients miss it unless someone acts (no host, no link, no text).
NEEDS_A_PERSON = frozenset(
    {
        "escalation",
        "patient-reply",
        HIGH_RISK_MISSED,
        "zoom-unhosted",
        "zoom-pending",
        "zoom-phone",
    }
)
# Already one scheduled summary of their own: the weekly report (with its chart), the digest.
SUMMARIES = frozenset({"report", "digest"})


def at_once(purpose: str) -> bool:
    """Whether an organiser hears of this now; False: it waits for their daily digest."""
    return (
        priority_of(purpose) == Priority.URGENT or purpose in NEEDS_A_PERSON or purpose in SUMMARIES
    )


def own_hours(person: Organiser | Volunteer, now: datetime, tz: ZoneInfo) -> datetime:
    """`now`, or when the person's own hours next open (their setting; none: any time)."""
    if person.send_from is None or person.send_until is None:
        return now
    return next_allowed_send(now, tz, person.send_from, person.send_until)


def ack_hint(buttons: Buttons) -> str:
    """An SMS can't carry the Acknowledge button: say what to text instead."""
    for row in buttons:
        for _label, data in row:
            if data.startswith("ack:"):
                return f"\nReply ACK {data.removeprefix('ack:')} to acknowledge."
    return ""


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
    not_before = await _volunteer_hold(
        session, volunteer, purpose_of(key, purpose), now, not_before
    )
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


async def _volunteer_hold(
    session: Session,
    volunteer: Volunteer,
    purpose: str,
    now: datetime,
    not_before: datetime | None,
) -> datetime | None:
    """The volunteer's own hours, and for the day's bundled offer their digest time."""
    if volunteer.send_from is None and volunteer.digest_at is None:
        return not_before
    group = await session.get_one(Group, volunteer.group_id)
    tz = ZoneInfo(group.timezone)
    hold = max(not_before or now, now)
    if purpose == "reoffer" and volunteer.digest_at is not None:
        hold = max(hold, local_to_utc(now.astimezone(tz).date(), volunteer.digest_at, tz))
    return own_hours(volunteer, hold, tz)


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
    unless the group has no one else. What does not need a person now (`at_once`) is kept
    for each organiser's daily digest instead, under the same key.
    """
    queued = 0
    kind = purpose_of(key, purpose)
    tz = ZoneInfo(group.timezone)
    everyone = await repository.organisers(session, group.id)
    has_regulars = any(not o.backup for o in everyone)
    for organiser in everyone:
        if organiser.backup and has_regulars and not include_backups:
            continue
        if organiser.telegram_id is None and organiser.phone is None:
            continue
        if not at_once(kind):
            queued += await digest_queries.add_item(
                session,
                {
                    "group_id": group.id,
                    "organiser_id": organiser.id,
                    "key": f"{key}:organiser:{organiser.id}",
                    "purpose": kind,
                    "body": text,
                    "buttons": [[[label, data] for label, data in row] for row in buttons],
                    "created_at": now,
                },
            )
            continue
        picture = None
        if organiser.telegram_id is not None:
            channel, address, rows, picture = "telegram", str(organiser.telegram_id), buttons, photo
            body = text
        else:
            assert organiser.phone is not None
            channel, address, rows, body = "sms", organiser.phone, (), text + ack_hint(buttons)
        # An urgent alert goes whatever the hour: someone may be in danger now.
        urgent = priority_of(kind) == Priority.URGENT
        queued += await queue_message(
            session,
            key=f"{key}:organiser:{organiser.id}",
            group_id=group.id,
            channel=channel,
            recipient_kind=RecipientKind.ORGANISER,
            recipient_id=organiser.id,
            address=address,
            body=body,
            buttons=[list(row) for row in rows],
            now=now,
            not_before=None if urgent else own_hours(organiser, now, tz),
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
