"""ZoomMeetings against a local Zoom API (tests/support/zoom_server.py) that checks every request
against Zoom's documented fields and can expire tokens or inject 401 / 429 / 5xx; plus one
contract test against Prism serving the published OpenAPI file, as a check independent of ours."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from integrations.zoom import (
    FixedLinkMeetings,
    ZoomMeetings,
    generate_passcode,
    parse_retry_after,
)
from rota.ports import Meeting, Meetings, MeetingsUnavailable
from tests.support.prism import start_prism
from tests.support.services import SPECS as ALL_SPECS
from tests.support.zoom_server import ZoomServer, check_meeting_body

SPECS = ALL_SPECS / "zoom"
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 26, 10, 30, tzinfo=LONDON)  # GMT in November: 10:30Z
SUMMER = datetime(2026, 7, 2, 10, 30, tzinfo=LONDON)  # BST: 09:30Z


class Sleeps:
    """Injected instead of asyncio.sleep: records the delays and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def zoom() -> AsyncIterator[ZoomServer]:
    async with ZoomServer() as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(zoom: ZoomServer, sleeps: Sleeps, **overrides: object) -> ZoomMeetings:
    options: dict[str, object] = {
        "account_id": zoom.account_id,
        "client_id": zoom.client_id,
        "client_secret": zoom.client_secret,
        "api_base_url": zoom.api_base_url,
        "oauth_url": zoom.oauth_url,
        "sleep": sleeps,
        "timeout": 5.0,
        **overrides,
    }
    return ZoomMeetings(**options)  # type: ignore[arg-type]


@pytest.fixture
async def client(zoom: ZoomServer, sleeps: Sleeps) -> AsyncIterator[ZoomMeetings]:
    async with make_client(zoom, sleeps) as meetings:
        yield meetings


async def create(
    client: Meetings, start: datetime = START, topic: str = "Coffee morning"
) -> Meeting:
    return await client.create_meeting(
        topic=topic, start=start, duration_minutes=45, timezone="Europe/London"
    )


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


# --- create / update / delete ---------------------------------------------------------------------
async def test_create_sends_a_scheduled_meeting_with_waiting_room(client, zoom):
    meeting = await create(client)

    assert zoom.violations == []
    [call] = zoom.api_calls("POST")
    assert call.path == "/v2/users/me/meetings"
    assert call.body["type"] == 2
    assert call.body["start_time"] == "2026-11-26T10:30:00Z"
    assert call.body["timezone"] == "Europe/London"
    assert call.body["duration"] == 45
    assert call.body["settings"] == {"waiting_room": True, "join_before_host": False}
    assert re.fullmatch(r"[A-Za-z0-9]{1,10}", call.body["password"])
    stored = zoom.meetings[meeting.meeting_id]
    assert meeting == Meeting(str(stored["id"]), stored["join_url"], call.body["password"])
    assert zoom.token_requests == 1


async def test_start_time_is_converted_to_utc(client, zoom):
    await create(client, start=SUMMER)
    assert zoom.api_calls("POST")[0].body["start_time"] == "2026-07-02T09:30:00Z"


async def test_every_meeting_gets_its_own_passcode(client, zoom):
    first, second = await create(client), await create(client)
    assert first.passcode != second.passcode
    assert first.meeting_id != second.meeting_id


async def test_update_patches_only_the_given_fields(client, zoom):
    meeting = await create(client)
    await client.update_meeting(meeting.meeting_id, start=START + timedelta(days=7))
    await client.update_meeting(meeting.meeting_id, topic="Coffee & chat", duration_minutes=60)

    assert zoom.violations == []
    first, second = zoom.api_calls("PATCH")
    assert first.path == f"/v2/meetings/{meeting.meeting_id}"
    assert first.body == {"start_time": "2026-12-03T10:30:00Z"}
    assert second.body == {"topic": "Coffee & chat", "duration": 60}
    assert zoom.meetings[meeting.meeting_id]["duration"] == 60


