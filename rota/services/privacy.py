"""Retention and erasure: personal data kept only as long as it is needed, and removable.

Erasure anonymises in place rather than deleting rows, so past weeks' counts still add
up in reports; only a salted hash of the patient's ref is kept, to stop a later import
from silently bringing them back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from rota.domain import VolunteerStatus
from rota.errors import NotFound
from rota.services.audit import Actor, record
from rota.services.groups import resolve_group
from rota.storage import calendar_feeds, privacy_queries, repository
from rota.storage.db import Database
from rota.storage.people import Erasure

ERASED = "[erased]"


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept (PRODUCT.md; docs/data-protection.md)."""

    outcome_notes: timedelta = timedelta(days=90)
    messages: timedelta = timedelta(days=30)  # outbox bodies and addresses once final
    inbound: timedelta = timedelta(days=30)  # inbound SMS bodies and senders


def erasure_key(group_code: str, ref: str) -> str:
    return hashlib.sha256(f"{group_code}:{ref.strip()}".encode()).hexdigest()


async def purge(db: Database, now: datetime, retention: Retention = Retention()) -> dict[str, int]:
    """Blank what is past its retention period. Idempotent: safe to run any night, twice."""
    counts = await _blank_expired(db, now, retention)
    # Always, not only when something was blanked: it also finishes an erasure whose own
    # vacuum had to leave old versions behind.
    await db.forget_old_versions(privacy_queries.PURGE_TABLES, nightly=True)
    return counts


async def _blank_expired(db: Database, now: datetime, retention: Retention) -> dict[str, int]:
    async with db.transaction() as session:
        counts = {
            "outcome_notes": await privacy_queries.blank_outcome_notes(
                session, before=now - retention.outcome_notes
            ),
            "messages": await privacy_queries.blank_final_messages(
                session, before=now - retention.messages
            ),
            "inbound": await privacy_queries.blank_inbound(session, before=now - retention.inbound),
        }
        if any(counts.values()):
            record(
                session,
                Actor("scheduler", None, "system", "scheduler"),
                "retention.purge",
                at=now,
                group_id=None,
                detail=counts,
            )
        return counts


async def erase_patient(
    db: Database, group_name: str | None, ref: str, *, actor: Actor, now: datetime
) -> int:
    """Remove a patient's personal data everywhere; returns how many calls are kept as counts.

    Also from the database files, not only from what SQL returns (docs/data-protection.md).
    """
    calls = await _anonymise_patient(db, group_name, ref, actor=actor, now=now)
    await db.forget_old_versions(privacy_queries.PATIENT_ERASURE_TABLES)
    return calls


async def _anonymise_patient(
    db: Database, group_name: str | None, ref: str, *, actor: Actor, now: datetime
) -> int:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        patient = (await repository.patients_by_ref(session, group.id)).get(ref.strip())
        if patient is None:
            raise NotFound(f"no patient with ref '{ref}' in {group.name}")
        secrets_to_scrub = [patient.name, patient.phone, patient.ref]
        calls = await privacy_queries.erase_patient_traces(session, patient.id, now=now)
        await privacy_queries.scrub_text(session, group.id, secrets_to_scrub, ERASED)
        await privacy_queries.scrub_rota_summaries(session, group.id, patient.ref, ERASED)
        patient.name = "Erased patient"
        patient.phone = f"erased-{patient.id}"
        patient.ref = f"erased-{patient.id}"
        patient.notes = patient.organiser_notes = None
        patient.call_windows, patient.never_pair = [], []
        patient.sms_consent, patient.active = False, False
        patient.opted_out_at = patient.opted_out_at or now
        patient.deactivated_at = now
        session.add(
            Erasure(
                group_id=group.id,
                kind="patient",
                key_hash=erasure_key(group.code, secrets_to_scrub[2]),
                erased_at=now,
                calls_made=calls,
            )
        )
        record(
            session,
            actor,
            "patient.erase",
            at=now,
            group_id=group.id,
            subject=f"patient:{patient.id}",
        )
        return calls


async def erase_volunteer(
    db: Database, group_name: str | None, phone: str, *, actor: Actor, now: datetime
) -> int:
    """Remove a volunteer's personal data; their future calls go back to the group."""
    released = await _anonymise_volunteer(db, group_name, phone, actor=actor, now=now)
    await db.forget_old_versions(privacy_queries.VOLUNTEER_ERASURE_TABLES)
    return released


async def _anonymise_volunteer(
    db: Database, group_name: str | None, phone: str, *, actor: Actor, now: datetime
) -> int:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        volunteer = (await repository.volunteers_by_phone(session, group.id)).get(phone)
        if volunteer is None:
            raise NotFound(f"no volunteer with phone {phone} in {group.name}")
        released = await privacy_queries.release_and_forget_volunteer(
            session, volunteer.id, now=now
        )
        await privacy_queries.scrub_text(
            session, group.id, [volunteer.name, volunteer.phone], ERASED
        )
        await privacy_queries.forget_never_pair(session, group.id, volunteer.phone)
        await calendar_feeds.forget_volunteer(session, volunteer.id)
        volunteer.name = "Erased volunteer"
        volunteer.phone = f"erased-{volunteer.id}"
        volunteer.telegram_id = volunteer.telegram_chat_id = None
        volunteer.invite_token_hash = None
        volunteer.availability, volunteer.languages = [], []
        volunteer.status = VolunteerStatus.LEFT
        volunteer.left_at = now
        session.add(
            Erasure(
                group_id=group.id,
                kind="volunteer",
                key_hash=erasure_key(group.code, phone),
                erased_at=now,
            )
        )
        record(
            session,
            actor,
            "volunteer.erase",
            at=now,
            group_id=group.id,
            subject=f"volunteer:{volunteer.id}",
        )
        return released
