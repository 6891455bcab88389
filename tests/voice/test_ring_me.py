""" "Ring me now": the official client places the call (Prism serves Twilio's API description);
the volunteer's key press bridges to the patient; the result is recorded once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from integrations.twilio_sms import TwilioAiohttpClient
from integrations.twilio_voice import TwilioVoice
from rota.ports import SendFailed
from rota.services.audit import CLI
from rota.services.groups import set_setting
from rota.storage import CallAttempt, Outcome
from tests.support.prism import start_prism
from tests.support.services import SPECS
from tests.support.sms import GROUP_NUMBER, PUBLIC, route_group_number
from tests.support.usecases import published_week
from tests.support.voice import (
    a_held_call,
    local_path,
    query,
    rung,
    spoken,
    twiml,
    urls,
    voice_app,
)

SPEC = SPECS / "twilio" / "twilio_api_v2010.json"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2


class RecordingHttpClient(TwilioAiohttpClient):
    """The real aiohttp client, remembering each request's form data."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str, dict[str, Any]]] = []

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        self.requests.append((method, url, dict(kwargs.get("data") or {})))
        return await super().request(method, url, *args, **kwargs)


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    with start_prism(SPEC) as url:
        yield url


def _voice(prism_url: str, recorder: RecordingHttpClient) -> TwilioVoice:
    return TwilioVoice(
        account_sid=ACCOUNT_SID,
        auth_token="test-token",
        public_base_url=PUBLIC + "/",
        from_number="+441632960001",
        api_base_url=prism_url,
        http_client_factory=lambda: recorder,
    )


async def test_the_official_client_rings_the_volunteer_from_the_group_number(prism_url):
    recorder = RecordingHttpClient()
    async with _voice(prism_url, recorder) as voice:
        sid = await voice.ring_volunteer(
            volunteer_phone="+447700900011", group_number=GROUP_NUMBER, call_id=42
        )
        with pytest.raises(SendFailed):  # refused before spending an API call
            await voice.ring_volunteer(volunteer_phone="07700 900011", group_number=None, call_id=1)
    assert re.fullmatch(r"CA[0-9a-f]{32}", sid)
    [(method, url, data)] = recorder.requests
    assert (method, url) == ("POST", f"{prism_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json")
    assert data["To"] == "+447700900011" and data["From"] == GROUP_NUMBER
    assert data["Url"] == f"{PUBLIC}/twilio/voice?step=ring&call=42"
    assert data["StatusCallback"] == f"{PUBLIC}/twilio/voice/status?call=42"
    assert "7700" not in data["Url"] + data["StatusCallback"]


async def test_ring_me_by_sms_rings_then_bridges_on_a_key_press_and_records_once(
    db, now, prism_url
):
    await published_week(db, now)
    await route_group_number(db, now)
    await set_setting(db, None, "masked_calls", "on", actor=CLI, now=now)
    held = await a_held_call(db)
    sms_holder = held.volunteer.phone
    at = held.call.starts_at + timedelta(minutes=1)
    recorder = RecordingHttpClient()
    async with _voice(prism_url, recorder) as voice, voice_app(db, at, voice) as twilio:
        reply = await twilio.reply(sms_holder, f"RING {held.call.code}")
        assert f"Ringing you now for call {held.call.code}" in reply
        [(_m, _u, data)] = recorder.requests
        assert data["To"] == sms_holder and data["From"] == GROUP_NUMBER
        assert held.patient.phone not in str(data)
        # Twilio fetches the TwiML at Url once the volunteer answers
        sid = "CA" + "ab" * 16
        ring_url = local_path(data["Url"])
        offer = twiml((await twilio.post(ring_url, rung(sms_holder, sid))).text)
        assert f"call {held.call.code}" in spoken(offer) and offer.find(".//Dial") is None
        gather = offer.find("Gather")
        assert gather.get("numDigits") == "1"
        # no key (a voicemail answered): nothing is connected
        silent = await twilio.post(local_path(gather.get("action")), rung(sms_holder, sid))
        assert twiml(silent.text).find(".//Dial") is None
        pressed = twiml(
            (
                await twilio.post(
                    local_path(gather.get("action")), rung(sms_holder, sid, Digits="1")
                )
            ).text
        )
        dial = pressed.find("Dial")
        assert dial.get("callerId") == GROUP_NUMBER
        assert [n.text for n in dial.iter("Number")] == [held.patient.phone]
        assert query(dial.get("action")) == {"call": [str(held.call.id)]}
        for url in urls(offer) + urls(pressed) + [data["Url"], data["StatusCallback"]]:
            assert held.patient.phone[1:] not in url and sms_holder[1:] not in url
        # the call-status callback comes first, then the dial result twice
        status = local_path(data["StatusCallback"])
        for state in ("completed", "in-progress", "completed"):
            got = await twilio.post(status, rung(sms_holder, sid, CallStatus=state))
            assert got.status_code == 204
        action = local_path(dial.get("action"))
        result = rung(
            sms_holder,
            sid,
            DialCallSid="CA" + "cd" * 16,
            DialCallStatus="no-answer",
            DialCallDuration="0",
        )
        first = await twilio.post(action, result)
        again = await twilio.post(action, result)
    assert first.status_code == again.status_code == 200
    assert "no answer" in spoken(twiml(first.text)).lower()
    async with db.transaction() as session:
        attempts = (await session.scalars(select(CallAttempt))).all()
        outcomes = (await session.scalars(select(Outcome))).all()
    assert [(a.call_id, a.result) for a in attempts] == [(held.call.id, "no-answer")]
    assert [o.call_id for o in outcomes] == [held.call.id]
    assert parse_qs(urlsplit(data["Url"]).query) == {"step": ["ring"], "call": [str(held.call.id)]}
