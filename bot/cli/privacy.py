"""`ringround erase …`, `purge`, `audit`, `alerts` and `volunteers invite/approve/pause/resume`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from bot import composition
from bot.cli.common import GroupOption, JsonFlag, fail, print_json, run
from config import Settings
from rota.phones import parse_phone
from rota.services import availability, oversight, people, privacy, signup
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


def _volunteer_action(phone: str, group: str | None, act: Any) -> Any:
    async def work(config: Settings, db: Database) -> Any:
        e164 = parse_phone(phone, allow_fictional=config.allow_fictional_numbers).e164
        gid = await group_id(db, group)
        found = await people.volunteer_id_by_phone(db, gid, e164)
        if found is None:
            raise LookupError(f"no volunteer with phone {e164} in this group")
        return await act(db, found, gid)

    return run(work)


PhoneArg = Annotated[str, typer.Argument(help="The volunteer's phone.")]


def approve(phone: PhoneArg, group: GroupOption = None) -> None:
    """Approve a volunteer waiting for approval (they are told)."""
    _volunteer_action(
        phone,
        group,
        lambda db, vid, gid: signup.decide(
            db, vid, approve=True, group_id=gid, actor=CLI, now=composition.now()
        ),
    )
    typer.echo("approved")


def pause(
    phone: PhoneArg,
    until: Annotated[str, typer.Option(help="Last day of the pause, e.g. 2026-12-31.")],
    group: GroupOption = None,
) -> None:
    """Pause a volunteer; their calls in that time go back to the group as open calls."""
    try:
        last_day = date.fromisoformat(until)
    except ValueError:
        fail(f"'{until}' is not a date like 2026-12-31")
    released = _volunteer_action(
        phone,
        group,
        lambda db, vid, _gid: availability.pause(
            db, vid, until=last_day, channel="cli", now=composition.now(), by=CLI
        ),
    )
    typer.echo(f"paused until {last_day:%a %d %b %Y}; {released} call(s) are open again")


def resume(phone: PhoneArg, group: GroupOption = None) -> None:
    """Put a paused volunteer back on the rota."""
    _volunteer_action(
        phone,
        group,
        lambda db, vid, _gid: availability.resume(
            db, vid, channel="cli", now=composition.now(), by=CLI
        ),
    )
    typer.echo("back on the rota")
