"""A host who pauses hands their sessions to another free Zoom host (or organisers hear that
nobody can); the new host gets the link, the old one nothing more, and Zoom is not called."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rota.domain import ChannelKind, VolunteerStatus
from rota.services import availability, rotas
from rota.services.audit import CLI
from rota.services.zoom_hosts import HostChange
from rota.services.zoom_links import ensure_meeting_links
from rota.storage import DigestItem, Volunteer, zoom_queries
from rota.storage.rotas import ZoomSession
from tests.support.zoom_server import ZoomServer
from tests.support.zoom_world import (
    ORGANISER_CHAT,
    WEEK,
    ZoomWeek,
    meetings_for,
    message_keys,
    published_zoom_week,
    sessions,
    zoom_client,
)

LONDON = ZoneInfo("Europe/London")


async def pause_host(db, volunteer_id: int, at: datetime) -> list[HostChange]:
    """Pause the host (availability.pause hands their sessions on in its transaction) and
    report each of their former future sessions with its host now."""
    async with db.transaction() as session:
        hosted = [s.id for s in await zoom_queries.hosted_sessions(session, volunteer_id, after=at)]
    await availability.pause(db, volunteer_id, until=date(2026, 12, 31), channel="sms", now=at)
    async with db.transaction() as session:
        return [
            HostChange(sid, (await session.get_one(ZoomSession, sid)).host_id) for sid in hosted
        ]


async def add_host(db, group_id: int, at: datetime) -> int:
    async with db.transaction() as session:
        zara = Volunteer(
            group_id=group_id,
            name="Zara Osei",
            phone="+447700900077",
            channel=ChannelKind.SMS,
            status=VolunteerStatus.ACTIVE,
            availability=["Wed 14:00-16:00"],
            zoom_host=True,
            approved_at=at,
        )
        session.add(zara)
        await session.flush()
        return zara.id


async def test_a_pausing_host_is_replaced_by_a_free_zoom_host_who_gets_the_link(sqlite_db, now):
    async with ZoomServer() as zoom:
        client = zoom_client(zoom)
        group_id = await published_zoom_week(sqlite_db, now)
        zara = await add_host(sqlite_db, group_id, now)
        week = ZoomWeek.begin(sqlite_db, now, meetings_for(client))
        await week.tick()  # links made, hosts told
        wednesday = (await sessions(sqlite_db))[1]
        old = wednesday.host
        assert wednesday.session.title == "Afternoon tea" and old.id != zara

        at = now + timedelta(days=1)
        changes = await pause_host(sqlite_db, old.id, at)
        assert changes == [HostChange(wednesday.session.id, zara)]
        week.clock.now = at
        await week.run_until(datetime(2026, 12, 3, tzinfo=LONDON), step=timedelta(minutes=30))
        await client.aclose()
        # The meeting belongs to the group's account and its topic names no host.
        assert [c.method for c in zoom.api_calls()] == ["POST"] * 3

    keys = await message_keys(sqlite_db)
    sent = [(at, m, keys[m.message_id]) for at, m in week.sent()]
    sid, url = wednesday.session.id, wednesday.session.join_url
    async with sqlite_db.transaction() as session:  # for the organiser's digest (issue 19)
        rehost = [
            m
            for m in await session.scalars(select(DigestItem))
            if m.key.startswith(f"zoom-rehost:{sid}:")
        ]
    assert len(rehost) == 1 and "Zara Osei now hosts Afternoon tea" in rehost[0].body
    to_zara = [(t, m) for t, m, k in sent if m.address == "+447700900077" and url in m.body]
    assert [keys[m.message_id].rsplit(":", 2)[0] for _, m in to_zara] == [
        f"zoom-host:{sid}:{zara}",
        f"zoom-evening:{sid}:{zara}",
    ]
    assert to_zara[0][0] == at  # the first sweep after the change
    old_addresses = {old.phone, str(old.telegram_chat_id)}
    assert not any(
        m.address in old_addresses and k.startswith(f"zoom-evening:{sid}:") for _, m, k in sent
    )
    invited = [m for _, m, k in sent if k.startswith(f"zoom-invite:{sid}:")]
    assert len(invited) == sum(p.textable for p in wednesday.invitees) > 0
    view = await rotas.show_rota(sqlite_db, None, WEEK, actor=CLI, now=at)
    assert view["zoom_sessions"][1]["host"] == "+447700900077"
    assert view["zoom_sessions"][1]["join_url"] == url


async def test_with_no_free_host_organisers_are_told_and_patients_get_no_invite(sqlite_db, now):
    async with ZoomServer() as zoom:
        client = zoom_client(zoom)
        await published_zoom_week(sqlite_db, now)
        assert (await ensure_meeting_links(sqlite_db, meetings_for(client), now)).ready == 3
        await client.aclose()
    monday = (await sessions(sqlite_db))[0]
    assert monday.session.title == "Coffee morning" and monday.host.name == "Ann Baxter"

    at = now + timedelta(days=2)
    assert await pause_host(sqlite_db, monday.host.id, at) == [HostChange(monday.session.id, None)]
    week = ZoomWeek.begin(sqlite_db, at, meetings_for(None))
    await week.run_until(datetime(2026, 11, 30, 12, 0, tzinfo=LONDON), step=timedelta(hours=1))

    keys = await message_keys(sqlite_db)
    sid = monday.session.id
    sent = [(t, m, keys[m.message_id]) for t, m in week.sent()]
    async with sqlite_db.transaction() as session:
        rehost = [
            m.body
            for m in await session.scalars(select(DigestItem))  # for the digest (issue 19)
            if m.key.startswith(f"zoom-rehost:{sid}:")
        ]
    assert len(rehost) == 1 and "no other Zoom host is free for Coffee morning" in rehost[0]
    unhosted = [(t, m) for t, m, k in sent if k.startswith(f"zoom-unhosted:{sid}:")]
    assert len(unhosted) == 1 and unhosted[0][1].address == str(ORGANISER_CHAT)
    assert unhosted[0][0].astimezone(LONDON).day == 29  # Sunday, the day before
    assert not any(k.startswith((f"zoom-invite:{sid}:", f"zoom-evening:{sid}:")) for *_, k in sent)
    view = await rotas.show_rota(sqlite_db, None, WEEK, actor=CLI, now=at)
    assert view["zoom_sessions"][0]["host"] is None
