"""`ringround erase …`, `purge`, `audit`, `alerts`: personal data and its oversight."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import (
    GroupOption,
    JsonFlag,
    YesFlag,
    actor,
    confirm,
    now,
    print_json,
    run,
    stored_phone,
)

if TYPE_CHECKING:
    from config import Settings
    from rota.storage.db import Database

erase_app = typer.Typer(
    help="Erase a person's data everywhere (right to erasure).", no_args_is_help=True
)
alerts_app = typer.Typer(help="Escalations nobody has acknowledged yet; acknowledge one.")


@erase_app.command("patient")
def erase_patient(
    ref: Annotated[str, typer.Argument(help="The practice's reference.")],
    group: GroupOption = None,
    yes: YesFlag = False,
) -> None:
    """Erase a patient: name, number, notes and messages; counts are kept."""
    from rota.services import privacy

    confirm(f"Erase patient {ref} everywhere? This cannot be undone.", yes=yes)

    async def work(_config: Settings, db: Database) -> int:
        return await privacy.erase_patient(db, group, ref, actor=actor(), now=now())

    calls = run(work)
    typer.echo(f"erased patient {ref}; {calls} past call(s) kept as counts only")


@erase_app.command("volunteer")
def erase_volunteer(
    phone: Annotated[str, typer.Argument(help="Their phone number.")],
    group: GroupOption = None,
    yes: YesFlag = False,
) -> None:
    """Erase a volunteer; their future calls go back to the group as open calls."""
    from rota.services import privacy

    confirm(f"Erase the volunteer with phone {phone} everywhere? This cannot be undone.", yes=yes)

    async def work(config: Settings, db: Database) -> int:
        e164 = stored_phone(phone, config)
        return await privacy.erase_volunteer(db, group, e164, actor=actor(), now=now())

    released = run(work)
    typer.echo(f"erased volunteer; {released} future call(s) are open again")


def purge() -> None:
    """Blank personal data past its retention period (the nightly job does this too)."""
    from rota.services import privacy

    async def work(_config: Settings, db: Database) -> dict[str, int]:
        return await privacy.purge(db, now())

    counts = run(work)
    typer.echo(", ".join(f"{k}: {v} purged" for k, v in counts.items()))


def audit(
    action: Annotated[str | None, typer.Option(help="Only actions starting with this.")] = None,
    limit: Annotated[int, typer.Option(help="Most recent N events.")] = 50,
    as_json: JsonFlag = False,
    group: GroupOption = None,
) -> None:
    """Who read or changed what, when and through which channel."""
    from rota.services import oversight

    async def work(_config: Settings, db: Database) -> list[dict[str, Any]]:
        return await oversight.audit_trail(
            db, group, action=action, limit=limit, actor=actor(), now=now()
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


@alerts_app.callback(invoke_without_command=True)
def alerts(ctx: typer.Context, as_json: JsonFlag = False, group: GroupOption = None) -> None:
    """Escalations nobody has acknowledged yet, each with what organisers were told.

    `ringround alerts ack ID` acknowledges one (recorded under your name).
    """
    if ctx.invoked_subcommand is not None:
        return
    from rota.services import oversight

    async def work(_config: Settings, db: Database) -> list[dict[str, Any]]:
        return await oversight.open_alerts(db, group, actor=actor(), now=now())

    rows = run(work)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no open alerts")
    for row in rows:
        repeated = f", repeated {row['repeats']}x" if row["repeats"] else ""
        typer.echo(
            f"#{row['id']} {row['kind'].replace('_', ' ')} {row['patient_ref'] or ''} "
            f"call {row['call'] or '-'}, raised {row['raised_at'][:16]}{repeated}"
        )
        typer.echo(f"    {row['text'] or '(the text is no longer kept)'}")
    if rows:
        typer.echo("acknowledge one with: ringround alerts ack ID")


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(help="The alert's number, as `alerts` shows it.")],
    group: GroupOption = None,
) -> None:
    """Acknowledge an alert: it stops repeating, and the audit log says who saw it."""
    from rota.services import oversight

    async def work(_config: Settings, db: Database) -> str:
        return await oversight.acknowledge_alert(db, group, alert_id, actor=actor(), now=now())

    typer.echo(run(work))
