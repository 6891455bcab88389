"""A local Zoom API (S2S OAuth token endpoint + meetings) for tests of integrations/zoom.py.

Requests are checked against what Zoom documents, so a client bug shows up as a violation
rather than passing silently: the token request against specs/zoom/s2s-oauth-token.contract.json,
meeting bodies against the `MeetingDetails` / `UpdateMeetingRequest` / `MeetingSettingsInRequest`
schemas of the ballerina OpenAPI file (field names and types copied below as data). Tests can
expire tokens and queue failures (401, 429 with Retry-After, 5xx) to exercise the client's
recovery. Prism could serve the schemas too, but it cannot inject failures or expire tokens.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.loopback import LoopbackServer

_MEETING_FIELDS = {  # MeetingDetails (create); UpdateMeetingRequest has the same names
    "agenda": str,
    "duration": int,
    "password": str,
    "recurrence": dict,
    "schedule_for": str,
    "settings": dict,
    "start_time": str,
    "template_id": str,
    "timezone": str,
    "topic": str,
    "tracking_fields": list,
    "type": int,
}
_SETTINGS_FIELDS: dict[str, type] = {  # MeetingSettingsInRequest, grouped by type
    name: kind
    for kind, names in [
        (
            bool,
            "allow_multiple_devices alternative_hosts_email_notification close_registration"
            " cn_meeting host_video in_meeting join_before_host meeting_authentication"
            " mute_upon_entry participant_video registrants_email_notification"
            " show_share_button use_pmi waiting_room watermark",
        ),
        (int, "approval_type jbh_time registration_type"),
        (
            str,
            "alternative_hosts audio authentication_domains authentication_option"
            " auto_recording contact_email contact_name encryption_type",
        ),
        (list, "additional_data_center_regions global_dial_in_countries"),
        (dict, "approved_or_denied_countries_or_regions breakout_room language_interpretation"),
    ]
    for name in names.split()
}
_PASSCODE = re.compile(r"[A-Za-z0-9@\-_*]{1,10}")
_START_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?")


class Invalid(ValueError):
    """A request Zoom would refuse with 400 (code 300, "invalid field")."""


@dataclass
class Call:
    method: str
    path: str
    token: str | None
    body: Any = None


@dataclass
class _Failure:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class _State:
    tokens: dict[str, float] = field(default_factory=dict)  # token -> monotonic expiry
    failures: dict[str, list[_Failure]] = field(default_factory=lambda: {"api": [], "oauth": []})


def _check_fields(body: Any, fields: dict[str, type], where: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid(f"{where} must be a JSON object")
    for name, value in body.items():
        expected = fields.get(name)
        if expected is None:
            raise Invalid(f"unknown field {where}.{name}")
        # JSON true is not an integer to Zoom, though bool subclasses int in Python.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise Invalid(f"{where}.{name} must be {expected.__name__}")
    return body


def check_meeting_body(body: Any) -> dict[str, Any]:
    """Raise Invalid (or ValueError for an impossible date) where Zoom would answer 400."""
    body = _check_fields(body, _MEETING_FIELDS, "meeting")
    if "topic" in body and not 1 <= len(body["topic"]) <= 200:
        raise Invalid("topic must be 1 to 200 characters")
    if "type" in body and body["type"] not in (1, 2, 3, 8):
        raise Invalid("type must be one of 1, 2, 3, 8")
    if "duration" in body and body["duration"] <= 0:
        raise Invalid("duration must be positive")
    if "password" in body and not _PASSCODE.fullmatch(body["password"]):
        raise Invalid("password: at most 10 of [a-z A-Z 0-9 @ - _ *]")
    if "start_time" in body:
        _check_start_time(body["start_time"], has_timezone="timezone" in body)
    if "timezone" in body:
        _check_timezone(body["timezone"])
    if "settings" in body:
        _check_fields(body["settings"], _SETTINGS_FIELDS, "settings")
    return body


def _check_start_time(start: str, *, has_timezone: bool) -> None:
    if not _START_TIME.fullmatch(start):
        raise Invalid("start_time must be yyyy-MM-ddTHH:mm:ss[Z]")
    datetime.fromisoformat(start.removesuffix("Z"))  # a real calendar date and time
    if not start.endswith("Z") and not has_timezone:
        raise Invalid("a local start_time needs a timezone")


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unsupported timezone {name!r}") from None


class ZoomServer:
    """``async with ZoomServer() as zoom:`` then point the client at ``zoom.api_base_url`` and
    ``zoom.oauth_url`` with ``zoom.account_id`` / ``zoom.client_id`` / ``zoom.client_secret``."""

    def __init__(self, *, token_ttl: int = 3599, token_delay: float = 0.0) -> None:
        self.account_id = "acct-ringround-test"
        self.client_id = "client-ringround-test"
        self.client_secret = "SECRET-" + secrets.token_hex(8)
        self.token_ttl = token_ttl
        self.token_delay = token_delay  # widens the window in which concurrent callers race
        self.token_requests = 0
        self.issued: list[str] = []
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.meetings: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(81234567890)
        self._state = _State()
        self._loopback: LoopbackServer | None = None
        self.app = Starlette(
            routes=[
                Route("/oauth/token", self._token, methods=["POST"]),
                Route("/v2/users/{user_id}/meetings", self._create, methods=["POST"]),
                Route("/v2/meetings/{meeting_id}", self._meeting, methods=["PATCH", "DELETE"]),
            ]
        )

    @property
    def base_url(self) -> str:
        assert self._loopback is not None
        return f"http://127.0.0.1:{self._loopback.port}"

    @property
    def api_base_url(self) -> str:
        return self.base_url + "/v2"

    @property
    def oauth_url(self) -> str:
        return self.base_url + "/oauth/token"

    async def __aenter__(self) -> ZoomServer:
        self._loopback = LoopbackServer(self.app, "zoom-test-server")
        await self._loopback.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._loopback is not None
        await self._loopback.stop()

    # --- test controls --------------------------------------------------------------------------
    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        target: str = "api",
        retry_after: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` requests to `target` ("api" or "oauth") get `status` instead."""
        hdrs = dict(headers or {})
        if retry_after is not None:
            hdrs["Retry-After"] = retry_after
        body = {"code": status, "message": "injected failure"} if status < 500 else None
        self._state.failures[target] += [_Failure(status, hdrs, body) for _ in range(times)]

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired, as if an hour had passed."""
        self._state.tokens = dict.fromkeys(self._state.tokens, 0.0)

    def api_calls(self, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if method is None or c.method == method]

    # --- handlers -------------------------------------------------------------------------------
    def _injected(self, target: str) -> Response | None:
        queue = self._state.failures[target]
        if not queue:
            return None
        failure = queue.pop(0)
        if failure.body is None:
            return Response("upstream trouble", failure.status, failure.headers)
        return JSONResponse(failure.body, failure.status, failure.headers)

    def _violation(self, message: str) -> JSONResponse:
        self.violations.append(message)
        return JSONResponse({"code": 300, "message": message}, 400)

    async def _token(self, request: Request) -> Response:
        self.token_requests += 1
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        if (injected := self._injected("oauth")) is not None:
            return injected
        expected = f"{self.client_id}:{self.client_secret}".encode()
        if request.headers.get("authorization") != "Basic " + base64.b64encode(expected).decode():
            return JSONResponse({"reason": "Invalid client_id or client_secret"}, 400)
        form = dict(await request.form()) | dict(request.query_params)  # Zoom accepts either
        if form.get("grant_type") != "account_credentials":
            return self._violation("grant_type must be account_credentials")
        if form.get("account_id") != self.account_id:
            return self._violation("wrong or missing account_id")
        token = "TOKEN-" + secrets.token_urlsafe(12)
        self._state.tokens[token] = time.monotonic() + self.token_ttl
        self.issued.append(token)
        return JSONResponse(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_ttl,
                "scope": "meeting:write:admin user:read:admin",
            }
        )

    async def _api_request(self, request: Request) -> tuple[Call, Response | None]:
        """Record the call; a Response when auth, body or an injected failure ends it."""
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        body: Any = None
        if await request.body():
            if request.headers.get("content-type", "").split(";")[0] != "application/json":
                call = Call(request.method, request.url.path, token)
                self.calls.append(call)
                return call, self._violation("body must be application/json")
            body = await request.json()
        call = Call(request.method, request.url.path, token, body)
        self.calls.append(call)
        if token is None:
            self.violations.append(f"{request.method} {request.url.path} without a Bearer token")
            return call, JSONResponse({"code": 124, "message": "Invalid access token."}, 401)
        if self._state.tokens.get(token, 0.0) <= time.monotonic():
            return call, JSONResponse({"code": 124, "message": "Access token is expired."}, 401)
        return call, self._injected("api")

    async def _create(self, request: Request) -> Response:
        call, response = await self._api_request(request)
        if response is not None:
            return response
        if request.path_params["user_id"] != "me":
            return JSONResponse({"code": 1001, "message": "User does not exist."}, 404)
        try:
            body = check_meeting_body(call.body)
        except ValueError as exc:  # Invalid, or an impossible date
            return self._violation(str(exc))
        meeting_id = next(self._ids)
        password = body.get("password", "")
        meeting = {
            "id": meeting_id,
            "uuid": secrets.token_urlsafe(16),
            "host_id": "host-ringround",
            "type": body.get("type", 2),
            "status": "waiting",
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd={secrets.token_urlsafe(16)}",
            "start_url": f"https://zoom.us/s/{meeting_id}?zak=short-lived",
            **body,
            "password": password,
        }
        self.meetings[str(meeting_id)] = meeting
        return JSONResponse(meeting, 201)

    async def _meeting(self, request: Request) -> Response:
        call, response = await self._api_request(request)
        if response is not None:
            return response
        meeting_id = request.path_params["meeting_id"]
        if not meeting_id.isdigit():  # the path parameter is an int64
            return self._violation(f"meetingId must be an integer, not {meeting_id!r}")
        if meeting_id not in self.meetings:
            return JSONResponse({"code": 3001, "message": "Meeting does not exist."}, 404)
        if request.method == "DELETE":
            del self.meetings[meeting_id]
            return Response(status_code=204)
        try:
            body = check_meeting_body(call.body)
        except ValueError as exc:  # Invalid, or an impossible date
            return self._violation(str(exc))
        self.meetings[meeting_id].update(body)
        return Response(status_code=204)
