"""Planner benchmark on seeded synthetic groups: solver vs the greedy baseline.

    .venv/bin/python benchmarks/plan.py [--sizes practice,pcn,county] [--seed 1]

Prints, per size: solve time, calls due, covered, coverage by risk, continuity rate,
max/min load ratio, the plan's gap, and the process's peak memory.

`gap` is `Plan.gap`: (U - S) / U, where S is the plan's risk-weighted coverage (3 per
high, 2 per medium, 1 per low-risk call assigned) and U a proven upper bound on S over
every plan that keeps the hard rules (0 when proven optimal); docs/planner.md has the proof.
The solver's stats show both (`cover_score`, `cover_bound`).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rota.planner import Plan, greedy_plan, plan_week
from tests.support.synthetic_week import synthetic_group

# (patients, volunteers, solver work budget in seconds)
SIZES = {"practice": (300, 40, 1), "pcn": (2_000, 200, 10), "county": (20_000, 2_000, 40)}


def row(name: str, plan: Plan, seconds: float) -> str:
    s = plan.summary
    cover = " ".join(
        f"{risk[0]}:{done / due:.0%}" if due else f"{risk[0]}:-"
        for risk, (due, done) in s.coverage_by_risk.items()
    )
    continuity = f"{s.continuity_rate:.0%}" if s.continuity_rate is not None else "-"
    spread = f"{s.load_spread:.2f}" if s.load_spread is not None else "-"
    gap = f"{plan.gap:.3%}" if plan.gap is not None else "-"
    return (
        f"{name:<8} {seconds:7.2f} {s.calls_due:6d} {s.assigned:6d}  {cover:<20} "
        f"{continuity:>6} {spread:>6} {plan.status:>8} {gap:>8}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="practice,pcn,county")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{'':<8} {'secs':>7} {'due':>6} {'cover':>6}  {'by risk h/m/l':<20} "
        f"{'contin':>6} {'max/min':>6} {'status':>8} {'gap':>8}"
    )
    for size in args.sizes.split(","):
        patients, volunteers, limit = SIZES[size]
        request = synthetic_group(patients, volunteers, args.seed, limit)
        print(f"== {size}: {patients} patients, {volunteers} volunteers")
        for name, planner in (("solver", plan_week), ("greedy", greedy_plan)):
            started = time.perf_counter()
            plan = planner(request)
            print(row(name, plan, time.perf_counter() - started))
            if name == "solver":
                stats = ", ".join(f"{k}={v:.6g}" for k, v in sorted(plan.stats.items()))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"   peak memory so far {peak:.0f} MiB; solver {stats}")


if __name__ == "__main__":
    main()
