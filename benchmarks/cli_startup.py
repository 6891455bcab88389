"""Start-up cost of the `ringround` command line: wall time and peak memory per command.

    .venv/bin/python benchmarks/cli_startup.py [--runs 7]

Builds a 300-patient SQLite database through the command line itself (`db upgrade`,
`group create`, `import patients`), then runs `ringround --help` and `ringround patients
list` as fresh processes several times each and prints the median wall time and the peak
resident memory of each. Memory comes from `os.wait4`, the kernel's own account of that one
child (no psutil). Target (issue 11): both under 0.6 s and 80 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PATIENTS = 300
COMMANDS = {"--help": ["--help"], "patients list": ["patients", "list"]}


def ringround() -> list[str]:
    """The installed console script when there is one (what a user runs), else `-m bot`."""
    script = Path(sys.executable).parent / "ringround"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def patients_csv(rows: int) -> str:
    rng = random.Random(300)
    lines = ["ref,name,phone,risk,call_windows,language,sms_consent,notes"]
    for i in range(rows):
        phone = f"07700 900{i:03d}" if i % 4 else f"01632 960{i:03d}"
        risk = rng.choice(["high", "medium", "medium", "low"])
        windows = rng.choice(["", "Mon 10:00-12:00; Thu 14:00-16:00", "Wed 14:00-17:00"])
        lines.append(f"P{i:04d},Patient {i},{phone},{risk},{windows},,yes,Notes {i}")
    return "\n".join(lines) + "\n"


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS in MB of one run of the command.

    CPU time is printed too because wall time on a shared, busy machine says more about
    the neighbours than about us.
    """
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(args)} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_known_args()[0].runs  # `./dev bench` passes its arguments to all
    base = ringround()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "RINGROUND_DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "RINGROUND_ALLOW_FICTIONAL_NUMBERS": "true",
        }
        csv = Path(folder) / "patients.csv"
        csv.write_text(patients_csv(PATIENTS))
        for setup in (["db", "upgrade"], ["group", "create", "Bench PPG"]):
            measure([*base, *setup], env)
        measure([*base, "import", "patients", str(csv)], env)
        print(f"ringround start-up, {PATIENTS}-patient SQLite database, median of {runs} runs")
        for label, command in COMMANDS.items():
            figures = [measure([*base, *command], env) for _ in range(runs)]
            wall, cpu, rss = (statistics.median(column) for column in zip(*figures, strict=True))
            print(
                f"  ringround {label:<14} {wall:5.2f} s wall  {cpu:5.2f} s CPU  "
                f"{rss:4.0f} MB peak RSS"
            )


if __name__ == "__main__":
    main()
