"""A rota is a function of its input: the machine's load must not change it (decision 7)."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from rota.planner import Plan, plan_week
from rota.planner import flow as flow_module
from tests.support.synthetic_week import synthetic_group


def rota_bytes(plan: Plan) -> bytes:
    """Everything an organiser or volunteer could see of the plan; not its timings."""
    shown = {
        "calls": [dataclasses.asdict(c) for c in plan.calls],
        "sessions": [dataclasses.asdict(s) for s in plan.sessions],
        "uncovered": [dataclasses.asdict(u) for u in plan.uncovered],
        "status": plan.status,
        "gap": plan.gap,
    }
    return json.dumps(shown, default=str, sort_keys=True).encode()


def _spin() -> None:
    while True:
        pass


@contextmanager
def cpu_loaded() -> Iterator[None]:
    """Every core busy with another process while the block runs."""
    hogs = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(os.cpu_count() or 2)]
    for hog in hogs:
        hog.start()
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.join()


def test_a_2000_patient_week_is_the_same_rota_on_a_quiet_and_a_loaded_machine():
    request = synthetic_group(2_000, 200, seed=1, time_limit_s=10)
    quiet = plan_week(request)
    with cpu_loaded():
        loaded = plan_week(request)
    assert quiet.stats["safety_stop"] == loaded.stats["safety_stop"] == 0.0
    assert len(quiet.calls) > 2_000
    assert rota_bytes(loaded) == rota_bytes(quiet)


def test_a_practice_week_is_the_same_rota_under_load_where_cp_sat_decides_the_days():
    request = synthetic_group(300, 40, seed=3, time_limit_s=1)
    quiet = plan_week(request)
    with cpu_loaded():
        loaded = plan_week(request)
    assert rota_bytes(loaded) == rota_bytes(quiet)


def test_the_wall_clock_safety_stop_is_reported_when_it_fires(monkeypatch, caplog):
    request = synthetic_group(300, 40, seed=1, time_limit_s=1)
    unstopped = plan_week(request)
    assert unstopped.stats["relaxation_clashes"] > 0, "needs a week whose relaxation clashes"
    monkeypatch.setattr(flow_module, "SAFETY_STOP", -1)  # any elapsed time is "too long"
    plan = plan_week(request)
    assert plan.stats["safety_stop"] == 1.0
    assert "safety stop" in caplog.text


@pytest.mark.parametrize("seed", [1, 2])
def test_building_twice_gives_identical_bytes(seed):
    request = synthetic_group(300, 40, seed=seed, time_limit_s=1)
    assert rota_bytes(plan_week(request)) == rota_bytes(plan_week(request))
