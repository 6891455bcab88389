"""A published week with three Zoom sessions, run tick by tick against the local Zoom API:
every host and textable invitee gets one link message at the right time, landlines and
opted-out patients none (organisers get them as a "please phone" list), and the week costs
a fixed, small number of Zoom API calls."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rota.domain import PhoneKind
from rota.services import rotas
from rota.services.audit import CLI
from tests.support.zoom_server import ZoomServer
from tests.support.zoom_world import (
    OPTED_OUT_REF,
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
STEP = timedelta(minutes=30)


def local(at: datetime) -> tuple[str, int, int]:
    at = at.astimezone(LONDON)
    return (at.strftime("%a %d"), at.hour, at.minute)


async def test_each_host_and_textable_invitee_gets_one_link_message_at_the_right_time(
    sqlite_db, now
):
    async with ZoomServer() as zoom:
        client = zoom_client(zoom)
        await published_zoom_week(sqlite_db, now)
        week = ZoomWeek.begin(sqlite_db, now, meetings_for(client))
        await week.run_until(datetime(2026, 12, 5, tzinfo=LONDON), step=STEP)
        await client.aclose()
        assert zoom.violations == []
        # 3 templates: one token (valid an hour) and one create per session, then nothing.
        assert zoom.token_requests == 1
        assert [c.method for c in zoom.api_calls()] == ["POST", "POST", "POST"]
        assert {m["type"] for m in zoom.meetings.values()} == {2}

    facts = await sessions(sqlite_db)
    assert len(facts) == 3 and all(f.host is not None for f in facts)
    invitees = [p for f in facts for p in f.invitees]
    assert any(p.textable for p in invitees)
    assert any(p.phone_kind == PhoneKind.LANDLINE for p in invitees)
    assert any(p.ref == OPTED_OUT_REF for p in invitees)

    keys = await message_keys(sqlite_db)
    sent = week.sent()
    assert max(Counter(keys[m.message_id] for _, m in sent).values()) == 1
    for f in facts:
        zs, host = f.session, f.host
        assert zs.link_state == "ready" and zs.join_url in zoom.meetings[zs.meeting_id]["join_url"]
        day = zs.starts_at.astimezone(LONDON)
        eve = (day - timedelta(days=1)).strftime("%a %d")
        to_host = [
            (at, m) for at, m in sent if m.address in (host.phone, str(host.telegram_chat_id))
        ]
        with_link = [(at, m) for at, m in to_host if zs.join_url in m.body]
        assert [keys[m.message_id].rsplit(":", 2)[0] for _, m in with_link] == [
            f"zoom-host:{zs.id}:{host.id}",
            f"zoom-evening:{zs.id}:{host.id}",
        ]
        assert with_link[0][0] == now  # told as soon as the link exists
        assert local(with_link[1][0]) == (eve, 18, 0)
        assert f"meeting ID {zs.meeting_id}" in with_link[0][1].body
        for patient in f.invitees:
            to_patient = [
                (at, m)
                for at, m in sent
                if m.address == patient.phone and keys[m.message_id].startswith("zoom-invite:")
            ]
            if patient.textable:
                assert len(to_patient) == 1, patient.ref
                at, message = to_patient[0]
                assert zs.join_url in message.body and message.channel == "sms"
                assert local(at) == (day.strftime("%a %d"), 9, 0)  # 08:00, held for quiet hours
            else:
                assert to_patient == [], patient.ref
                assert not any(
                    m.address == patient.phone and zs.join_url in m.body for _, m in sent
                )
        phone_list = [
            (at, m)
            for at, m in sent
            if m.address == str(ORGANISER_CHAT)
            and keys[m.message_id].startswith("zoom-phone:")
            and zs.title in m.body
        ]
        unreached = [p for p in f.invitees if not p.textable]
        if unreached:
            ((at, message),) = phone_list
            assert local(at) == (eve, 10, 0)
            assert all(p.ref in message.body and p.phone in message.body for p in unreached)
            assert not any(p.ref in message.body for p in f.invitees if p.textable)
            assert zs.passcode in message.body  # to join by phone
        else:
            assert phone_list == []

    view = await rotas.show_rota(sqlite_db, None, WEEK, actor=CLI, now=now)
    assert [(s["join_url"], s["link_state"]) for s in view["zoom_sessions"]] == [
        (f.session.join_url, "ready") for f in facts
    ]


@pytest.mark.parametrize("zoom_configured", [True, False])
async def test_template_links_need_no_zoom_and_are_fixed(sqlite_db, now, zoom_configured):
    fixed = "https://meet.example.org/riverside-friday"
    async with ZoomServer() as zoom:
        client = zoom_client(zoom) if zoom_configured else None
        await published_zoom_week(sqlite_db, now, links=(None, None, fixed))
        week = ZoomWeek.begin(sqlite_db, now, meetings_for(client))
        await week.tick()
        if client is not None:
            await client.aclose()
        assert len(zoom.api_calls("POST")) == (2 if zoom_configured else 0)
    view = await rotas.show_rota(sqlite_db, None, WEEK, actor=CLI, now=now)
    states = [(s["title"], s["link_state"]) for s in view["zoom_sessions"]]
    expected = "ready" if zoom_configured else "pending"
    assert states == [
        ("Coffee morning", expected),
        ("Afternoon tea", expected),
        ("Friday chat", "fixed"),
    ]
    assert view["zoom_sessions"][2]["join_url"] == fixed
    if not zoom_configured:
        assert view["zoom_sessions"][0]["join_url"] is None
