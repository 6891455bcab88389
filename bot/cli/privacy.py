"""`ringround erase …`, `purge`, `audit`, `alerts`,
`volunteers invite/feed/approve/pause/resume/set`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import (
    GroupOption,
    JsonFlag,
    YesFlag,
    actor,
    confirm,
    now,
    parse_date,
    print_json,
    run,
)

if TYPE_CHECKING:
    from config import Settings
    from rota.storage.db import Database

erase_app = typer.Typer(
    help="Erase a person's data everywhere (right to erasure).", no_args_is_help=True
)
alerts_app = typer.Typer(help="Escalations nobody has acknowledged yet; acknowledge one.")


def _e164(phone: str, config: Settings) -> str:
    from rota.phones import parse_phone

    return parse_phone(phone, allow_fictional=config.allow_fictional_numbers).e164


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
        e164 = _e164(phone, config)
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


def invite(
    phone: Annotated[str, typer.Argument(help="The imported volunteer's phone.")],
    bot_username: Annotated[str, typer.Option(help="Your bot's @username.")] = "RingroundBot",
    group: GroupOption = None,
) -> None:
    """Print a volunteer's personal one-time Telegram link."""
    from rota.services import signup
    from rota.services.people import group_id

    async def work(config: Settings, db: Database) -> str:
        e164 = _e164(phone, config)
        gid = await group_id(db, group)
        return await signup.create_invite(db, gid, e164, actor=actor(), now=now())

    payload = run(work)
    typer.echo(f"https://t.me/{bot_username.lstrip('@')}?start={payload}")


Act = Callable[["Database", int, int], Awaitable[Any]]


def _volunteer_action(phone: str, group: str | None, act: Act) -> Any:
    from rota.errors import NotFound
    from rota.services import people

    async def work(config: Settings, db: Database) -> Any:
        e164 = _e164(phone, config)
        gid = await people.group_id(db, group)
        found = await people.volunteer_id_by_phone(db, gid, e164)
        if found is None:
            raise NotFound(f"no volunteer with phone {e164} in this group")
        return await act(db, found, gid)

    return run(work)


PhoneArg = Annotated[str, typer.Argument(help="The volunteer's phone.")]


def feed(
    phone: PhoneArg,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Stop their feed URL (a new `feed` makes another).")
    ] = False,
    group: GroupOption = None,
) -> None:
    """Print a volunteer's private calendar feed URL (webcal://) for their phone's calendar.

    Each call makes a new URL and stops the one before: only a hash of it is kept.
    """
    from bot.calendar_feed import feed_path
    from rota.services import calendar_feeds

    if revoke:
        revoked = _volunteer_action(
            phone,
            group,
            lambda db, vid, gid: calendar_feeds.revoke_feed(db, gid, vid, actor=actor(), now=now()),
        )
        typer.echo(
            "revoked: their calendar feed URL no longer works"
            if revoked
            else "they had no calendar feed; nothing was changed"
        )
        return
    issued = _volunteer_action(
        phone,
        group,
        lambda db, vid, gid: calendar_feeds.issue_feed(db, gid, vid, actor=actor(), now=now()),
    )
    from bot import composition

    config = composition.settings()
    https = config.public_base + feed_path(issued.token)
    typer.echo("webcal://" + https.split("://", 1)[1])
    typer.echo(https)
    typer.echo(
        "On the phone: open the webcal:// link (iPhone, Mac), or paste the second one into "
        "Google Calendar (Other calendars > From URL); send it to this volunteer only."
    )
    if issued.replaced:
        typer.echo("their previous feed URL no longer works", err=True)
    if config.public_base_url is None:
        typer.echo(
            "note: RINGROUND_PUBLIC_BASE_URL is not set, so this is the address `ringround "
            "serve` listens on; set it to the public https:// address phones can reach",
            err=True,
        )


def approve(phone: PhoneArg, group: GroupOption = None) -> None:
    """Approve a volunteer waiting for approval (they are told)."""
    from rota.services import signup

    _volunteer_action(
        phone,
        group,
        lambda db, vid, gid: signup.decide(
            db, vid, approve=True, group_id=gid, actor=actor(), now=now()
        ),
    )
    typer.echo("approved")


def pause(
    phone: PhoneArg,
    until: Annotated[
        str, typer.Option(help="Last day of the pause, e.g. 2026-12-31 or 31/12/2026.")
    ],
    group: GroupOption = None,
) -> None:
    """Pause a volunteer; their calls in that time go back to the group as open calls."""
    from rota.services import availability

    last_day = parse_date(until)
    released = _volunteer_action(
        phone,
        group,
        lambda db, vid, _gid: availability.pause(
            db, vid, until=last_day, channel="cli", now=now(), by=actor()
        ),
    )
    typer.echo(f"paused until {last_day:%a %d %b %Y}; {released} call(s) are open again")


def resume(phone: PhoneArg, group: GroupOption = None) -> None:
    """Put a paused volunteer back on the rota."""
    from rota.services import availability

    _volunteer_action(
        phone,
        group,
        lambda db, vid, _gid: availability.resume(db, vid, channel="cli", now=now(), by=actor()),
    )
    typer.echo("back on the rota")


def volunteer_set(
    phone: PhoneArg,
    setting: Annotated[str, typer.Argument(help="quiet_hours or digest_at.")],
    value: Annotated[str, typer.Argument(help="e.g. 09:00-19:00, 10:00, or off.")],
    group: GroupOption = None,
) -> None:
    """A volunteer's own hours, or the earliest time for their daily offer of open calls."""
    from rota.services import hours

    shown = _volunteer_action(
        phone,
        group,
        lambda db, vid, gid: hours.set_for_volunteer(
            db, vid, group_id=gid, setting=setting, value=value, actor=actor(), now=now()
        ),
    )
    typer.echo(f"volunteer: {setting} = {shown[setting]}")
