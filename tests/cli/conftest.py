"""The `ringround` command line driven as an organiser would, on SQLite and PostgreSQL.

The clock the commands see is pinned (`bot.composition.now`), so "a week under way" and
"a past week" mean the same on any day the tests run.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli.main import app
from tests.conftest import _fresh_postgres

BEFORE_W49 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday of the week before


@dataclass
class Cli:
    """`cli("rota", "build")` runs a command; `cli.now` is the clock it sees."""

    url: str
    runner: CliRunner
    now: datetime

    def __call__(self, *args: str, ok: bool = True, input: str | None = None) -> Result:
        result = self.runner.invoke(app, list(args), input=input)
        if ok:
            assert result.exit_code == 0, (result.output, result.stderr)
        return result

    def run(self, work: Callable[..., object]) -> object:
        """Run a use-case directly against the same database (what a volunteer would do)."""
        from rota.storage.db import Database

        async def main() -> object:
            db = Database(self.url)
            try:
                return await work(db)  # type: ignore[misc]
            finally:
                await db.dispose()

        return asyncio.run(main())


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.db'}"
    else:
        url = request.getfixturevalue("postgres_url")

        async def empty() -> None:
            await (await _fresh_postgres(url)).dispose()

        asyncio.run(empty())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RINGROUND_DATABASE_URL", url)
    monkeypatch.setenv("RINGROUND_ALLOW_FICTIONAL_NUMBERS", "true")
    monkeypatch.delenv("RINGROUND_AS", raising=False)
    runner = Cli(url, CliRunner(), BEFORE_W49)
    monkeypatch.setattr("bot.composition.now", lambda: runner.now)
    runner("db", "upgrade")
    runner("group", "create", "Riverside PPG")
    return runner


# A practice-sized group: 300 patients, 40 volunteers (Ofcom drama numbers only).
PATIENTS, VOLUNTEERS = 300, 40
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


def practice_files(folder: Path) -> tuple[Path, Path]:
    rng = random.Random(12)
    patients = ["ref,name,phone,risk,call_windows,language,sms_consent"]
    for i in range(PATIENTS):
        phone = f"07700 900{i:03d}" if i % 3 else f"01632 960{i:03d}"
        risk = rng.choice(["high", "high", "medium", "medium", "low"])
        window = rng.choice(["", "", f"{rng.choice(DAYS)} 10:00-12:00"])
        language = "Polish" if i % 25 == 0 else ("Urdu" if i % 40 == 1 else "")
        patients.append(f"RP{2000 + i},Patient {i},{phone},{risk},{window},{language},yes")
    volunteers = ["name,phone,channel,availability,max_calls,languages"]
    for i in range(VOLUNTEERS):
        days = rng.sample(DAYS, 2)
        windows = "; ".join(f"{d} {rng.choice(['10:00-12:00', '14:00-16:00'])}" for d in days)
        languages = "en; ur" if i == 0 else "en"
        volunteers.append(
            f"Volunteer {i},07700 900{500 + i},sms,{windows},{rng.choice([3, 4, 5, 6])},{languages}"
        )
    patient_file, volunteer_file = folder / "patients.csv", folder / "volunteers.csv"
    patient_file.write_text("\n".join(patients) + "\n")
    volunteer_file.write_text("\n".join(volunteers) + "\n")
    return patient_file, volunteer_file
