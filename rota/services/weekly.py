"""Once-a-week work, checked on every sweep and done once per group and week.

Queue next week's draft on the group's draft day (planning_jobs.py), optionally publish it
on a deadline, and send organisers the report of the week just gone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rota.domain import RotaStatus
from rota.exports.report_files import report_chart, report_text
from rota.services.audit import SCHEDULER
from rota.services.notify import tell_organisers
from rota.services.planning_jobs import drain, queue_draft, thread_solver
from rota.services.report import weekly_report
from rota.services.rotas import publish_rota
from rota.storage import cycle_queries, repository, rota_queries
from rota.storage.db import Database
from rota.storage.people import Group
from rota.windows import local_to_utc, next_week, parse_weekday, previous_week, week_monday, week_of

log = logging.getLogger(__name__)

DEFAULTS = {"draft_on": "Thu 10:00", "report_on": "Mon 09:00", "auto_publish_on": None}


def _moment(setting: str, week: str, tz: ZoneInfo) -> datetime:
    """'Thu 10:00' in the given ISO week, as a UTC instant."""
    day, clock = setting.split()
    hours, minutes = (int(x) for x in clock.split(":"))
    date = week_monday(week) + timedelta(days=parse_weekday(day))
    return local_to_utc(date, hours * 60 + minutes, tz)


def _setting(group: Group, name: str) -> str | None:
    value = (group.settings or {}).get(name, DEFAULTS[name])
    return value if isinstance(value, str) else None


async def weekly_work(db: Database, now: datetime, *, inline: bool = True) -> list[str]:
    """Returns what was done, e.g. ['drafted Riverside PPG 2026-W49'].

    Drafts are queued as planning jobs; `inline=False` leaves them to the workers (serve)."""
    done: list[str] = []
    async with db.transaction() as session:
        groups = list(await repository.groups(session))
    for group in groups:
        tz = ZoneInfo(group.timezone)
        this_week = week_of(now, tz)
        coming = next_week(this_week)
        draft_on = _setting(group, "draft_on")
        if draft_on and now >= _moment(draft_on, this_week, tz):
            done += await _draft(db, group, coming, now, inline)
        auto = _setting(group, "auto_publish_on")
        if auto and now >= _moment(auto, this_week, tz):
            done += await _auto_publish(db, group, coming, now)
        report_on = _setting(group, "report_on")
        if report_on and now >= _moment(report_on, this_week, tz):
            done += await _report(db, group, previous_week(this_week), now)
    return done


async def _draft(db: Database, group: Group, week: str, now: datetime, inline: bool) -> list[str]:
    """Queue the week's draft (rota/services/planning_jobs.py); `serve`'s workers take it.
    Inline (no workers running: tests, the demo) the queue is worked through here, each
    plan in a thread so the loop that called the sweep keeps answering."""
    async with db.transaction() as session:
        if await rota_queries.rota_for_week(session, group.id, week) is not None:
            return []
    await queue_draft(db, group, week, now)
    return await drain(db, now, thread_solver()) if inline else []


async def _auto_publish(db: Database, group: Group, week: str, now: datetime) -> list[str]:
    async with db.transaction() as session:
        rota = await rota_queries.rota_for_week(session, group.id, week)
        if rota is None or rota.status != RotaStatus.DRAFT:
            return []
    await publish_rota(db, group.name, week, actor=SCHEDULER, now=now)
    return [f"published {group.name} {week}"]


async def _report(db: Database, group: Group, week: str, now: datetime) -> list[str]:
    key = f"report:{group.id}:{week}"
    async with db.transaction() as session:
        if await rota_queries.rota_for_week(session, group.id, week) is None:
            return []  # no rota that week (a new group's first week): nothing to report
        if key in await cycle_queries.recent_message_keys(
            session, group.id, since=now - timedelta(days=10)
        ):
            return []
    report = await weekly_report(db, group.name, week, actor=SCHEDULER, now=now)
    async with db.transaction() as session:
        # Telegram organisers get the chart with the figures as its caption (Telegram allows
        # 1,024 characters there); SMS organisers get the text.
        await tell_organisers(
            session, group, key=key, now=now, text=report_text(report), photo=report_chart(report)
        )
    return [f"reported {group.name} {week}"]
