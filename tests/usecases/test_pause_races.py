"""A volunteer who pauses while claiming or taking a call never ends up holding it (issue 13.3).

Each trial races the volunteer's CLAIM (or TAKE) against their own PAUSE. Whichever wins,
a paused volunteer must not hold a future call: either the claim lost, or the pause
released what the claim won. On SQLite `BEGIN IMMEDIATE` serialises the two; on
PostgreSQL (READ COMMITTED) only the claim's statement itself can make them meet.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from sqlalchemy import select, update

from rota.domain import VolunteerStatus
from rota.errors import Refused
from rota.services.availability import pause
from rota.services.calls import claim_call, take_swap
from rota.storage import Call, Patient, Volunteer
from tests.support.usecases import add_volunteers, calls, notices, published_week

TRIALS = 50
ANN = "+447700900010"
UNTIL = date(2026, 12, 31)


async def _reset(db, call_id: int, volunteer_id: int, *, holder: int | None, now: datetime):
    async with db.transaction() as session:
        await session.execute(
            update(Volunteer)
            .where(Volunteer.id == volunteer_id)
            .values(status=VolunteerStatus.ACTIVE, paused_until=None)
        )
        await session.execute(
            update(Call)
            .where(Call.id == call_id)
            .values(volunteer_id=holder, swap_offered_at=now if holder else None)
        )


async def _speaking_everything(db, volunteer_id: int) -> None:
    """The racer may ring any patient, so only the pause can stop the claim."""
    async with db.transaction() as session:
        languages = sorted(set((await session.scalars(select(Patient.language))).all()))
        await session.execute(
            update(Volunteer).where(Volunteer.id == volunteer_id).values(languages=languages)
        )


async def _quietly(use_case) -> str:
    try:
        await use_case
        return "done"
    except Refused:
        return "refused"


async def _paused_holders(db, volunteer_id: int, now: datetime) -> int:
    async with db.transaction() as session:
        volunteer = await session.get_one(Volunteer, volunteer_id)
        paused = volunteer.status == VolunteerStatus.PAUSED
    held = [c for c in await calls(db) if c.volunteer_id == volunteer_id and c.starts_at > now]
    return len(held) if paused else 0


async def test_claim_racing_the_same_volunteers_pause_never_leaves_a_paused_holder(db, now):
    world = await published_week(db, now)
    target = next(c for c in await calls(db) if c.volunteer_id is None and c.starts_at > now)
    [claimer] = await add_volunteers(db, world.group_id, 1, now)
    await _speaking_everything(db, claimer)
    bad = 0
    for _ in range(TRIALS):
        await _reset(db, target.id, claimer, holder=None, now=now)
        await asyncio.gather(
            _quietly(claim_call(db, claimer, call_id=target.id, channel="sms", now=now)),
            _quietly(pause(db, claimer, until=UNTIL, channel="sms", now=now)),
        )
        bad += await _paused_holders(db, claimer, now) > 0
    assert bad == 0, f"a paused volunteer held the call in {bad} of {TRIALS} trials"


async def test_take_racing_the_takers_pause_never_leaves_a_paused_holder(db, now):
    world = await published_week(db, now)
    mine = next(c for c in await calls(db) if c.volunteer_id == world.vid(ANN))
    [taker] = await add_volunteers(db, world.group_id, 1, now)
    await _speaking_everything(db, taker)
    bad = 0
    for _ in range(TRIALS):
        await _reset(db, mine.id, taker, holder=world.vid(ANN), now=now)
        await asyncio.gather(
            _quietly(take_swap(db, taker, call_id=mine.id, channel="sms", now=now)),
            _quietly(pause(db, taker, until=UNTIL, channel="sms", now=now)),
        )
        bad += await _paused_holders(db, taker, now) > 0
    assert bad == 0, f"a paused volunteer held the call in {bad} of {TRIALS} trials"


async def test_the_sweep_opens_a_call_whose_holder_is_paused_and_tells_organisers(db, now):
    from datetime import timedelta

    from rota.services.cycle import run_due_work
    from rota.storage import OutboxMessage

    await published_week(db, now)
    held = [c for c in await calls(db) if c.volunteer_id is not None]
    past = held[0]
    moment = past.ends_at + timedelta(hours=25)
    future = next(c for c in held if moment < c.starts_at < moment + timedelta(hours=40))
    async with db.transaction() as session:  # paused while still holding them (a lost race)
        await session.execute(
            update(Volunteer)
            .where(Volunteer.id.in_([past.volunteer_id, future.volunteer_id]))
            .values(status=VolunteerStatus.PAUSED, paused_until=UNTIL)
        )
    await run_due_work(db, moment)
    after = {c.id: c for c in await calls(db)}
    assert after[future.id].volunteer_id is None  # open: it can be claimed and is escalated
    async with db.transaction() as session:
        keys = set((await session.scalars(select(OutboxMessage.key))).all())
    keys |= {m.key for m in await notices(db)}  # organisers' notices wait for the digest
    assert any(k.startswith(f"holder-inactive:{future.id}:") for k in keys)
    assert any(k.startswith(f"chase-organisers:{past.id}:") for k in keys)
    await run_due_work(db, moment)  # and only once
    async with db.transaction() as session:
        again = set((await session.scalars(select(OutboxMessage.key))).all())
    assert again | {m.key for m in await notices(db)} == keys