async def test_update_without_changes_makes_no_call(client, zoom):
    await client.update_meeting("81234567890")
    assert zoom.calls == [] and zoom.token_requests == 0


async def test_update_of_a_meeting_zoom_no_longer_has_is_permanent(client, zoom):
    with pytest.raises(MeetingsUnavailable) as caught:
        await client.update_meeting("99999999999", topic="x")
    assert caught.value.permanent and caught.value.status == 404


async def test_delete_and_delete_again(client, zoom):
    meeting = await create(client)
    await client.delete_meeting(meeting.meeting_id)
    assert zoom.meetings == {}
    await client.delete_meeting(meeting.meeting_id)  # already gone is fine
    assert [c.method for c in zoom.calls] == ["POST", "DELETE", "DELETE"]


async def test_bad_arguments_fail_before_any_call(client, zoom):
    with pytest.raises(ValueError, match="aware"):
        await create(client, start=datetime(2026, 11, 26, 10, 30))
    with pytest.raises(ValueError, match="time zone"):
        await client.create_meeting(
            topic="t", start=START, duration_minutes=45, timezone="Mars/Olympus"
        )
    with pytest.raises(ValueError, match="duration"):
        await client.create_meeting(
            topic="t", start=START, duration_minutes=0, timezone="Europe/London"
        )
    assert zoom.calls == []


# --- token ------------------------------------------------------------------------------------------
async def test_token_is_fetched_once_for_two_creates(client, zoom):
    await create(client)
    await create(client)
    assert zoom.token_requests == 1
    assert {c.token for c in zoom.calls} == {zoom.issued[0]}


async def test_concurrent_creates_share_one_token_request(zoom, sleeps):
    zoom.token_delay = 0.05  # every caller is waiting while the first fetch is in flight
    async with make_client(zoom, sleeps) as client:
        meetings = await asyncio.gather(*(create(client) for _ in range(5)))
    assert zoom.token_requests == 1
    assert len({m.meeting_id for m in meetings}) == 5


async def test_token_is_renewed_a_minute_before_it_expires(zoom, sleeps):
    clock = Clock()
    async with make_client(zoom, sleeps, clock=clock) as client:
        await create(client)
        clock.now += 3599 - 61
        await create(client)
        assert zoom.token_requests == 1
        clock.now += 2  # now within 60 s of expiry
        await create(client)
    assert zoom.token_requests == 2
    assert zoom.calls[-1].token == zoom.issued[1]


async def test_expired_token_gets_one_refresh_then_succeeds(client, zoom):
    meeting = await create(client)
    zoom.expire_tokens()
    await client.update_meeting(meeting.meeting_id, topic="Renamed")

    assert zoom.token_requests == 2
    rejected, accepted = zoom.api_calls("PATCH")
    assert (rejected.token, accepted.token) == (zoom.issued[0], zoom.issued[1])
    assert zoom.meetings[meeting.meeting_id]["topic"] == "Renamed"


async def test_second_401_is_an_error_without_a_third_try(client, zoom):
    zoom.fail(401, times=2)
    with pytest.raises(MeetingsUnavailable) as caught:
        await create(client)
    assert caught.value.status == 401 and caught.value.permanent
    assert zoom.token_requests == 2 and len(zoom.calls) == 2


async def test_wrong_client_secret_is_a_permanent_failure(zoom, sleeps):
    async with make_client(zoom, sleeps, client_secret="not-the-secret") as client:
        with pytest.raises(MeetingsUnavailable, match="token") as caught:
            await create(client)
    assert caught.value.permanent and zoom.calls == []


# --- rate limits, server and network errors ---------------------------------------------------------
async def test_429_waits_as_long_as_retry_after_says(client, zoom, sleeps):
    zoom.fail(429, times=2, retry_after="7")
    meeting = await create(client)
    assert sleeps.delays == [7.0, 7.0]
    assert meeting.meeting_id in zoom.meetings


