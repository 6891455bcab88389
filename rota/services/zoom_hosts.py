"""Host changes for Zoom sessions: a pausing host's sessions go to another free Zoom host."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.services.notify import tell_organisers, when
from rota.storage import zoom_queries
from rota.storage.people import Group, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import ZoomSession
from rota.windows import WeeklyWindow, parse_windows


@dataclass(frozen=True)
class HostChange:
    session_id: int
    new_host_id: int | None  # None: nobody could take it; organisers were told


async def replace_host(
    session: Session, volunteer: Volunteer, group: Group, *, now: datetime
) -> list[HostChange]:
    """Hand a pausing volunteer's future sessions to another Zoom host, in the caller's
    transaction (call it from availability.pause after the volunteer is marked paused).

    The new host is an active Zoom host whose availability covers the session and who holds
    no call and hosts no session at that time; the one hosting least wins. No Zoom call is
    needed: the meeting belongs to the group's account and its topic does not name the host.
    The sweep tells the new host, with the link, because its message keys name the host.
    """
    tz = ZoneInfo(group.timezone)
    changes = []
    for zs in await zoom_queries.hosted_sessions(session, volunteer.id, after=now):
        zs.host_id = None
        new = await _new_host(session, group, zs, tz, leaving=volunteer.id, now=now)
        zs.host_id = new.id if new is not None else None
        slot = when(zs.starts_at, zs.ends_at, tz)
        if new is not None:
            text = f"{volunteer.name} is pausing: {new.name} now hosts {zs.title} ({slot})."
        else:
            text = (
                f"{volunteer.name} is pausing and no other Zoom host is free for {zs.title} "
                f"({slot}). Patients get no invite until it has a host."
            )
        await tell_organisers(
            session, group, key=f"zoom-rehost:{zs.id}:{now:%Y%m%d%H%M}", now=now, text=text
        )
        changes.append(HostChange(zs.id, zs.host_id))
    return changes


async def _new_host(
    session: Session, group: Group, zs: ZoomSession, tz: ZoneInfo, *, leaving: int, now: datetime
) -> Volunteer | None:
    start, end = zs.starts_at.astimezone(tz), zs.ends_at.astimezone(tz)
    window = WeeklyWindow(
        start.weekday(), start.hour * 60 + start.minute, end.hour * 60 + end.minute or 24 * 60
    )
    busy = await zoom_queries.busy_volunteers(session, group.id, start=zs.starts_at, end=zs.ends_at)
    able = [
        v
        for v in await zoom_queries.zoom_hosts(session, group.id)
        if v.id != leaving
        and v.id not in busy
        and any(w.contains(window) for w in parse_windows("; ".join(v.availability)))
    ]
    hosting = await zoom_queries.hosting_counts(session, group.id, since=now)
    return min(able, key=lambda v: (hosting.get(v.id, 0), v.id), default=None)
