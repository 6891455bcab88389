"""Shared pieces of the command line: running use-cases, printing errors, options, dates.

Nothing heavy is imported at module level here or in any `bot/cli` module: `ringround
--help` must not pay for the database, the planner, matplotlib or the web stack. Commands
import what they use inside their own function.
"""

from __future__ import annotations

import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from config import Settings
    from rota.services.audit import Actor
    from rota.storage.db import Database

T = TypeVar("T")
log = logging.getLogger(__name__)

GroupOption = Annotated[
    str | None,
    typer.Option("--group", help="Group name, where the database holds more than one."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
YesFlag = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for scripts).")
]

# Who is running the command, for the audit log: set once by the `--as` option.
_account: str | None = None


def set_account(name: str | None) -> None:
    global _account
    _account = name


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (e.g. a container with a bare uid)
        return "unknown"


def actor() -> Actor:
    """The command line's actor: the operating-system user, or the name given with `--as`."""
    from rota.services.audit import Actor

    return Actor.at_command_line(_account or _os_user())


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def confirm(question: str, *, yes: bool) -> None:
    """Ask before doing something hard to undo; refuse plainly when nobody can answer."""
    if yes:
        return
    try:
        agreed = typer.confirm(question, default=False, err=True)
    except typer.Abort:  # no input to read (a script, cron, `< /dev/null`) or Ctrl-C
        fail(f"{question} No answer, so nothing was changed: add --yes to go ahead.")
    if not agreed:
        fail("nothing was changed")


def run(work: Callable[[Settings, Database], Awaitable[T]]) -> T:
    """Build settings and database, run one async piece of work, report errors plainly.

    A refusal's message is for the person at the terminal; anything else is a fault,
    logged by type and place, never shown as if the rules had said it.
    """
    import asyncio

    import click
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from bot import composition
    from bot.faults import log_fault
    from rota.errors import Refused

    # A command sends nothing itself: the running service's dispatcher sends what it queues.
    runtime = composition.build_runtime(composition.settings(), sending=False)
    config, db = runtime.settings, runtime.db

    async def main() -> T:
        try:
            return await work(config, db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except Refused as refusal:
        fail(str(refusal))
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
        raise  # the work said what it had to (fail() raises Exit)
    except (OperationalError, ProgrammingError) as error:
        if "no such table" in str(error) or "does not exist" in str(error):
            fail("the database is not set up yet: run `ringround db upgrade` first")
        fail(f"database problem: {error.orig.__class__.__name__}")
    except Exception as error:
        log_fault(log, "command", error)
        fail("sorry, something went wrong inside Ringround: the fault is logged; please report it")


def now() -> datetime:
    from bot import composition

    return composition.now()


def parse_date(text: str, expected: str = "a date like 2026-12-31 or 31/12/2026") -> date:
    """Every date option: ISO `2026-12-31` or the British `31/12/2026` (and `31 Dec`).

    The volunteers' PAUSE command reads dates the same way; one parser serves both.
    """
    from bot.commands import parse_day
    from rota.errors import InvalidInput

    try:
        return parse_day(text, now().date())
    except InvalidInput:
        fail(f"'{text}' is not {expected}")


def parse_week_option(text: str | None) -> str | None:
    """`--week`: an ISO week (2026-W49) or any date in it (2026-12-03, 03/12/2026)."""
    if text is None or "w" in text.lower():
        return text  # the use-case checks the week and says what is wrong
    from rota.windows import week_label

    day = parse_date(text, "an ISO week like 2026-W49 or a date like 03/12/2026")
    year, week, _ = day.isocalendar()
    return week_label(year, week)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def stored_phone(phone: str, config: Settings) -> str:
    """A phone typed on the command line, in the form it is stored."""
    from rota.phones import parse_phone

    return parse_phone(phone, allow_fictional=config.allow_fictional_numbers).e164
