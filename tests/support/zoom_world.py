"""A published week with three Zoom session templates, Zoom clients and a ticking clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from integrations.zoom import FixedLinkMeetings, ZoomMeetings
from rota.ports import Meetings
from rota.sample import SAMPLE_DIR
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.cycle import run_due_work
from rota.services.groups import add_organiser, create_group
from rota.services.importing import import_patients, import_volunteers
from rota.services.zoom_links import MeetingsFor, ensure_meeting_links
from rota.services.zoom_templates import add_session
from rota.storage import OutboxMessage, Patient, Volunteer, ZoomInvite, ZoomSession
from tests.support.simulation import Simulation
from tests.support.zoom_server import ZoomServer

WEEK = "2026-W49"  # Mon 30 Nov to Sun 6 Dec 2026; NOW is Mon 23 Nov
ORGANISER_CHAT = 900001
# Sample volunteers who can host: Ann (Mon/Wed mornings), Ellen (Wed afternoon), Ian (Mon and
# Wed afternoons, Fri morning): each template has someone free to host it.
TEMPLATES = (
    ("Mon 10:30-11:30", "Coffee morning"),
    ("Wed 14:30-15:30", "Afternoon tea"),
    ("Fri 10:30-11:30", "Friday chat"),
)
OPTED_OUT_REF = "RP1015"  # Ethel: a consenting mobile, opted out before the week


async def _no_sleep(_seconds: float) -> None:
    return None


def zoom_client(zoom: ZoomServer, **overrides: object) -> ZoomMeetings:
    options: dict[str, object] = {
        "account_id": zoom.account_id,
        "client_id": zoom.client_id,
        "client_secret": zoom.client_secret,
        "api_base_url": zoom.api_base_url,
        "oauth_url": zoom.oauth_url,
        "sleep": _no_sleep,
        "max_attempts": 2,
        "timeout": 5.0,
        **overrides,
    }
    return ZoomMeetings(**options)  # type: ignore[arg-type]


def meetings_for(zoom: Meetings | None) -> MeetingsFor:
    """As bot/serve.py composes it: a template's fixed link first, then Zoom."""
    return lambda link: FixedLinkMeetings(link) if link else zoom


async def published_zoom_week(
    db, now: datetime, *, links: Sequence[str | None] = (None, None, None)
) -> int:
    """The sample group with three session templates, its W49 rota built and published."""
    group = await create_group(db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now)
    for kind, use_case in (("volunteers", import_volunteers), ("patients", import_patients)):
        data = (SAMPLE_DIR / f"{kind}.csv").read_bytes()
        result = await use_case(
            db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
        )
        assert result.ok
    await add_organiser(
        db, None, telegram_id=ORGANISER_CHAT, phone=None, name="Olive", actor=CLI, now=now
    )
    for (window, title), link in zip(TEMPLATES, links, strict=True):
        await add_session(db, None, window, capacity=8, title=title, link=link, actor=CLI, now=now)
    async with db.transaction() as session:
        ethel = await session.scalar(select(Patient).where(Patient.ref == OPTED_OUT_REF))
        ethel.opted_out_at = now - timedelta(days=3)
    await rotas.build_rota(db, None, WEEK, actor=CLI, now=now, time_limit_s=5)
    await rotas.publish_rota(db, None, WEEK, actor=CLI, now=now)
    return group.id


@dataclass
class SessionFacts:
    session: ZoomSession
    invitees: list[Patient]
    host: Volunteer | None


async def sessions(db) -> list[SessionFacts]:
    async with db.transaction() as session:
        rows = list(await session.scalars(select(ZoomSession).order_by(ZoomSession.starts_at)))
        facts = []
        for zs in rows:
            invitees = list(
                await session.scalars(
                    select(Patient)
                    .join(ZoomInvite, ZoomInvite.patient_id == Patient.id)
                    .where(ZoomInvite.session_id == zs.id)
                    .order_by(Patient.id)
                )
            )
            host = await session.get(Volunteer, zs.host_id) if zs.host_id else None
            facts.append(SessionFacts(zs, invitees, host))
        return facts


async def message_keys(db) -> dict[int, str]:
    async with db.transaction() as session:
        return {m.id: m.key for m in await session.scalars(select(OutboxMessage))}


class ZoomWeek(Simulation):
    """The scheduler's sweep and dispatcher, plus the service's meeting-link pass each tick."""

    pick: MeetingsFor

    @classmethod
    def begin(cls, db, at: datetime, pick: MeetingsFor) -> ZoomWeek:
        base = Simulation.start(db, at)
        week = cls(base.db, base.clock, base.channels, base.dispatcher)
        week.pick = pick
        return week

    async def tick(self) -> None:
        await ensure_meeting_links(self.db, self.pick, self.clock.now)
        await run_due_work(self.db, self.clock.now)
        await self.dispatcher.run_once(self.clock.now)
