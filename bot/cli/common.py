"""Shared pieces of the command line: running use-cases, printing errors, options."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot import composition
from config import Settings
from rota.storage.db import Database

T = TypeVar("T")

GroupOption = Annotated[
    str | None,
    typer.Option("--group", help="Group name, where the database holds more than one."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]

# Errors from use-cases whose message is written for a person.
USER_ERRORS: tuple[type[Exception], ...] = (ValueError, LookupError, PermissionError)


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def run(work: Callable[[Settings, Database], Awaitable[T]]) -> T:
    """Build settings and database, run one async piece of work, report errors plainly."""
    config = composition.settings()
    db = composition.database(config)

    async def main() -> T:
        try:
            return await work(config, db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except USER_ERRORS as error:
        fail(str(error))
    except (OperationalError, ProgrammingError) as error:
        if "no such table" in str(error) or "does not exist" in str(error):
            fail("the database is not set up yet: run `ringround db upgrade` first")
        fail(f"database problem: {error.orig.__class__.__name__}")


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
