"""Reminders before a call: the volunteer's evening-before and "due now" reminders, and the
patient's check-in text on the morning of the call. Times are `rota.rules.timing`'s.

A volunteer with several calls gets one reminder for them, not one each (issue 19's message
budget: fifteen calls in a day were thirty texts): one evening message listing the next
day's calls, and one "due now" for each run of calls back to back, sent before its first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from rota.rules.timing import RUN_GAP, morning_text_time, reminder_times
from rota.services.groups import masked_calls
from rota.services.notify import text_patient, when
from rota.services.patient_texts import check_in_text
from rota.services.sweep import Sweep
from rota.storage.people import Volunteer
from rota.storage.rotas import Call


def runs(calls: Iterable[Call]) -> list[list[Call]]:
    """One volunteer's calls in runs: each starts within RUN_GAP of the previous one's end."""
    found: list[list[Call]] = []
    for call in sorted(calls, key=lambda c: (c.starts_at, c.id)):
        if found and call.starts_at - found[-1][-1].ends_at <= RUN_GAP:
            found[-1].append(call)
        else:
            found.append([call])
    return found


def codes(calls: Sequence[Call]) -> str:
    """'A1', 'A1 and A2', 'A1, A2 and A3'."""
    codes = [c.code for c in calls]
    return codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " and " + codes[-1]


def runs_of_calls(live: Sequence[Call], held: Sequence[Call]) -> dict[int, list[Call]]:
    """Each held call's run. `held` are the same days' calls whatever their state, so a run's
    first call logged early does not make the next one a run of its own."""
    every: dict[int, dict[int, Call]] = defaultdict(dict)
    for call in (*held, *live):
        if call.volunteer_id is not None:
            every[call.volunteer_id][call.id] = call
    return {c.id: run for calls in every.values() for run in runs(calls.values()) for c in run}


async def remind_volunteers(sweep: Sweep, live: Sequence[Call]) -> None:
    """Evening and "due now" reminders for every volunteer's calls, bundled, each once."""
    mine: dict[int, list[Call]] = defaultdict(list)
    for call in live:
        if call.volunteer_id in sweep.volunteers:
            mine[call.volunteer_id].append(call)
    for volunteer_id, calls in mine.items():
        volunteer = sweep.volunteers[volunteer_id]
        await _evening(sweep, volunteer, calls)
        still = {c.id for c in calls}
        seen: set[int] = set()
        for call in calls:
            run = sweep.runs.get(call.id, [call])
            if run[0].id not in seen:
                seen.add(run[0].id)
                await _due_now(sweep, volunteer, run, [c for c in run if c.id in still])


async def _evening(sweep: Sweep, volunteer: Volunteer, calls: Sequence[Call]) -> None:
    """One message the evening before, listing the next day's calls."""
    tz, now = sweep.tz, sweep.now
    by_day: dict[date, list[Call]] = defaultdict(list)
    for call in calls:
        times = reminder_times(call.starts_at, tz)
        # Its words hold whenever it is delivered; a call reminded under the old, one-a-call
        # rule (before an upgrade that evening) is not reminded again.
        if times.evening <= now < times.evening_until and (
            f"reminder:{call.id}:evening" not in sweep.done
        ):
            by_day[call.starts_at.astimezone(tz).date()].append(call)
    for day, due in sorted(by_day.items()):
        if len(due) == 1:
            slot = when(due[0].starts_at, due[0].ends_at, tz)
            text = f"Reminder: your call {due[0].code} is on {slot}."
        else:
            listed = ", ".join(f"{c.code} {c.starts_at.astimezone(tz):%H:%M}" for c in due)
            text = f"Reminder: your {len(due)} calls on {day:%a} {day.day} {day:%b}: {listed}."
        key = (
            f"reminder:{due[0].id}:evening"  # one call: the key it always had
            if len(due) == 1
            else f"reminder:{volunteer.id}:{day:%Y%m%d}:evening"
        )
        await sweep.volunteer(
            "reminder_evening",
            key,
            volunteer,
            f"{text} /calls has the details.",
            f"{text} Text CALLS then.",
        )


async def _due_now(
    sweep: Sweep, volunteer: Volunteer, run: Sequence[Call], live: Sequence[Call]
) -> None:
    """One "due now" for a run of calls back to back, from 30 minutes before its first."""
    first = run[0]
    if not live or not reminder_times(first.starts_at, sweep.tz).due_now <= sweep.now:
        return
    if sweep.now >= live[-1].ends_at:
        return
    slot = when(live[0].starts_at, live[-1].ends_at, sweep.tz)
    if len(live) == 1:
        said = f"Call {live[0].code} is due now ({slot})."
    else:
        said = f"Calls {codes(live)} are due now, one after another ({slot})."
    await sweep.volunteer(
        "reminder_soon",
        f"reminder:{first.id}:soon",
        volunteer,
        f"{said} /calls for the number{'s' if len(live) > 1 else ''}.",
        f"{said} Text CALLS for the number{'s' if len(live) > 1 else ''}.",
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
