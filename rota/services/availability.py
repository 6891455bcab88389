"""A volunteer's own time: availability windows, pausing and resuming."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from rota.domain import VolunteerStatus
from rota.errors import Refused
from rota.services.audit import Actor, record
from rota.services.calls import active_volunteer, volunteer_actor
from rota.services.notify import tell_organisers
from rota.services.zoom_hosts import replace_host
from rota.storage import rota_queries
from rota.storage.db import Database
from rota.windows import WindowError, format_windows, parse_windows

MAX_PAUSE_DAYS = 366


async def set_availability(
    db: Database, volunteer_id: int, windows_text: str, *, channel: str, now: datetime
) -> str:
    try:
        windows = parse_windows(windows_text)
    except WindowError as error:
        raise Refused(f"{error}. Example: Mon 10:00-12:00; Thu 14:00-16:00") from None
    if not windows:
        raise Refused("Give at least one time, e.g. Mon 10:00-12:00. To stop for a while, PAUSE.")
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        volunteer.availability = [str(w) for w in windows]
        record(
            session,
            volunteer_actor(volunteer, channel),
            "volunteer.availability",
            at=now,
            group_id=group.id,
            subject=f"volunteer:{volunteer.id}",
        )
        return format_windows(list(windows))


async def pause(
    db: Database,
    volunteer_id: int,
    *,
    until: date,
    channel: str,
    now: datetime,
    by: Actor | None = None,
) -> int:
    """Pause until a date (inclusive); that time's calls go back to the group as open calls.

    `by` is an organiser (or the CLI) pausing a volunteer; by default the volunteer acts.
    """
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        today = now.astimezone(ZoneInfo(group.timezone)).date()
        if until < today:
            raise Refused("That date has passed. Give a date from today, e.g. PAUSE 2026-12-31.")
        if (until - today).days > MAX_PAUSE_DAYS:
            raise Refused("You can pause for up to a year at a time.")
        volunteer.status = VolunteerStatus.PAUSED
        volunteer.paused_until = until
        # Write the pause before releasing: a claim in flight holds this row FOR SHARE, so
        # the flush waits for it and the release below then sees (and frees) what it won.
        await session.flush()
        released = await rota_queries.release_future_calls(session, volunteer.id, after=now)
        await replace_host(session, volunteer, group, now=now)  # their Zoom sessions too
        if released:
            codes = ", ".join(sorted(c.code for c in released))
            await tell_organisers(
                session,
                group,
                key=f"paused:{volunteer.id}:{now:%Y%m%d%H%M}",
                now=now,
                text=f"{volunteer.name} is pausing until {until:%a %d %b}. "
                f"Calls now open: {codes}.",
            )
        record(
            session,
            by or volunteer_actor(volunteer, channel),
            "volunteer.pause",
            at=now,
            group_id=group.id,
            subject=f"volunteer:{volunteer.id}",
            detail={"until": until.isoformat(), "released": len(released)},
        )
        return len(released)


async def resume(
    db: Database, volunteer_id: int, *, channel: str, now: datetime, by: Actor | None = None
) -> None:
    async with db.transaction() as session:
        volunteer, group = await active_volunteer(session, volunteer_id)
        if volunteer.status != VolunteerStatus.PAUSED:
            raise Refused("You are not paused: you are on the rota.")
        volunteer.status = VolunteerStatus.ACTIVE
        volunteer.paused_until = None
        record(
            session,
            by or volunteer_actor(volunteer, channel),
            "volunteer.resume",
            at=now,
            group_id=group.id,
            subject=f"volunteer:{volunteer.id}",
        )
