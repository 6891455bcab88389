"""A simulated spring season at one practice: does everyone at risk get their weekly call?

    .venv/bin/python benchmarks/season.py [--seed 1] [--weeks 8] [--patients 300] [--volunteers 40]

Seeds one group through the import and invite use-cases (20% high, 40% medium, 40% low-risk
patients, some landlines and some without SMS consent; volunteers 30% SMS-only, the rest on
Telegram, with windows and max_calls that can cover every high-risk call) and runs the weeks
from Mon 2027-03-01 (the clocks go forward on Sun 28 Mar) on a simulated clock: the
scheduler's sweeps every 15 minutes by day and hourly by night, the outbox dispatcher into
recording channels, and people who act only on what reached their phone or on their own diary:
15% of held calls are no-shows that ignore the chasers, logging is often late, open calls are
claimed now and then when offered, a few swaps and releases, ~2% of volunteers pause or leave
each week, patients answer ok 70% / no answer 15% / concern 5% (the rest left a message,
declined or had a short chat), two URGENT outcomes, three patients text STOP.

Prints, per ISO week and for the season: high-risk patients contacted (and whether the week's
volunteers could have made every high-risk call), the longest gap without contact by risk, why
high-risk patients were missed, messages to volunteers and organisers (by purpose = outbox key),
and the safety counters: sent twice, texts to landlines or opted-out patients, calls lost, and
the seconds from an URGENT outcome to its alert leaving. The simulation's code and its
definitions are in tests/support/season.py. Numbers, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.season import SeasonConfig, render, run_season


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--volunteers", type=int, default=40)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = SeasonConfig(
        seed=args.seed, weeks=args.weeks, patients=args.patients, volunteers=args.volunteers
    )
    started, cpu = time.perf_counter(), time.process_time()
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None  # a RAM disk where there is one
    with tempfile.TemporaryDirectory(dir=shm) as folder:
        figures = asyncio.run(run_season(config, Path(folder), progress))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"Season: {config.weeks} weeks from {config.first_monday}, {config.patients} patients, "
        f"{config.volunteers} volunteers, seed {config.seed}"
    )
    print(render(figures))
    # CPU time too: on a shared machine the wall clock mostly measures the neighbours.
    print(f"wall time {seconds:.0f} s, CPU time {cpu:.0f} s")


if __name__ == "__main__":
    main()
