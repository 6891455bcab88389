"""Planner benchmark on seeded synthetic groups: per phase, per size, solver vs greedy.

    .venv/bin/python benchmarks/plan.py [--sizes practice,pcn,county] [--seed 1]

Prints, per size, each phase's wall and process-CPU seconds (the machine is shared, so CPU
time is the steadier figure): network (week slots and the flow network), flow (min-cost
flow solves and the bound), CP-SAT (exact day choice, small weeks only), repair (dropping
clashes and the greedy refill), assemble (calls, codes, sessions, reasons, summary). Then
coverage, continuity, load spread, status and gap, the proven gap per risk class, the
greedy baseline, and the process's peak memory.

`gap` is `Plan.gap`: (U - S) / U, where S is the plan's risk-weighted coverage (3 per
high, 2 per medium, 1 per low-risk call assigned) and U a proven upper bound on S over
every plan that keeps the hard rules (0 when proven optimal); docs/planner.md has the proof.
Per risk class the gap is against the relaxation's calls of that risk (stats `bound_high`
etc.): when the bound is lexicographic (bound.py) no plan makes more high-risk calls, none
with that many high-risk calls makes more medium, and so on.

`--build` also times `ringround rota build` end to end as a fresh process (start-up,
reading the database, planning, writing the draft) on a 300-patient, 40-volunteer SQLite
practice (tests/cycle/practice.py's CSVs), median of three runs; the draft is rebuilt each
time, so the write replaces the calls as an organiser's rebuild does.

Phases are timed by wrapping the planner's functions here, so the same script measures
older code too (a `git worktree` of another commit: run it from there).
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rota.planner import Plan, greedy_plan, plan_week
from rota.planner import flow as flow_module
from rota.planner import planner as planner_module
from tests.support.synthetic_week import synthetic_group

# (patients, volunteers, solver work budget in seconds)
SIZES = {"practice": (300, 40, 1), "pcn": (2_000, 200, 10), "county": (20_000, 2_000, 40)}
PHASES = ("network", "flow", "cp-sat", "repair", "assemble")
# Which phase each planner function's time belongs to (exclusive of phases nested in it).
TIMED = (
    (planner_module, "build_week", "network"),
    (planner_module, "build_network", "network"),
    (planner_module, "solve_flow", "flow"),
    (planner_module, "solve_on_days", "flow"),
    (planner_module, "cover_bound", "flow"),
    (planner_module, "choose_days", "cp-sat"),
    (flow_module, "drop_clashes", "repair"),
    (flow_module, "fill_gaps", "repair"),
    (planner_module, "assemble", "assemble"),
)


class PhaseClock:
    """Wall and CPU seconds per phase; a nested phase's time is taken out of its caller's."""

    def __init__(self) -> None:
        self.wall = dict.fromkeys(PHASES, 0.0)
        self.cpu = dict.fromkeys(PHASES, 0.0)
        self._stack: list[list[float]] = []  # per open phase: time spent in nested phases

    def wrap(self, phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            self._stack.append([0.0, 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                inner_wall, inner_cpu = self._stack.pop()
                spent_wall = time.perf_counter() - wall
                spent_cpu = time.process_time() - cpu
                self.wall[phase] += spent_wall - inner_wall
                self.cpu[phase] += spent_cpu - inner_cpu
                if self._stack:
                    self._stack[-1][0] += spent_wall
                    self._stack[-1][1] += spent_cpu

        return timed

    def install(self) -> None:
        for module, name, phase in TIMED:
            if hasattr(module, name):
                setattr(module, name, self.wrap(phase, getattr(module, name)))

    def reset(self) -> None:
        self.wall = dict.fromkeys(PHASES, 0.0)
        self.cpu = dict.fromkeys(PHASES, 0.0)


def risk_gaps(plan: Plan) -> str:
    """Per risk class: how far the plan's calls may be below the best any plan can make."""
    if "bound_high" not in plan.stats:
        return "-"
    parts = []
    for risk, (_due, done) in plan.summary.coverage_by_risk.items():
        most = plan.stats[f"bound_{risk}"]
        parts.append(f"{risk[0]}:{max(0.0, (most - done) / most) if most else 0.0:.3%}")
    return " ".join(parts)


