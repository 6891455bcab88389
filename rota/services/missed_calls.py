"""A high-risk patient's missed call, in the sweep: book a make-up, offer it, ask organisers.

Where the make-up goes is `rota.services.recovery`'s; this is who is told, and when it runs
(`rota.rules.timing.chaser_times`, or at once when nobody could ring the patient).
"""

from __future__ import annotations

from rota.services.notify import HIGH_RISK_MISSED, when
from rota.services.recovery import RECOVER_RISKS, book_make_up, needs_recovery
from rota.services.sweep import Sweep
from rota.storage.rotas import Call


async def recover(sweep: Sweep, call: Call, slot: str, why: str) -> None:
    """A high-risk patient's missed call: book a make-up, offer it now, ask organisers."""
    patient = sweep.patients[call.patient_id]
    if patient.risk not in RECOVER_RISKS or not patient.active or call.id in sweep.made_up:
        return
    who = f"{patient.name} ({patient.ref}) is high risk and call {call.code} ({slot}) was missed"
    booked = None
    if needs_recovery(patient, call):
        sweep.made_up.add(call.id)
        booked = await book_make_up(
            sweep.session, sweep.group, call, patient, sweep.volunteers.values(), now=sweep.now
        )
    if booked is None:
        text = f"{who}: {why}. No make-up call is booked: please ring them today."
    else:
        make_up, placement = booked
        sweep.open_calls.append(make_up)
        sweep.stats.add("make_up", 1)
        free = len(placement.free)
        offered = (
            "no volunteer is free then"
            if free == 0
            else f"offered to the {free} volunteer{'s' if free != 1 else ''} free then"
        )
        text = (
            f"{who}: {why}. Make-up call {make_up.code} is booked for "
            f"{when(make_up.starts_at, make_up.ends_at, sweep.tz)}; {offered}. Please ring "
            f"them today, or ask a volunteer to claim {make_up.code}."
        )
    await sweep.organisers("missed_high_risk", f"{HIGH_RISK_MISSED}:{call.id}", text)
