"""What keeps planning quick without changing any rota (issue 18, point 2).

Speed itself is measured by benchmarks/plan.py, never asserted here; these pin the work the
planner must not do and that the faster paths give exactly the same network and rota.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from rota.planner.network import SOURCE, build_network
from rota.planner.week import build_week
from tests.support.synthetic_week import synthetic_group

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD_S = 600  # far above the few seconds a run takes: only stops a hung child


def test_a_week_the_flow_proves_optimal_never_loads_cp_sat():
    """Importing CP-SAT (and protobuf) costs `rota build` most of a second; the flow proves
    most weeks on its own, so it is imported only when it is used."""
    script = (
        "import sys\n"
        "from rota.planner import plan_week\n"
        "from tests.support.synthetic_week import synthetic_group\n"
        "plan = plan_week(synthetic_group(2000, 200, seed=1, time_limit_s=10))\n"
        "assert plan.status == 'OPTIMAL' and 'exact' not in plan.stats, plan.stats\n"
        "print('ortools.sat.python.cp_model' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=HANG_GUARD_S,
    )
    assert out.stdout.strip() == "False"


def _reference_out_arcs(net) -> list[list[int]]:
    found: list[list[int]] = [[] for _ in range(net.nodes)]
    for arc, tail in enumerate(net.tails.tolist()):
        found[tail].append(arc)
    return found


def test_the_network_is_arrays_with_every_nodes_arcs_in_arc_order():
    net = build_network(build_week(synthetic_group(2000, 200, seed=2, time_limit_s=10)))
    assert all(isinstance(a, np.ndarray) for a in (net.tails, net.heads, net.caps, net.costs))
    assert len(net.tails) > 30_000
    reference = _reference_out_arcs(net)
    assert all(net.out_arcs(n) == reference[n] for n in range(net.nodes))
    assert net.out_arcs(SOURCE)[-1] == net.bypass
