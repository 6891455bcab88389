"""`ringround erase …`, `purge`, `audit`, `alerts` and `volunteers invite`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bot import composition
from bot.cli.common import GroupOption, JsonFlag, print_json, run
from config import Settings
from rota.phones import parse_phone
from rota.services import oversight, privacy, signup
from rota.services.audit import CLI
from rota.services.people import group_id
from rota.storage.db import Database

erase_app = typer.Typer(
    help="Erase a person's data everywhere (right to erasure).", no_args_is_help=True
)


@erase_app.command("patient")
def erase_patient(
    ref: Annotated[str, typer.Argument(help="The practice's reference.")],
    group: GroupOption = None,
) -> None:
    """Erase a patient: name, number, notes and messages; counts are kept."""

    async def work(_config: Settings, db: Database) -> int:
        return await privacy.erase_patient(db, group, ref, actor=CLI, now=composition.now())

    calls = run(work)
    typer.echo(f"erased patient {ref}; {calls} past call(s) kept as counts only")


@erase_app.command("volunteer")
def erase_volunteer(
    phone: Annotated[str, typer.Argument(help="Their phone number.")],
    group: GroupOption = None,
) -> None:
    """Erase a volunteer; their future calls go back to the group as open calls."""

    async def work(config: Settings, db: Database) -> int:
        e164 = parse_phone(phone, allow_fictional=config.allow_fictional_numbers).e164
        return await privacy.erase_volunteer(db, group, e164, actor=CLI, now=composition.now())

    released = run(work)
    typer.echo(f"erased volunteer; {released} future call(s) are open again")


def purge() -> None:
    """Blank personal data past its retention period (the nightly job does this too)."""

    async def work(_config: Settings, db: Database) -> dict[str, int]:
        return await privacy.purge(db, composition.now())

    counts = run(work)
    typer.echo(", ".join(f"{k}: {v} purged" for k, v in counts.items()))


def audit(
    action: Annotated[str | None, typer.Option(help="Only actions starting with this.")] = None,
    limit: Annotated[int, typer.Option(help="Most recent N events.")] = 50,
    as_json: JsonFlag = False,
    group: GroupOption = None,
) -> None:
    """Who read or changed what, when and through which channel."""

    async def work(_config: Settings, db: Database) -> list[dict[str, Any]]:
        return await oversight.audit_trail(
            db, group, action=action, limit=limit, actor=CLI, now=composition.now()
        )

    rows = run(work)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['at'][:19]} {row['actor']:<14} {row['channel']:<9} {row['action']:<22} "
            f"{row['subject'] or ''}"
        )


def alerts(as_json: JsonFlag = False, group: GroupOption = None) -> None:
    """Escalations nobody has acknowledged yet."""

    async def work(_config: Settings, db: Database) -> list[dict[str, Any]]:
        return await oversight.open_alerts(db, group, actor=CLI, now=composition.now())

    rows = run(work)
    if as_json:
        print_json(rows)
    elif not rows:
        typer.echo("no open alerts")
    for row in rows if not as_json else []:
        typer.echo(
            f"#{row['id']} {row['kind']} {row['patient_ref'] or ''} call {row['call'] or '-'} "
            f"raised {row['raised_at'][:16]} (repeated {row['repeats']}x)"
        )


def invite(
    phone: Annotated[str, typer.Argument(help="The imported volunteer's phone.")],
    bot_username: Annotated[str, typer.Option(help="Your bot's @username.")] = "RingroundBot",
    group: GroupOption = None,
) -> None:
    """Print a volunteer's personal one-time Telegram link."""

    async def work(config: Settings, db: Database) -> str:
        e164 = parse_phone(phone, allow_fictional=config.allow_fictional_numbers).e164
        gid = await group_id(db, group)
        return await signup.create_invite(db, gid, e164, actor=CLI, now=composition.now())

    payload = run(work)
    typer.echo(f"https://t.me/{bot_username.lstrip('@')}?start={payload}")
