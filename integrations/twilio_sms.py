"""SMS through Twilio's official helper library, on our own event loop.

Lifecycle: the aiohttp session inside `AsyncTwilioHttpClient` must be created inside a running
loop and closed before it ends, so build the client in `open()` (or `async with channel:`) and
close it with `aclose()`.

Errors become `SendFailed` so the dispatcher can decide between retrying and giving up. Nothing
here logs or repeats a phone number or a message body: Twilio's error text often quotes the
number, so only the HTTP status and Twilio's error code go into `SendFailed.reason`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from rota.outbox import ProviderAnswer, SendWindow
from rota.outbox.undeliverable import undeliverable_reason
from rota.ports import Outgoing, SendFailed, Sent

log = logging.getLogger(__name__)

STATUS_CALLBACK_PATH = "/twilio/status"
OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient": the patient texted STOP
PERMANENT_CODES = {
    21211: "invalid 'To' number",
    21408: "region not enabled for this account",
    21610: "recipient has opted out",
    21614: "'To' is not a mobile number",
    21635: "'To' is a landline",
}
# 21614 and 21635 also mean the number cannot receive texts at all: see the table in
# rota/outbox/undeliverable.py (what Twilio's error reference says each code means).
LOOKUP_LIMIT = 50  # recent messages to one number examined after a crash
CLOCK_SKEW = timedelta(minutes=1)  # between our clock and Twilio's date_created
_E164 = re.compile(r"\+[1-9]\d{6,14}")
# `ClientBase` reads `environment or os.environ`, so an empty dict would still let TWILIO_REGION /
# TWILIO_EDGE from the process environment rewrite the API host; a non-empty mapping stops that.
_ISOLATED_ENV = {"RINGROUND_TWILIO_ENV": "isolated"}


class TwilioAiohttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio is untyped here
    """twilio's aiohttp client, sending credentials as a header instead of `aiohttp.BasicAuth`.

    aiohttp 3.14 deprecates BasicAuth (a DeprecationWarning on every request, an error under our
    test settings) and twilio 9.13 still passes one. The header is what BasicAuth would produce,
    and twilio's request logging already skips Authorization headers.
    """

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - twilio's signature; bounded in send()
        allow_redirects: bool = False,
    ) -> Response:
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers = {**(headers or {}), "Authorization": f"Basic {token}"}
        return await super().request(
            method, url, params, data, headers, None, timeout, allow_redirects
        )


def map_twilio_error(exc: BaseException, *, rate_limit_backoff: float = 5.0) -> SendFailed | None:
    """The SendFailed for a failed create call, or None for exceptions that are our own bugs."""
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = int(exc.status)
        try:
            code = int(exc.code) if exc.code is not None else None
        except (TypeError, ValueError):  # a proxy or odd payload can put anything here
            code = None
        label = f"twilio HTTP {status}" + (f" error {code}" if code is not None else "")
        if code in PERMANENT_CODES:
            return SendFailed(
                f"{label}: {PERMANENT_CODES[code]}",
                permanent=True,
                opted_out=code == OPTED_OUT,
                undeliverable=undeliverable_reason(code) is not None,
                code=str(code),
            )
        if status == 429 or code == 20429:
            # TwilioRestException does not expose the response headers, so a Retry-After
            # cannot be read here; back off by a configured amount instead.
            return SendFailed(label, retry_after=rate_limit_backoff, code=str(code or status))
        return SendFailed(label, permanent=400 <= status < 500, code=str(code or status))
    if isinstance(exc, TimeoutError):
        # Twilio may have accepted the message before the timeout: a retry can duplicate it.
        return SendFailed("twilio request timed out", code="timeout")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return SendFailed(f"twilio unreachable: {type(exc).__name__}", code="network")
    return None


class TwilioClient:
    """The official client's lifecycle, shared by SMS and Voice: its aiohttp session must be
    made inside the running loop (`open()` or `async with`) and closed before it ends."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        api_base_url: str | None,
        timeout: float,
        http_client_factory: Callable[[], AsyncHttpClient] | None,
    ) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self._timeout = timeout
        self._factory = http_client_factory or TwilioAiohttpClient
        self._http: AsyncHttpClient | None = None
        self._client: Client | None = None

    async def open(self) -> None:
        """Create the client; must run inside the event loop that will use it."""
        if self._client is not None:
            return
        # twilio's HTTP clients log each request's URL and query at INFO: a message lookup
        # would write a phone number into our logs.
        for name in ("twilio.http_client", "twilio.async_http_client"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self._http = self._factory()
        client = Client(
            self._account_sid, self._auth_token, http_client=self._http, environment=_ISOLATED_ENV
        )
        if self._api_base_url:
            client.api.base_url = self._api_base_url
        self._client = client

    async def aclose(self) -> None:
        http, self._http, self._client = self._http, None, None
        close = getattr(http, "close", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class TwilioSmsChannel(TwilioClient):
    """The `Channel` port for SMS. Safe for concurrent sends (one shared aiohttp session)."""

    name = "sms"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        public_base_url: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base_url: str | None = None,
        timeout: float = 15.0,
        rate_limit_backoff: float = 5.0,
        http_client_factory: Callable[[], AsyncHttpClient] | None = None,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("a from number or a messaging service SID is needed")
        super().__init__(
            account_sid=account_sid,
            auth_token=auth_token,
            api_base_url=api_base_url,
            timeout=timeout,
            http_client_factory=http_client_factory,
        )
        self._callback_base = public_base_url.rstrip("/") + STATUS_CALLBACK_PATH
        self._from = from_number
        self._service = messaging_service_sid
        self._backoff = rate_limit_backoff

    def status_callback_url(self, message_id: int) -> str:
        # Only our outbox id goes in the URL: never a phone number.
        return f"{self._callback_base}?m={message_id}"

    def create_params(self, message: Outgoing) -> dict[str, Any]:
        """Keyword arguments for `messages.create_async` (the sender is from configuration)."""
        params: dict[str, Any] = {
            "to": message.address,
            "body": message.body,
            "status_callback": self.status_callback_url(message.message_id),
        }
        if self._service:
            params["messaging_service_sid"] = self._service
        if self._from:
            params["from_"] = self._from
        return params

    async def send(self, message: Outgoing) -> Sent:
        if self._client is None:
            raise RuntimeError("TwilioSmsChannel.open() was not called")
        if not _E164.fullmatch(message.address):
            # Caught before spending an API call; the core should never hand us such a number.
            log.warning("sms %s not sent: address is not E.164", message.message_id)
            raise SendFailed("address is not an E.164 number", permanent=True, code="address")
        try:
            # The async HTTP client ignores its own timeout setting (aiohttp then waits forever),
            # so the whole call is bounded here.
            async with asyncio.timeout(self._timeout):
                created = await self._client.messages.create_async(**self.create_params(message))
        except Exception as exc:
            failure = map_twilio_error(exc, rate_limit_backoff=self._backoff)
            if failure is None:
                raise
            log.warning(
                "sms %s failed: %s (permanent=%s, opted_out=%s)",
                message.message_id,
                failure.reason,
                failure.permanent,
                failure.opted_out,
            )
            # `from None`: the chained twilio exception quotes the phone number in its text.
            raise failure from None
        log.info("sms %s accepted by twilio as %s", message.message_id, created.sid)
        return Sent(provider_id=created.sid)

    async def find_sent(self, message: Outgoing, window: SendWindow) -> ProviderAnswer:
        """After a crash between Twilio accepting a message and our recording it: did Twilio
        get *this* message? Twilio has no idempotency key and its Message resource does not
        echo our status-callback URL, so we look among the latest messages to that number for
        one of ours (outbound, same sender, same body) created inside this attempt's own
        window and not already recorded against another of our messages. Lets the
        dispatcher's recovery avoid a duplicate text (rota/outbox/recovery.py)."""
        if self._client is None:
            raise RuntimeError("TwilioSmsChannel.open() was not called")
        earliest, latest = window.start - CLOCK_SKEW, window.end + CLOCK_SKEW
        try:
            async with asyncio.timeout(self._timeout):
                recent = await self._client.messages.list_async(
                    to=message.address, limit=LOOKUP_LIMIT, page_size=LOOKUP_LIMIT
                )
        except Exception as exc:
            failure = map_twilio_error(exc, rate_limit_backoff=self._backoff)
            if failure is None:
                raise
            raise failure from None
        matches = []
        oldest: datetime | None = None
        for found in recent:
            created = found.date_created
            if created is not None:
                oldest = created if oldest is None else min(oldest, created)
            if (
                created is not None
                and earliest <= created <= latest
                and found.body == message.body
                and str(found.sid) not in window.owned_by_others
                and self._ours(found)
            ):
                matches.append((created, str(found.sid)))
        if matches:
            sid = min(matches)[1]  # the first such text in the window is the first attempt
            log.info("sms %s found at twilio as %s", message.message_id, sid)
            return ProviderAnswer(sid)
        # "Not there" only if Twilio listed everything back past the window's start.
        complete = len(recent) < LOOKUP_LIMIT or (oldest is not None and oldest < earliest)
        return ProviderAnswer(None, searched_all=complete)

    def _ours(self, found: Any) -> bool:
        direction = getattr(found, "direction", None)
        if direction is not None and not str(direction).startswith("outbound"):
            return False
        if self._service:
            service = getattr(found, "messaging_service_sid", None)
            return service is None or service == self._service
        sender = getattr(found, "from_", None)
        return sender is None or sender == self._from
