"""Someone we cannot reach: organisers must know at once.

A volunteer who blocked the bot, or a patient whose number cannot receive texts.
"""

from __future__ import annotations

from rota.outbox import VolunteerUnreachable
from rota.outbox.models import NumberUndeliverable
from rota.outbox.undeliverable import undeliverable_reason
from rota.services.notify import tell_organisers
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session


async def tell_organisers_unreachable(session: Session, event: VolunteerUnreachable) -> None:
    """The dispatcher's hook: runs in the transaction that marks the volunteer."""
    volunteer = await session.get_one(Volunteer, event.volunteer_id)
    group = await session.get_one(Group, event.group_id)
    await tell_organisers(
        session,
        group,
        key=f"unreachable:{volunteer.id}:{event.at:%Y%m%d}",
        now=event.at,
        text=f"{volunteer.name} can no longer be reached on Telegram (they may have blocked "
        "the bot). Their calls may need someone else: check /open.",
    )


async def tell_organisers_undeliverable(session: Session, event: NumberUndeliverable) -> None:
    """The outbox's hook: a patient's number cannot receive texts (told once per number)."""
    group = await session.get_one(Group, event.group_id)
    patients = [await session.get_one(Patient, pid) for pid in event.patient_ids]
    who = ", ".join(f"{p.name} ({p.ref})" for p in patients)
    reason = undeliverable_reason(event.code) or "undeliverable"
    await tell_organisers(
        session,
        group,
        key=f"undeliverable:{event.patient_ids[0]}:{event.at:%Y%m%d%H%M}",
        now=event.at,
        text=f"Texts to {who} cannot be delivered ({reason}, provider code {event.code}). "
        "No more texts will go to that number; calls carry on. Please check the number "
        "with the practice.",
    )
