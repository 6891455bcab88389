"""Chasing what has not happened: a call's outcome not logged (its volunteer, then the
organisers), a swap nobody took, an urgent alert nobody acknowledged. Times are
`rota.rules.timing`'s; each message is sent once (its outbox key)."""

from __future__ import annotations

from collections.abc import Sequence

from rota.domain import CallStatus
from rota.rules.timing import backups_told, chaser_times, swap_deadline, urgent_repeat
from rota.services.missed_calls import recover
from rota.services.reminders import codes
from rota.services.sweep import Sweep
from rota.storage import cycle_queries
from rota.storage.people import Volunteer
from rota.storage.rotas import Call


async def chase_outcome(sweep: Sweep, call: Call, volunteer: Volunteer, slot: str) -> None:
    """After the window: ask the holder, then treat it as missed, then tell organisers.

    Calls back to back are one run: its holder is asked once about every call of it still
    without an outcome, an hour after the last of those ends, and a call counts as missed
    only an hour after that."""
    run = sweep.runs.get(call.id, [call])
    unlogged = [c for c in run if c.status == CallStatus.PLANNED] or [call]
    now, times = sweep.now, chaser_times(unlogged[-1].ends_at)
    if times.volunteer <= now and unlogged[0].id == call.id:
        await _ask_holder(sweep, volunteer, run[0], unlogged, slot)
    if times.make_up <= now:
        await recover(sweep, call, slot, f"{volunteer.name} has not logged it")
    if chaser_times(call.ends_at).organisers <= now:
        await sweep.organisers(
            "chase_organisers",
            f"chase-organisers:{call.id}",
            f"No outcome logged for call {call.code} ({slot}) by {volunteer.name}.",
        )


async def _ask_holder(
    sweep: Sweep, volunteer: Volunteer, first: Call, unlogged: Sequence[Call], slot: str
) -> None:
    if len(unlogged) == 1:
        code = unlogged[0].code
        text = f"How did call {code} ({slot}) go? Tap a button under it in /calls."
        sms = f"How did call {code} go? Reply DONE {code} or NOANSWER {code}"
    else:
        listed = codes(unlogged)
        text = f"How did calls {listed} go? Tap a button under each in /calls."
        sms = (
            f"How did calls {listed} go? Reply DONE or NOANSWER with each code, "
            f"e.g. DONE {unlogged[0].code}"
        )
    await sweep.volunteer("chase_volunteer", f"chase:{first.id}", volunteer, text, sms)


async def chase_unheld_outcome(sweep: Sweep, call: Call, slot: str) -> None:
    """A past call whose holder is paused or has left: nobody will log it, so it is
    treated as missed at once, and organisers are told when the holder's would be."""
    if call.ends_at <= sweep.now:
        await recover(sweep, call, slot, "its volunteer is paused or has left")
    if chaser_times(call.ends_at).organisers <= sweep.now:
        await sweep.organisers(
            "chase_organisers",
            f"chase-organisers:{call.id}",
            f"No outcome logged for call {call.code} ({slot}); its volunteer is paused or has "
            "left.",
        )


async def chase_swap(sweep: Sweep, call: Call, volunteer: Volunteer, slot: str) -> None:
    """A swap still untaken at its deadline goes to the organisers; the holder keeps it."""
    if call.swap_offered_at is not None and swap_deadline(call.starts_at) <= sweep.now:
        await sweep.organisers(
            "swap_untaken",
            f"swap-untaken:{call.id}",
            f"Nobody has taken the swap of call {call.code} ({slot}); {volunteer.name} still "
            "holds it.",
        )


async def chase_urgent_alerts(sweep: Sweep) -> None:
    """Unacknowledged urgent alerts go out again every 15 minutes, then to backups as well."""
    for escalation in await cycle_queries.unacknowledged_urgent(sweep.session, sweep.group.id):
        repeat = urgent_repeat(escalation.raised_at, sweep.now)
        if repeat < 1:
            continue
        raised = escalation.raised_at.astimezone(sweep.tz)
        await sweep.organisers(
            "urgent_repeat",
            f"urgent:{escalation.id}:repeat:{repeat}",
            f"STILL UNACKNOWLEDGED: urgent alert raised at {raised:%H:%M}. Please acknowledge, "
            "or ring the practice.",
            [[("Acknowledge", f"ack:{escalation.id}")]],
            backups=backups_told(repeat),
        )
        escalation.repeats = max(escalation.repeats, repeat)
