"""Open calls in the sweep: a call whose holder stopped is opened again, an open call close
to its time goes to the organisers, and one past its time is treated as missed. Which open
calls are offered to volunteers, and to whom, is `rota.services.reoffers`'s."""

from __future__ import annotations

from rota.rules.timing import open_call_deadline, reoffer_from
from rota.services.chasers import chase_unheld_outcome
from rota.services.missed_calls import recover
from rota.services.notify import HIGH_RISK_MISSED
from rota.services.recovery import RECOVER_RISKS
from rota.services.sweep import Sweep
from rota.storage import rota_queries
from rota.storage.rotas import Call


async def holder_cannot_ring(sweep: Sweep, call: Call, slot: str) -> None:
    """A call held by someone no longer active is open: nobody else would ring them."""
    if sweep.now < call.starts_at:
        holder = call.volunteer_id
        assert holder is not None
        if await rota_queries.release_from_inactive_holder(
            sweep.session, call.id, holder, after=sweep.now
        ):
            await sweep.session.refresh(call)
            await sweep.organisers(
                "holder_inactive",
                f"holder-inactive:{call.id}:{call.version}",
                f"Call {call.code} ({slot}) is open again: its volunteer is paused or has left.",
            )
            await open_call_rules(sweep, call, slot)
        return
    await chase_unheld_outcome(sweep, call, slot)


async def open_call_rules(sweep: Sweep, call: Call, slot: str) -> None:
    if not sweep.now < call.starts_at:  # nobody can claim it any more
        await recover(sweep, call, slot, "nobody claimed it")
        return
    if call.make_up_of_id is not None or reoffer_from(call.starts_at) <= sweep.now:
        sweep.open_calls.append(call)
    # A make-up's escalation is the ask sent when it was booked (`recover`).
    if call.make_up_of_id is None and open_call_deadline(call.starts_at) <= sweep.now:
        patient = sweep.patients[call.patient_id]
        ask = (
            f" {patient.name} ({patient.ref}) is high risk: please ring them yourself, or ask "
            f"a volunteer to claim {call.code}."
            if patient.risk in RECOVER_RISKS
            else ""
        )
        # Keyed by the call's version: a call handed back again after a claim is news again.
        # A high-risk patient about to be missed needs a person now; others wait for the digest.
        await sweep.organisers(
            "open_escalated",
            f"open-call:{call.id}:{call.version}",
            f"Call {call.code} ({slot}) is still open and due within a day.{ask}",
            purpose=HIGH_RISK_MISSED if ask else None,
        )