def row(name: str, plan: Plan, wall: float, cpu: float) -> str:
    s = plan.summary
    cover = " ".join(
        f"{risk[0]}:{done / due:.0%}" if due else f"{risk[0]}:-"
        for risk, (due, done) in s.coverage_by_risk.items()
    )
    continuity = f"{s.continuity_rate:.0%}" if s.continuity_rate is not None else "-"
    spread = f"{s.load_spread:.2f}" if s.load_spread is not None else "-"
    gap = f"{plan.gap:.3%}" if plan.gap is not None else "-"
    return (
        f"{name:<8} {wall:7.2f} {cpu:7.2f} {s.calls_due:6d} {s.assigned:6d}  {cover:<20} "
        f"{continuity:>6} {spread:>6} {plan.status:>8} {gap:>8}"
    )


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command, from the kernel's account of that child."""
    started = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        error = child.stderr.read().decode() if child.stderr else ""
        sys.exit(f"{' '.join(args)} failed: {error}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def build_end_to_end(runs: int = 3) -> None:
    from tests.support.practice import patients_csv, volunteers_csv

    # `-m bot` from this checkout (the installed script may point at another worktree).
    base = [sys.executable, "-m", "bot"]
    rng = random.Random(12)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "RINGROUND_DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "RINGROUND_ALLOW_FICTIONAL_NUMBERS": "true",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        (Path(folder) / "v.csv").write_bytes(volunteers_csv(40, rng))
        (Path(folder) / "p.csv").write_bytes(patients_csv(300, rng))
        for setup in (
            ["db", "upgrade"],
            ["group", "create", "Bench PPG"],
            ["import", "volunteers", str(Path(folder) / "v.csv")],
            ["import", "patients", str(Path(folder) / "p.csv")],
        ):
            _run([*base, *setup], env)
        figures = [_run([*base, "rota", "build", "--week", "2026-W49"], env) for _ in range(runs)]
        wall, cpu = (statistics.median(column) for column in zip(*figures, strict=True))
        print(f"== rota build end to end, 300/40 SQLite, median of {runs}: ", end="")
        print(f"{wall:.2f} s wall, {cpu:.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="practice,pcn,county")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build", action="store_true", help="also time `rota build` (300/40)")
    args = parser.parse_args()
    if args.build:
        build_end_to_end()
    clock = PhaseClock()
    clock.install()
    print(
        f"{'':<8} {'wall':>7} {'cpu':>7} {'due':>6} {'cover':>6}  {'by risk h/m/l':<20} "
        f"{'contin':>6} {'max/min':>6} {'status':>8} {'gap':>8}"
    )
    for size in args.sizes.split(","):
        patients, volunteers, limit = SIZES[size]
        request = synthetic_group(patients, volunteers, args.seed, limit)
        print(f"== {size}: {patients} patients, {volunteers} volunteers")
        clock.reset()
        wall, cpu = time.perf_counter(), time.process_time()
        plan = plan_week(request)
        print(row("solver", plan, time.perf_counter() - wall, time.process_time() - cpu))
        phases = "  ".join(
            f"{phase} {clock.wall[phase]:.2f}/{clock.cpu[phase]:.2f}" for phase in PHASES
        )
        print(f"   phases (wall/cpu s): {phases}")
        print(f"   proven gap by risk: {risk_gaps(plan)}")
        stats = ", ".join(f"{k}={v:.6g}" for k, v in sorted(plan.stats.items()))
        wall, cpu = time.perf_counter(), time.process_time()
        greedy = greedy_plan(request)
        print(row("greedy", greedy, time.perf_counter() - wall, time.process_time() - cpu))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"   peak memory so far {peak:.0f} MiB; solver {stats}")


if __name__ == "__main__":
    main()
