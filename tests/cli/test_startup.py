"""`ringround --help` starts without the heavy libraries (issue 11: a quick command line).

Only which modules get imported is checked here, never how long it takes: the figures
are measured by `benchmarks/cli_startup.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("ortools", "matplotlib", "twilio", "telegram", "starlette", "uvicorn", "numpy")

# Runs the real entry point as the console script does, then lists what got imported.
PROBE = """
import json, sys
sys.argv = ["ringround", *ARGS]
from bot.cli.main import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _imported(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.replace("ARGS", repr(list(args)))],
        capture_output=True,
        text=True,
        timeout=120,  # a hang guard only, far above any real start-up
        check=True,
    )
    assert "Usage" in done.stdout
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_ringround_help_imports_no_planner_chart_provider_or_web_library():
    found = _imported("--help") & set(HEAVY)
    assert not found, f"`ringround --help` imported {sorted(found)}"


def test_a_commands_help_imports_none_of_them_either():
    for command in (["rota", "build", "--help"], ["report", "--help"], ["serve", "--help"]):
        found = _imported(*command) & set(HEAVY)
        assert not found, f"`ringround {' '.join(command)}` imported {sorted(found)}"
