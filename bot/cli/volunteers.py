"""`ringround volunteers invite/feed/approve/pause/resume/set`: one volunteer at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import (
    GroupOption,
    actor,
    now,
    parse_date,
    run,
    stored_phone,
)

if TYPE_CHECKING:
    from config import Settings
    from rota.storage.db import Database


def invite(
    phone: Annotated[str, typer.Argument(help="The imported volunteer's phone.")],
    bot_username: Annotated[str, typer.Option(help="Your bot's @username.")] = "RingroundBot",
    group: GroupOption = None,
) -> None:
    """Print a volunteer's personal one-time Telegram link."""
    from rota.services import signup
    from rota.services.people import group_id

    async def work(config: Settings, db: Database) -> str:
        e164 = stored_phone(phone, config)
        gid = await group_id(db, group)
        return await signup.create_invite(db, gid, e164, actor=actor(), now=now())

    payload = run(work)
    typer.echo(f"https://t.me/{bot_username.lstrip('@')}?start={payload}")


Act = Callable[["Database", int, int], Awaitable[Any]]


def _volunteer_action(phone: str, group: str | None, act: Act) -> Any:
    from rota.errors import NotFound
    from rota.services import people

    async def work(config: Settings, db: Database) -> Any:
        e164 = stored_phone(phone, config)
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
