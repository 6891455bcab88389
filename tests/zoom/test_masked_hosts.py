"""With masked_calls on, a Zoom host (a volunteer) is never sent an invitee's phone number: the
host hears the link and how many are invited; only organisers get the "please phone" list."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rota.services.audit import CLI
from rota.services.groups import set_setting
from rota.services.patient_texts import greeting_name
from tests.support.zoom_server import ZoomServer
from tests.support.zoom_world import (
    ORGANISER_CHAT,
    ZoomWeek,
    meetings_for,
    message_keys,
    published_zoom_week,
    sessions,
    zoom_client,
)

LONDON = ZoneInfo("Europe/London")


async def test_with_masked_calls_no_zoom_host_is_sent_an_invitees_number(sqlite_db, now):
    async with ZoomServer() as zoom:
        client = zoom_client(zoom)
        await published_zoom_week(sqlite_db, now)
        await set_setting(sqlite_db, None, "masked_calls", "on", actor=CLI, now=now)
        week = ZoomWeek.begin(sqlite_db, now, meetings_for(client))
        await week.run_until(datetime(2026, 12, 5, tzinfo=LONDON), step=timedelta(minutes=30))
        await client.aclose()
    facts = await sessions(sqlite_db)
    keys = await message_keys(sqlite_db)
    sent = week.sent()
    invitees = {p.id: p for f in facts for p in f.invitees}
    hosts = {f.host.id: f.host for f in facts if f.host is not None}
    assert hosts and invitees
    host_addresses = {a for h in hosts.values() for a in (h.phone, str(h.telegram_chat_id))}
    to_hosts = [m for _, m in sent if m.address in host_addresses]
    assert any(keys[m.message_id].startswith("zoom-host:") for m in to_hosts)
    for message in to_hosts:
        for patient in invitees.values():
            assert patient.phone not in message.body, keys[message.message_id]
            assert patient.phone[3:] not in message.body.replace(" ", "")
    # what a host hears of the invitees is a count; the names go to nobody but organisers
    for message in (m for m in to_hosts if keys[m.message_id].startswith("zoom-")):
        assert not any(p.name in message.body for p in invitees.values())
    # the organisers still get whom to phone: first name, ref and the number to ring
    phone_lists = [
        m
        for _, m in sent
        if m.address == str(ORGANISER_CHAT) and keys[m.message_id].startswith("zoom-phone:")
    ]
    unreached = [p for f in facts for p in f.invitees if not p.textable]
    assert phone_lists and unreached
    body = " ".join(m.body for m in phone_lists)
    assert all(f"{greeting_name(p.name)} ({p.ref})" in body for p in unreached)
