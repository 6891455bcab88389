"""Reminders before a call: the volunteer's evening-before and "due now" reminders, and the
patient's check-in text on the morning of the call. Times are `rota.rules.timing`'s."""

from __future__ import annotations

from rota.rules.timing import morning_text_time, reminder_times
from rota.services.groups import masked_calls
from rota.services.notify import text_patient
from rota.services.patient_texts import check_in_text
from rota.services.sweep import Sweep
from rota.storage.people import Volunteer
from rota.storage.rotas import Call


async def remind_volunteer(sweep: Sweep, call: Call, volunteer: Volunteer, slot: str) -> None:
    """The holder's evening-before and "due now" reminders, each once."""
    now = sweep.now
    times = reminder_times(call.starts_at, sweep.tz)
    if times.evening <= now < times.evening_until:  # its words hold whenever it is delivered
        await sweep.volunteer(
            "reminder_evening",
            f"reminder:{call.id}:evening",
            volunteer,
            f"Reminder: your call {call.code} is on {slot}. /calls has the details.",
            f"Reminder: your call {call.code} is on {slot}. Text CALLS then.",
        )
    if times.due_now <= now < call.ends_at:
        await sweep.volunteer(
            "reminder_soon",
            f"reminder:{call.id}:soon",
            volunteer,
            f"Call {call.code} is due now ({slot}). /calls for the number.",
            f"Call {call.code} is due now ({slot}). Text CALLS for the number.",
        )


async def check_in_patient(sweep: Sweep, call: Call) -> None:
    """The patient's text on the morning of the call; first attempts only."""
    key = f"checkin:{call.id}"
    if call.attempt > 1 or key in sweep.done:
        return
    tz = sweep.tz
    if not morning_text_time(call.starts_at, tz) <= sweep.now < call.starts_at:
        return
    patient = sweep.patients[call.patient_id]
    if not patient.textable:
        return  # landline, no consent or opted out: the dispatcher would refuse it anyway
    queued = await text_patient(
        sweep.session,
        patient,
        key=key,
        now=sweep.now,
        text=check_in_text(
            patient.name,
            sweep.group.name,
            call.starts_at,
            call.ends_at,
            tz,
            ring_from=sweep.group.sms_number if masked_calls(sweep.group) else None,
        ),
    )
    sweep.stats.add("checkin", queued)
