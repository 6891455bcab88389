"""The weekly cycle, as sweeps over the database that are safe to run at any moment.

The scheduler runs `run_due_work(now)` every few minutes. Each rule queues a message only
when it is due and still useful (a reminder after its call has started is pointless), and
the outbox key makes each message unique: a sweep that runs twice, late after a restart,
or in the autumn's repeated hour sends nothing twice, and misses nothing still worth sending.

The rules are in modules named for what they do for people: `reminders`, `chasers`,
`open_calls` (and `missed_calls`), `reoffers`, `zoom_invites`; when each is due is
`rota.rules.timing`'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rota.rules.timing import CHASE_ORGANISERS_AFTER, REOFFER_WITHIN
from rota.services.chasers import chase_outcome, chase_swap, chase_urgent_alerts
from rota.services.digest import send_digests
from rota.services.notify import when
from rota.services.open_calls import holder_cannot_ring, open_call_rules
from rota.services.reminders import check_in_patient, remind_volunteers, runs_of_calls
from rota.services.reoffers import offer_open_calls
from rota.services.sweep import CycleStats, Sweep
from rota.services.zoom_invites import session_rules
from rota.storage import cycle_queries, repository, rota_queries
from rota.storage.db import Database
from rota.storage.people import Group
from rota.storage.rotas import Call

LOOKBACK = timedelta(days=10)  # outbox keys older than any rule's reach


async def run_due_work(db: Database, now: datetime) -> CycleStats:
    """One pass of every time-driven rule for every group, each group in its own transaction."""
    stats = CycleStats()
    async with db.transaction() as session:
        group_ids = [g.id for g in await repository.groups(session)]
    for group_id in group_ids:
        async with db.transaction() as session:
            group = await session.get_one(Group, group_id)
            since = now - CHASE_ORGANISERS_AFTER - timedelta(days=1)
            until = now + REOFFER_WITHIN + timedelta(days=1)
            calls = await cycle_queries.live_calls(session, group.id, since=since, until=until)
            sweep = Sweep(
                session=session,
                group=group,
                now=now,
                stats=stats,
                done=await cycle_queries.recent_message_keys(
                    session, group.id, since=now - LOOKBACK
                ),
                volunteers={
                    v.id: v for v in await cycle_queries.active_volunteers(session, group.id)
                },
                patients=await cycle_queries.patients_by_id(session, {c.patient_id for c in calls}),
                made_up=await rota_queries.made_up(session, {c.id for c in calls}),
            )
            held = await cycle_queries.held_calls(
                session, group.id, since=now - timedelta(days=1), until=now + timedelta(days=2)
            )
            sweep.runs = runs_of_calls(calls, held)
            await remind_volunteers(sweep, calls)
            for call in calls:
                await _call_rules(sweep, call)
            await offer_open_calls(sweep)
            await chase_urgent_alerts(sweep)
            await session_rules(sweep)  # Zoom sessions: host links, invites, phone lists
            # Last, so today's notices queued above before the digest time go with it.
            stats.add("digest", await send_digests(session, group, now))
    return stats


async def _call_rules(sweep: Sweep, call: Call) -> None:
    slot = when(call.starts_at, call.ends_at, sweep.tz)
    if call.volunteer_id is None:
        await open_call_rules(sweep, call, slot)
        return
    volunteer = sweep.volunteers.get(call.volunteer_id)
    if volunteer is None:  # paused or left, yet still holding it (e.g. a race lost long ago)
        await holder_cannot_ring(sweep, call, slot)
        return
    await check_in_patient(sweep, call)
    await chase_outcome(sweep, call, volunteer, slot)
    await chase_swap(sweep, call, volunteer, slot)