async def test_429_without_retry_after_backs_off_exponentially(client, zoom, sleeps):
    zoom.fail(429, times=3)
    await create(client)
    assert sleeps.delays == [1.0, 2.0, 4.0]
    assert len(zoom.api_calls("POST")) == 4


async def test_daily_limit_fails_at_once_with_the_reset_time(client, zoom, sleeps):
    reset = (datetime.now(UTC) + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    zoom.fail(429, retry_after=reset, headers={"X-RateLimit-Type": "Daily-limit"})
    with pytest.raises(MeetingsUnavailable) as caught:
        await create(client)
    assert sleeps.delays == [] and len(zoom.calls) == 1
    assert caught.value.retry_after == pytest.approx(5 * 3600, abs=120)
    assert not caught.value.permanent


async def test_daily_limit_without_retry_after_waits_for_utc_midnight(client, zoom, sleeps):
    zoom.fail(429, headers={"X-RateLimit-Type": "Daily-limit"})
    with pytest.raises(MeetingsUnavailable) as caught:
        await create(client)
    assert sleeps.delays == [] and 0 < caught.value.retry_after <= 86400


async def test_5xx_is_retried_then_success(client, zoom, sleeps):
    zoom.fail(503, times=2)
    await create(client)
    assert sleeps.delays == [1.0, 2.0] and len(zoom.meetings) == 1


async def test_persistent_5xx_means_link_pending(client, zoom, sleeps):
    zoom.fail(500, times=10)
    with pytest.raises(MeetingsUnavailable, match="HTTP 500") as caught:
        await create(client)
    assert not caught.value.permanent and caught.value.status == 500
    assert len(zoom.api_calls("POST")) == 4 and sleeps.delays == [1.0, 2.0, 4.0]


async def test_token_endpoint_outage_is_retried_too(client, zoom, sleeps):
    zoom.fail(502, target="oauth", times=1)
    await create(client)
    assert zoom.token_requests == 2 and sleeps.delays == [1.0]


async def test_unreachable_zoom_means_link_pending(zoom, sleeps):
    async with make_client(zoom, sleeps, api_base_url=closed_port_url() + "/v2") as client:
        with pytest.raises(MeetingsUnavailable, match="ConnectError"):
            await create(client)
    assert sleeps.delays == [1.0, 2.0, 4.0]


async def test_secrets_never_reach_errors_or_logs(zoom, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    async with make_client(zoom, sleeps, max_attempts=2) as client:
        meeting = await create(client)
        zoom.expire_tokens()
        await client.update_meeting(meeting.meeting_id, topic="t")
        for status, target in [(401, "api"), (500, "api"), (429, "api"), (500, "oauth")]:
            zoom.expire_tokens()
            zoom.fail(status, times=2, target=target)
            with pytest.raises(MeetingsUnavailable) as caught:
                await client.update_meeting(meeting.meeting_id, topic="t")
            errors.append(caught.value)
    async with make_client(zoom, sleeps, client_secret=zoom.client_secret + "x") as client:
        with pytest.raises(MeetingsUnavailable) as caught:
            await create(client)
        errors.append(caught.value)

    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    for exc in errors:
        chain: BaseException | None = exc
        while chain is not None:
            texts += [str(chain), repr(chain)]
            chain = chain.__cause__ or chain.__context__
    secrets_ = [zoom.client_secret, *zoom.issued]
    assert len(zoom.issued) >= 3
    assert not [s for s in secrets_ for t in texts if s in t]
    assert any("zoom" in r.name for r in caplog.records)  # the logs were captured at all


@pytest.mark.parametrize(
    "body",
    [
        {"topic": "t", "type": "2"},
        {"topic": "t", "duration": True},
        {"topic": "t", "password": "elevenchars"},
        {"topic": "t", "password": "no spaces"},
        {"topic": "t", "start_time": "2026-11-26 10:30"},
        {"topic": "t", "start_time": "2026-02-30T10:30:00Z"},
        {"topic": "t", "start_time": "2026-11-26T10:30:00"},  # local time without a zone
        {"topic": "t", "timezone": "GMT+1"},
        {"topic": "t", "settings": {"waiting_room": "yes"}},
        {"topic": "t", "settings": {"waiting_rooms": True}},
        {"topic": "t", "passcode": "abc"},
    ],
)
def test_the_fake_rejects_what_zoom_would(body):
    with pytest.raises(ValueError):  # Invalid is a ValueError too
        check_meeting_body(body)


# --- helpers and the fallback ---------------------------------------------------------------------
def test_generated_passcodes_fit_zoom_and_mix_characters():
    for _ in range(200):
        code = generate_passcode()
        assert re.fullmatch(r"[A-Za-z0-9]{10}", code)
        assert re.search("[a-z]", code) and re.search("[A-Z]", code) and re.search("[0-9]", code)


def test_parse_retry_after_forms():
    now = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
    assert parse_retry_after("3", now=now) == 3.0
    assert parse_retry_after("2026-05-31T12:01:00Z", now=now) == 60.0
    assert parse_retry_after("Sun, 31 May 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("2026-05-31T11:00:00Z", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


async def test_client_is_closed_on_exit(zoom, sleeps):
    async with make_client(zoom, sleeps) as client:
        pass
    assert client._client.is_closed


async def test_fixed_link_fallback():
    meetings: Meetings = FixedLinkMeetings("https://zoom.us/j/123456789?pwd=abc", passcode="coffee")
    meeting = await create(meetings)
    assert meeting == Meeting(None, "https://zoom.us/j/123456789?pwd=abc", "coffee")
    await meetings.update_meeting("anything", topic="x")
    await meetings.delete_meeting("anything")
    with pytest.raises(ValueError, match="https"):
        FixedLinkMeetings("zoom.us/j/123")


# --- contract check against the published spec --------------------------------------------------------
def prism_spec(tmp_path: Path) -> Path:
    """The ballerina OpenAPI file with its paths under /v2 (Prism ignores the server path) and
    the token endpoint from the contract file. JSON is valid YAML, so the added operation is
    spliced in as JSON text and no YAML library is needed."""
    contract = json.loads((SPECS / "s2s-oauth-token.contract.json").read_text())
    form = {"grant_type": {"type": "string", "enum": ["account_credentials"]}}
    form["account_id"] = {"type": "string"}
    token_op = {
        "post": {
            "operationId": "s2sAccessToken",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "required": list(form), "properties": form}
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "access token",
                    "content": {
                        "application/json": {
                            "example": contract["response_200"]["example_for_fakes"]
                        }
                    },
                }
            },
        }
    }
    spec = (SPECS / "zoom-api-v2.openapi3.ballerina.yaml").read_text()
    spec, prefixed = re.subn(r'^  "/', '  "/v2/', spec, flags=re.MULTILINE)
    assert prefixed == 23, "the spec's path keys changed shape: revisit this overlay"
    spec = spec.replace("\npaths:\n", f'\npaths:\n  "/oauth/token": {json.dumps(token_op)}\n', 1)
    path = tmp_path / "zoom-v2-overlay.yaml"
    path.write_text(spec)
    return path


@pytest.mark.node
async def test_requests_satisfy_the_published_openapi_spec(tmp_path, sleeps):
    """Prism answers 422 to a body that breaks the schema and 401 without a Bearer token, which
    our client turns into a permanent MeetingsUnavailable, so success means the spec accepts
    what we send."""
    with start_prism(prism_spec(tmp_path)) as base_url:
        options = {"api_base_url": base_url + "/v2", "oauth_url": base_url + "/oauth/token"}
        async with ZoomMeetings(
            account_id="acct", client_id="id", client_secret="secret", sleep=sleeps, **options
        ) as client:
            meeting = await create(client)
            assert meeting.meeting_id and meeting.join_url.startswith("https://")
            await client.update_meeting(meeting.meeting_id, topic="t", start=SUMMER)
            await client.update_meeting(meeting.meeting_id, duration_minutes=30)
            await client.delete_meeting(meeting.meeting_id)
    assert sleeps.delays == []
