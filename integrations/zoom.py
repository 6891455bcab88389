"""Zoom meetings for the group "coffee morning" sessions, over Zoom's REST API with httpx.

Zoom has no official Python SDK, so this is a small client: Server-to-Server OAuth (account
credentials, no refresh token: a fresh token is fetched before the old one expires) and the three
meeting calls we need. Every failure becomes `MeetingsUnavailable`, because the caller publishes
the call rota regardless and shows "link pending" until a later retry succeeds.

Secrets: the client secret only ever goes into the Basic auth header of the token request, and
the access token only into Bearer headers. Neither is logged or put into an exception message;
log lines and errors carry the HTTP status and Zoom's numeric error code only.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import string
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from rota.ports import Meeting, MeetingsUnavailable

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
SCHEDULED = 2  # Zoom meeting type: one scheduled occurrence
TOKEN_MARGIN = 60.0  # renew this long before expiry so a token never dies mid-request
PASSCODE_LENGTH = 10  # Zoom's maximum, for the most entropy a patient still types once
_PASSCODE_ALPHABET = string.ascii_letters + string.digits  # avoids Zoom's @-_* (hard to dictate)
_PASSCODE_GROUPS = (string.ascii_lowercase, string.ascii_uppercase, string.digits)

Sleep = Callable[[float], Awaitable[None]]


def generate_passcode(length: int = PASSCODE_LENGTH) -> str:
    """A random passcode with a lower, an upper and a digit, so that accounts whose passcode
    policy demands mixed characters accept it."""
    while True:
        code = "".join(secrets.choice(_PASSCODE_ALPHABET) for _ in range(length))
        if all(any(c in group for c in code) for group in _PASSCODE_GROUPS):
            return code


def zoom_time(start: datetime) -> str:
    """UTC with a `Z`, which Zoom reads unambiguously whatever the `timezone` field says."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("meeting start must be a timezone-aware datetime")
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, an HTTP date, or the ISO 8601
    timestamp Zoom sends when a daily limit resets."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    now = now or datetime.now(UTC)
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            when = parse(value)
        except (TypeError, ValueError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    return None


def _until_utc_midnight() -> float:
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), dt_time(0), tzinfo=UTC)
    return (midnight - now).total_seconds()


def _error_code(response: httpx.Response) -> str:
    """Zoom's numeric error code (e.g. 124 invalid token, 3001 no such meeting), never the
    message text, which can echo request data."""
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return ""
    return f" (Zoom code {code})" if isinstance(code, int) else ""


