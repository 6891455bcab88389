"""TwilioSmsChannel: the official twilio client against Prism (Twilio's own OpenAPI spec), plus
the error mapping with in-process fakes (no network)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from integrations.twilio_sms import TwilioAiohttpClient, TwilioSmsChannel, map_twilio_error
from rota.outbox import SendWindow
from rota.ports import Channel, Outgoing, SendFailed
from tests.support.prism import start_prism
from tests.support.services import SPECS

SPEC = SPECS / "twilio" / "twilio_api_v2010.json"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
SERVICE_SID = "MG" + "fedcba9876543210" * 2
FROM = "+441632960001"
PATIENT = "+447700900123"
BODY = "Your call from Ringround is on Thursday at 10:00."
PUBLIC = "https://ringround.example.org"


def _message(message_id: int = 42, address: str = PATIENT) -> Outgoing:
    return Outgoing(message_id=message_id, channel="sms", address=address, body=BODY)


class RecordingHttpClient(TwilioAiohttpClient):
    """The real aiohttp client, remembering each request's form data for assertions."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str, dict[str, Any]]] = []

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        self.requests.append((method, url, dict(kwargs.get("data") or {})))
        return await super().request(method, url, *args, **kwargs)


class CannedHttpClient(AsyncHttpClient):
    """Answers every request with one canned Twilio response, without a network."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(logging.getLogger("tests.canned"), True)
        self.response = Response(status, json.dumps(payload))

    async def request(self, *args: Any, **kwargs: Any) -> Response:
        return self.response


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    with start_prism(SPEC) as url:
        yield url


async def _channel(api: str, http: AsyncHttpClient | None = None, **kw: Any) -> TwilioSmsChannel:
    options: dict[str, Any] = {"from_number": FROM, **kw}
    channel = TwilioSmsChannel(
        account_sid=ACCOUNT_SID,
        auth_token="test-token",
        public_base_url=PUBLIC + "/",
        api_base_url=api,
        http_client_factory=(lambda: http) if http else None,
        **options,
    )
    await channel.open()
    return channel


@pytest.fixture
async def recorder() -> AsyncIterator[RecordingHttpClient]:
    http = RecordingHttpClient()
    yield http
    await http.close()


@pytest.fixture
async def channel(prism_url: str, recorder: RecordingHttpClient) -> AsyncIterator[TwilioSmsChannel]:
    channel = await _channel(prism_url, recorder)
    yield channel
    await channel.aclose()


async def test_send_returns_the_message_sid(
    channel: TwilioSmsChannel, recorder: RecordingHttpClient, prism_url: str
) -> None:
    port: Channel = channel
    sent = await port.send(_message(42))
    assert sent.provider_id is not None
    assert re.fullmatch(r"SM[0-9a-f]{32}", sent.provider_id)
    [(method, url, data)] = recorder.requests
    assert method == "POST"
    assert url == f"{prism_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert data == {
        "To": PATIENT,
        "Body": BODY,
        "From": FROM,
        "StatusCallback": f"{PUBLIC}/twilio/status?m=42",
    }


async def test_bad_address_fails_that_message_only(
    channel: TwilioSmsChannel, recorder: RecordingHttpClient
) -> None:
    with pytest.raises(SendFailed) as failed:
        await channel.send(_message(1, address="07700 900123"))
    assert failed.value.permanent
    assert recorder.requests == []  # refused before spending an API call
    sent = await channel.send(_message(2))
    assert sent.provider_id
    assert recorder.requests[0][2]["StatusCallback"].endswith("?m=2")


async def test_provider_rejection_is_a_permanent_failure(
    prism_url: str, channel: TwilioSmsChannel
) -> None:
    # Prism answers 422 because the service SID breaks the spec's pattern, as Twilio would 400.
    bad = await _channel(prism_url, messaging_service_sid="MG-not-a-service-sid")
    try:
        for message_id in (5, 6):  # the session survives an error response
            with pytest.raises(SendFailed) as failed:
                await bad.send(_message(message_id))
            assert failed.value.permanent
            assert failed.value.code == "422"
            assert not failed.value.opted_out
    finally:
        await bad.aclose()
    assert (await channel.send(_message(7))).provider_id


async def test_messaging_service_sid_instead_of_a_number(
    prism_url: str, recorder: RecordingHttpClient
) -> None:
    channel = await _channel(
        prism_url, recorder, from_number=None, messaging_service_sid=SERVICE_SID
    )
    try:
        sent = await channel.send(_message(9))
    finally:
        await channel.aclose()
    assert sent.provider_id
    data = recorder.requests[0][2]
    assert data["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in data
    assert data["StatusCallback"] == f"{PUBLIC}/twilio/status?m=9"


async def test_twilio_region_environment_cannot_redirect_the_api(
    prism_url: str, recorder: RecordingHttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without isolation these rewrite 127.0.0.1 into 127.dublin.ie1.0.1 and the send fails.
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    channel = await _channel(prism_url, recorder)
    try:
        assert (await channel.send(_message(11))).provider_id
    finally:
        await channel.aclose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_api_is_retryable() -> None:
    channel = await _channel(f"http://127.0.0.1:{_closed_port()}")
    try:
        with pytest.raises(SendFailed) as failed:
            await channel.send(_message())
    finally:
        await channel.aclose()
    assert not failed.value.permanent
    assert failed.value.code == "network"


async def test_a_hung_api_times_out_and_is_retryable() -> None:
    release = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read(65536)
        await release.wait()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    channel = await _channel(f"http://127.0.0.1:{port}", timeout=0.3)
    try:
        with pytest.raises(SendFailed) as failed:
            # The channel's own 0.3 s timeout must fire; wait_for (60 s, far above it) only
            # turns a broken timeout into a failure here instead of a hang.
            await asyncio.wait_for(channel.send(_message()), 60)
    finally:
        await channel.aclose()
        release.set()
        for writer in writers:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()
    assert writers, "the channel never reached the server"
    assert failed.value.code == "timeout"
    assert not failed.value.permanent


async def test_opt_out_is_recorded_and_nothing_personal_leaks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    payload = {"code": 21610, "message": f"Attempt to send to unsubscribed recipient {PATIENT}"}
    channel = await _channel("http://twilio.invalid", CannedHttpClient(400, payload))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SendFailed) as failed:
        await channel.send(_message(77))
    await channel.aclose()
    assert failed.value.opted_out and failed.value.permanent
    assert failed.value.code == "21610"
    # Neither the failure, its chain, nor any log line may carry the number or the text.
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    for text in [str(failed.value), *(r.getMessage() for r in caplog.records)]:
        assert PATIENT not in text and BODY not in text
    assert any("77" in r.getMessage() for r in caplog.records)


async def test_rate_limit_asks_to_retry_later() -> None:
    canned = CannedHttpClient(429, {"code": 20429, "message": "Too Many Requests"})
    channel = await _channel("http://twilio.invalid", canned, rate_limit_backoff=2.5)
    with pytest.raises(SendFailed) as failed:
        await channel.send(_message())
    await channel.aclose()
    assert failed.value.retry_after == 2.5
    assert not failed.value.permanent


async def test_send_before_open_is_a_programming_error() -> None:
    channel = TwilioSmsChannel(
        account_sid=ACCOUNT_SID, auth_token="t", public_base_url=PUBLIC, from_number=FROM
    )
    with pytest.raises(RuntimeError, match="open"):
        await channel.send(_message())


def test_a_sender_is_required() -> None:
    with pytest.raises(ValueError, match="from number or a messaging service"):
        TwilioSmsChannel(account_sid=ACCOUNT_SID, auth_token="t", public_base_url=PUBLIC)


def _rest(status: int, code: int | None) -> TwilioRestException:
    return TwilioRestException(status, "/Messages.json", f"bad number {PATIENT}", code, "POST")


@pytest.mark.parametrize(
    ("exc", "permanent", "opted_out", "retry_after", "code"),
    [
        (_rest(400, 21610), True, True, None, "21610"),
        (_rest(400, 21211), True, False, None, "21211"),
        (_rest(400, 21614), True, False, None, "21614"),
        (_rest(400, 21408), True, False, None, "21408"),
        (_rest(400, 21602), True, False, None, "21602"),
        (_rest(401, 20003), True, False, None, "20003"),
        (_rest(404, None), True, False, None, "404"),
        (_rest(429, 20429), False, False, 5.0, "20429"),
        (_rest(500, 20500), False, False, None, "20500"),
        (_rest(503, None), False, False, None, "503"),
        (TwilioServiceException("about:blank", "Bad", 422, 70001), True, False, None, "70001"),
        (TimeoutError(), False, False, None, "timeout"),
        (aiohttp.ServerDisconnectedError(), False, False, None, "network"),
        (ConnectionResetError(), False, False, None, "network"),
    ],
)
def test_error_mapping(
    exc: BaseException, permanent: bool, opted_out: bool, retry_after: float | None, code: str
) -> None:
    failure = map_twilio_error(exc)
    assert failure is not None
    assert (failure.permanent, failure.opted_out, failure.retry_after, failure.code) == (
        permanent,
        opted_out,
        retry_after,
        code,
    )
    assert PATIENT not in failure.reason


def test_unexpected_exceptions_are_not_swallowed() -> None:
    assert map_twilio_error(ValueError("bug")) is None
    assert map_twilio_error(KeyError("bug")) is None


def _window(start: datetime) -> SendWindow:
    return SendWindow(start, start + timedelta(minutes=2))


def _message_page(body: str, created: str) -> dict[str, Any]:
    return {
        "messages": [
            {"sid": "SM" + "a" * 32, "body": body, "to": PATIENT, "date_created": created}
        ],
        "next_page_uri": None,
        "page": 0,
        "page_size": 20,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
    }


async def test_find_sent_recognises_a_message_twilio_already_has() -> None:
    from email.utils import format_datetime

    sent_at = datetime.now(UTC) - timedelta(minutes=3)
    recent = format_datetime(sent_at)
    channel = await _channel(
        "http://twilio.invalid", CannedHttpClient(200, _message_page(BODY, recent))
    )
    try:
        found = await channel.find_sent(_message(42), _window(sent_at))
        assert found.provider_id == "SM" + "a" * 32
    finally:
        await channel.aclose()


async def test_find_sent_ignores_other_or_old_messages() -> None:
    from email.utils import format_datetime

    now = datetime.now(UTC)
    old = format_datetime(now - timedelta(hours=3))
    for page in (
        _message_page("another text", format_datetime(now)),
        _message_page(BODY, old),
    ):
        channel = await _channel("http://twilio.invalid", CannedHttpClient(200, page))
        try:
            found = await channel.find_sent(_message(42), _window(now))
            assert found.provider_id is None and found.searched_all
        finally:
            await channel.aclose()


async def test_find_sent_against_prism_lists_messages_and_finds_none_of_ours(
    channel: TwilioSmsChannel,
) -> None:
    assert (await channel.find_sent(_message(42), _window(datetime.now(UTC)))).provider_id is None
