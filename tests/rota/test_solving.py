"""A build or re-plan is solved off the event loop, on a snapshot, and written back only
if the rota is still the one it was planned from (issue 14, point 1)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from rota.errors import Refused
from rota.sample import SAMPLE_DIR
from rota.services import calls, rotas, solving
from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients, import_volunteers
from rota.storage import AuditEvent, Call, Volunteer

WEEK, NEXT_WEEK = "2026-W49", "2026-W50"
HANG_GUARD_S = 120  # far above a 5-second solve: only stops a hung test


async def _sample_group(db, now) -> None:
    group = await create_group(db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now)
    for kind, use_case in (("volunteers", import_volunteers), ("patients", import_patients)):
        data = (SAMPLE_DIR / f"{kind}.csv").read_bytes()
        result = await use_case(
            db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
        )
        assert result.ok


async def _published(db, now) -> dict[str, Any]:
    await _sample_group(db, now)
    await rotas.build_rota(db, None, WEEK, actor=CLI, now=now, time_limit_s=5)
    return await rotas.publish_rota(db, None, WEEK, actor=CLI, now=now)


async def _volunteer_ids(db) -> dict[str, int]:
    async with db.transaction() as session:
        return {v.phone: v.id for v in (await session.scalars(select(Volunteer))).all()}


async def _actions(db) -> list[str]:
    async with db.transaction() as session:
        return list((await session.scalars(select(AuditEvent.action))).all())


def _meddling(meddle: Callable[[int], Any]) -> tuple[solving.Offload, list[int]]:
    """An offload that lets someone change the rota before each solve (attempt n)."""
    attempts: list[int] = []

    async def offload(fn: Callable[..., Any], /, *args: Any) -> Any:
        attempts.append(len(attempts))
        await meddle(attempts[-1])
        return await solving.in_thread(fn, *args)

    return offload, attempts


async def test_volunteers_keep_getting_answers_while_a_build_is_solved(db, now):
    before = await _published(db, now)
    holder = next(c["volunteer"] for c in before["calls"] if c["volunteer"])
    volunteer_id = (await _volunteer_ids(db))[holder]
    loop = asyncio.get_running_loop()
    solving_started, answered = asyncio.Event(), threading.Event()

    async def held_until_answered(fn: Callable[..., Any], /, *args: Any) -> Any:
        def solve() -> Any:
            loop.call_soon_threadsafe(solving_started.set)
            assert answered.wait(HANG_GUARD_S), "the replies never came"
            return fn(*args)

        return await solving.in_thread(solve)

    build = asyncio.create_task(
        rotas.build_rota(
            db, None, NEXT_WEEK, actor=CLI, now=now, time_limit_s=5, offload=held_until_answered
        )
    )
    await asyncio.wait_for(solving_started.wait(), HANG_GUARD_S)
    mine = await calls.my_calls(db, volunteer_id, channel="sms", now=now)
    open_ = await calls.list_open_calls(db, volunteer_id, now=now)
    shown = await rotas.show_rota(db, None, WEEK, actor=CLI, now=now)  # writes an audit row
    assert not build.done()  # all three answered while the plan was still being made
    answered.set()
    built = await asyncio.wait_for(build, HANG_GUARD_S)
    assert mine and {c.code for c in mine} <= {c["code"] for c in shown["calls"]}
    assert isinstance(open_, list)
    assert built.view["week"] == NEXT_WEEK and built.view["calls"]


async def test_a_build_is_solved_in_a_worker_thread_by_default(sqlite_db, now, monkeypatch):
    await _sample_group(sqlite_db, now)
    threads: list[int] = []
    real = rotas.plan_week

    def recorded(request: Any) -> Any:
        threads.append(threading.get_ident())
        return real(request)

    monkeypatch.setattr(rotas, "plan_week", recorded)
    await rotas.build_rota(sqlite_db, None, WEEK, actor=CLI, now=now, time_limit_s=5)
    assert threads and threads[0] != threading.get_ident()


async def test_a_draft_rebuilt_while_it_was_planned_is_planned_again_from_the_new_one(db, now):
    await _sample_group(db, now)

    async def organiser_rebuilds(attempt: int) -> None:
        if attempt == 0:
            await rotas.build_rota(
                db, None, WEEK, actor=CLI, now=now, time_limit_s=5, offload=solving.here
            )

    offload, attempts = _meddling(organiser_rebuilds)
    built = await rotas.build_rota(
        db, None, WEEK, actor=CLI, now=now, time_limit_s=5, offload=offload
    )
    assert attempts == [0, 1] and built.view["revision"] == 2
    assert (await _actions(db)).count("rota.build") == 2


async def test_a_draft_rebuilt_under_every_attempt_is_refused_clearly(db, now):
    await _sample_group(db, now)

    async def organiser_rebuilds(_attempt: int) -> None:
        await rotas.build_rota(
            db, None, WEEK, actor=CLI, now=now, time_limit_s=5, offload=solving.here
        )

    offload, attempts = _meddling(organiser_rebuilds)
    with pytest.raises(rotas.DraftChanged, match=f"rota for {WEEK} changed while it was planned"):
        await rotas.build_rota(db, None, WEEK, actor=CLI, now=now, time_limit_s=5, offload=offload)
    assert len(attempts) == rotas.BUILD_ATTEMPTS
    async with db.transaction() as session:
        revision = (await session.scalars(select(rotas.Rota.revision))).one()
    assert revision == rotas.BUILD_ATTEMPTS  # the organiser's builds, none overwritten


async def _claim_by_anyone(db, code: str, now) -> int:
    for volunteer_id in sorted((await _volunteer_ids(db)).values()):
        try:
            await calls.claim_call(db, volunteer_id, channel="sms", now=now, code=code)
        except Refused:
            continue
        return volunteer_id
    raise AssertionError(f"nobody may claim {code}")


async def test_a_call_claimed_while_the_week_is_replanned_stays_with_its_claimer(db, now):
    before = await _published(db, now)
    ids = await _volunteer_ids(db)
    handed_back = next(c for c in before["calls"] if c["volunteer"])
    await calls.release_call(
        db, ids[handed_back["volunteer"]], channel="sms", now=now, code=handed_back["code"]
    )
    claimer: list[int] = []

    async def volunteer_claims(attempt: int) -> None:
        if attempt == 0:
            claimer.append(await _claim_by_anyone(db, handed_back["code"], now))

    offload, attempts = _meddling(volunteer_claims)
    result = await rotas.replan_rota(
        db, None, WEEK, actor=CLI, now=now, time_limit_s=5, offload=offload
    )
    assert attempts == [0, 1]  # the first plan was about a rota that no longer stood
    phone = {v: p for p, v in ids.items()}[claimer[0]]
    after = {c["code"]: c for c in result.view["calls"]}
    assert after[handed_back["code"]]["volunteer"] == phone
    assert (await _actions(db)).count("rota.replan") == 1


async def test_a_week_whose_calls_change_under_every_replan_is_refused_clearly(db, now):
    before = await _published(db, now)
    ids = await _volunteer_ids(db)
    held = [c for c in before["calls"] if c["volunteer"]][: rotas.BUILD_ATTEMPTS]

    async def volunteer_hands_back(attempt: int) -> None:
        call = held[attempt]
        await calls.release_call(
            db, ids[call["volunteer"]], channel="sms", now=now, code=call["code"]
        )

    offload, attempts = _meddling(volunteer_hands_back)
    with pytest.raises(rotas.RotaChanged, match=f"rota for {WEEK} changed while it was re-planned"):
        await rotas.replan_rota(db, None, WEEK, actor=CLI, now=now, time_limit_s=5, offload=offload)
    assert len(attempts) == rotas.BUILD_ATTEMPTS
    async with db.transaction() as session:
        codes = {c["code"] for c in held}
        rows = (await session.scalars(select(Call).where(Call.code.in_(codes)))).all()
    assert {r.code for r in rows} == codes and all(r.volunteer_id is None for r in rows)
    assert "rota.replan" not in await _actions(db)
