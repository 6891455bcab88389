"""What patients text us: STOP, START, HELP, and anything else for the organisers.

STOP (and the carrier's synonyms, and a patient's clear phrasing such as "Please stop", read
in bot/sms/patients.py) opts the phone out at once and is confirmed once; START opts
back in; HELP gives the practice's contact; anything else reaches an organiser as an
escalation they acknowledge. Each is in the audit log under the patient's id.

A phone may belong to several patients of a group (a couple sharing a mobile). The carrier
blocks texts per phone, so an opt-out covers all of them, and a reply names all their refs.
The texts themselves are in `rota.services.patient_texts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rota.services.audit import Actor, record
from rota.services.notify import tell_organisers
from rota.services.patient_texts import (
    help_text,
    opt_in_confirmation,
    opt_out_confirmation,
    reply_received_text,
)
from rota.sms_text import without_controls
from rota.storage import repository
from rota.storage.db import Database
from rota.storage.messages import Escalation
from rota.storage.opt_outs import opt_out_phone, patient_actor
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session

FORWARDED_MAX = 600  # of a patient's text in the organisers' alert


async def _patients(session: Session, group_id: int, phone: str) -> tuple[Group, list[Patient]]:
    group = await session.get_one(Group, group_id)
    _organisers, _volunteers, patients = await repository.people_with_phone(
        session, group_id, phone
    )
    return group, list(patients)


def _audit(
    session: Session, patients: Sequence[Patient], action: str, now: datetime, **detail: object
) -> None:
    for patient in patients:
        record(
            session,
            patient_actor(patient.id),
            action,
            at=now,
            group_id=patient.group_id,
            subject=f"patient:{patient.id}",
            detail=dict(detail),
        )


async def opt_out(
    db: Database,
    *,
    group_id: int,
    phone: str,
    key: str,
    now: datetime,
    volunteer_id: int | None = None,
    source: str = "inbound STOP",
) -> str | None:
    """Opt this phone out of patient texts now; the confirmation, or None if already out.

    `source` says what was read as the opt-out (the carrier's keyword or a patient's phrase)
    for the audit log.

    A volunteer's STOP also makes the carrier block our texts to them, so their organisers
    are told: otherwise rota messages would silently stop reaching that volunteer.
    """
    async with db.transaction() as session:
        group = await session.get_one(Group, group_id)
        newly = await opt_out_phone(
            session, group_id=group_id, phone=phone, now=now, detail={"source": source}
        )
        if volunteer_id is not None:
            volunteer = await session.get_one(Volunteer, volunteer_id)
            record(
                session,
                Actor("volunteer", volunteer.id, "volunteer", "sms"),
                "volunteer.sms_stop",
                at=now,
                group_id=group.id,
                subject=f"volunteer:{volunteer.id}",
            )
            await tell_organisers(
                session,
                group,
                key=f"sms-stop:{key}",
                now=now,
                text=f"Volunteer {volunteer.name} texted STOP: the carrier now blocks our "
                "texts to them until they text START. Please contact them another way.",
            )
            return (
                "You will get no more texts from this number. Text START to get them again. "
                "Your organisers know."
            )
        return opt_out_confirmation(group.name) if newly else None


async def opt_in(
    db: Database, *, group_id: int, phone: str, now: datetime, only_if_opted_out: bool = False
) -> str | None:
    """Lift this phone's opt-out; None when it is no patient's (or, if asked, none was out).

    START does not give consent: a patient the practice did not record as consenting still
    gets no texts. `only_if_opted_out` is for "YES", which from someone not opted out is
    far more likely an answer to the check-in text than a keyword.
    """
    async with db.transaction() as session:
        group, patients = await _patients(session, group_id, phone)
        opted = [p for p in patients if p.opted_out_at is not None]
        if not patients or (only_if_opted_out and not opted):
            return None
        for patient in opted:
            patient.opted_out_at = None
        _audit(session, opted, "patient.opted_in", now, source="inbound START")
        return opt_in_confirmation(group.name)


async def help_reply(db: Database, *, group_id: int, phone: str, now: datetime) -> str | None:
    async with db.transaction() as session:
        group, patients = await _patients(session, group_id, phone)
        if not patients:
            return None
        _audit(session, patients, "patient.help", now)
        return help_text(group.name, group.practice_contact)


def forwarded_words(body: str) -> str:
    """A patient's text as the organisers' alert quotes it: one line, at most FORWARDED_MAX.

    An empty text still says so: it may be a picture, or someone who could not type.
    """
    words = " ".join(without_controls(body).split())
    if not words:
        return "(an empty text)"
    return words if len(words) <= FORWARDED_MAX else words[:FORWARDED_MAX] + "..."


async def pass_on(
    db: Database, *, group_id: int, phone: str, body: str, key: str, now: datetime
) -> str | None:
    """Anything else a patient texts goes to the organisers, to be acknowledged: "👍", "?",
    a ring-back number and an over-long text too (only the alert's quote is shortened).

    The patient gets a short thank-you unless they opted out: after STOP we send nothing.
    """
    async with db.transaction() as session:
        group, patients = await _patients(session, group_id, phone)
        if not patients:
            return None
        escalation = Escalation(
            group_id=group.id, kind="reply", patient_id=patients[0].id, raised_at=now
        )
        session.add(escalation)
        await session.flush()
        refs = ", ".join(p.ref for p in patients)
        words = forwarded_words(body)
        await tell_organisers(
            session,
            group,
            key=f"patient-reply:{key}",
            now=now,
            text=f"Text from patient {refs}: {words}",
            buttons=[[("Seen, I'll follow up", f"ack:{escalation.id}")]],
        )
        _audit(session, patients, "patient.reply", now, escalation=escalation.id)
        if all(p.opted_out_at is not None for p in patients):
            return None
        return reply_received_text(group.name)