class ZoomMeetings:
    """`Meetings` on Zoom. Use as `async with ZoomMeetings(...) as zoom:` or call `aclose()`."""

    def __init__(
        self,
        *,
        account_id: str,
        client_id: str,
        client_secret: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        oauth_url: str = DEFAULT_OAUTH_URL,
        timeout: float = 10.0,
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_delay: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (account_id and client_id and client_secret):
            raise ValueError("Zoom account_id, client_id and client_secret are all required")
        self._account_id = account_id
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self._api = api_base_url.rstrip("/")
        self._oauth_url = oauth_url
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff
        self._max_delay = max_delay  # a longer Retry-After (a daily limit) fails fast instead
        self._sleep = sleep
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=timeout)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def __aenter__(self) -> ZoomMeetings:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # --- meetings -------------------------------------------------------------------------------
    async def create_meeting(
        self,
        *,
        topic: str,
        start: datetime,
        duration_minutes: int,
        timezone: str,
        host_user: str = "me",
    ) -> Meeting:
        _check_duration(duration_minutes)
        try:
            ZoneInfo(timezone)  # Zoom would silently fall back to the account's zone
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {timezone!r}") from exc
        body = {
            "topic": topic,
            "type": SCHEDULED,
            "start_time": zoom_time(start),
            "duration": duration_minutes,
            "timezone": timezone,
            "password": generate_passcode(),
            "settings": {
                # Hosts admit patients one by one; nobody sits alone in an open room.
                "waiting_room": True,
                "join_before_host": False,
            },
        }
        path = f"/users/{quote(host_user, safe='')}/meetings"
        response = await self._call("POST", path, "create", json=body)
        try:
            data = response.json()
            passcode = data.get("password") or body["password"]
            meeting = Meeting(str(data["id"]), str(data["join_url"]), str(passcode))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MeetingsUnavailable("Zoom create: unexpected response body") from exc
        log.info("zoom: created meeting %s", meeting.meeting_id)
        return meeting

    async def update_meeting(
        self,
        meeting_id: str,
        *,
        topic: str | None = None,
        start: datetime | None = None,
        duration_minutes: int | None = None,
    ) -> None:
        body: dict[str, Any] = {}
        if topic is not None:
            body["topic"] = topic
        if start is not None:
            body["start_time"] = zoom_time(start)
        if duration_minutes is not None:
            _check_duration(duration_minutes)
            body["duration"] = duration_minutes
        if not body:
            return  # nothing changed: spare one of the 100 updates Zoom allows a day
        await self._call("PATCH", f"/meetings/{quote(meeting_id, safe='')}", "update", json=body)
        log.info("zoom: updated meeting %s (%s)", meeting_id, ", ".join(sorted(body)))

    async def delete_meeting(self, meeting_id: str) -> None:
        path = f"/meetings/{quote(meeting_id, safe='')}"
        response = await self._call("DELETE", path, "delete", missing_ok=True)
        gone = " (already gone)" if response.status_code == 404 else ""
        log.info("zoom: deleted meeting %s%s", meeting_id, gone)

    # --- HTTP -----------------------------------------------------------------------------------
    async def _call(
        self, method: str, path: str, what: str, *, missing_ok: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One API call with a Bearer token; a 401 gets one fresh token and one more try."""
        refreshed = False
        while True:
            token = await self._access_token()
            headers = {"Authorization": f"Bearer {token}"}
            response = await self._send(method, self._api + path, what, headers=headers, **kwargs)
            if response.status_code == 401 and not refreshed:
                refreshed = True
                log.info("zoom %s: 401%s, renewing the access token", what, _error_code(response))
                await self._access_token(stale=token)
                continue
            if response.is_success or (missing_ok and response.status_code == 404):
                return response
            status = response.status_code
            raise MeetingsUnavailable(
                f"Zoom {what} failed: HTTP {status}{_error_code(response)}",
                permanent=True,  # 400/401/403/404: sending it again unchanged will not help
                status=status,
            )

    async def _access_token(self, *, stale: str | None = None) -> str:
        """The cached token, fetching one when there is none, it is about to expire, or it is
        `stale` (just refused). The lock makes concurrent callers share one fetch."""
        async with self._token_lock:
            fresh = self._token is not None and self._clock() < self._token_expires
            if fresh and self._token != stale:
                assert self._token is not None
                return self._token
            self._token = None
            data = {"grant_type": "account_credentials", "account_id": self._account_id}
            response = await self._send(
                "POST", self._oauth_url, "token", data=data, auth=self._auth
            )
            if not response.is_success:
                raise MeetingsUnavailable(
                    f"Zoom token request refused: HTTP {response.status_code}",
                    permanent=response.status_code in (400, 401, 403),  # wrong app credentials
                    status=response.status_code,
                )
            try:
                payload = response.json()
                token, expires_in = payload["access_token"], float(payload["expires_in"])
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise MeetingsUnavailable("Zoom token response unreadable") from exc
            if not isinstance(token, str) or not token:
                raise MeetingsUnavailable("Zoom token response has no access token")
            self._token = token
            self._token_expires = self._clock() + max(0.0, expires_in - TOKEN_MARGIN)
            log.debug("zoom: new access token, valid for %.0f s", expires_in)
            return token

    async def _send(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        """Send, retrying 429, 5xx and network errors up to `max_attempts` times in all.

        Returns any other response for the caller to judge. Raises MeetingsUnavailable when the
        attempts run out or Zoom asks us to wait longer than `max_delay` (a daily limit).
        """
        for attempt in range(1, self._max_attempts + 1):
            delay = min(self._max_delay, self._backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                # The class name only: some transport errors quote the request.
                problem, status, retry_after = type(exc).__name__, None, None
            else:
                status = response.status_code
                if status != 429 and status < 500:
                    return response
                problem = f"HTTP {status}{_error_code(response)}"
                retry_after = None
                if status == 429:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if response.headers.get("X-RateLimit-Type", "").lower() == "daily-limit":
                        # Zoom's daily limits reset at 00:00 UTC; say so if the header did not.
                        retry_after = retry_after or _until_utc_midnight()
                    if retry_after is not None and retry_after > self._max_delay:
                        raise MeetingsUnavailable(
                            f"Zoom {what}: rate limited for {retry_after:.0f} s",
                            retry_after=retry_after,
                            status=429,
                        )
                    delay = retry_after if retry_after is not None else delay
            if attempt == self._max_attempts:
                raise MeetingsUnavailable(
                    f"Zoom {what} unavailable after {attempt} attempts: {problem}",
                    retry_after=retry_after,
                    status=status,
                )
            log.warning("zoom %s: %s, retry %d in %.1f s", what, problem, attempt, delay)
            await self._sleep(delay)
        raise AssertionError("unreachable")  # the loop always returns or raises


def _check_duration(minutes: int) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ValueError(f"duration_minutes must be a positive whole number, not {minutes!r}")


class FixedLinkMeetings:
    """`Meetings` without Zoom credentials: the organiser's standing link for one session
    template (one instance per template). Nothing is created at a provider, so the session's
    details are ignored and updates and deletes change nothing."""

    def __init__(self, join_url: str, *, passcode: str | None = None) -> None:
        if not join_url.startswith("https://"):
            raise ValueError("a fixed meeting link must be an https:// URL")
        self._meeting = Meeting(meeting_id=None, join_url=join_url, passcode=passcode)

    async def create_meeting(self, **session: object) -> Meeting:
        return self._meeting

    async def update_meeting(self, meeting_id: str, **changes: object) -> None:
        return None

    async def delete_meeting(self, meeting_id: str) -> None:
        return None

    async def aclose(self) -> None:
        return None
