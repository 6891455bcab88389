"""The `ringround` command line driven as an organiser would, on SQLite and PostgreSQL.

The clock the commands see is pinned (`bot.composition.now`), so "a week under way" and
"a past week" mean the same on any day the tests run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli.main import app
from tests.support.databases import fresh_postgres

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
            await (await fresh_postgres(url)).dispose()

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
