"""Driving the real Starlette app with Twilio-signed webhooks, like Twilio does."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.composition import build_runtime
from bot.web import create_app
from config import Settings
from config.settings import TwilioSettings
from integrations.fakes.clock import FixedClock
from rota.services.audit import CLI
from rota.services.groups import set_setting
from rota.storage import AuditEvent, InboundMessage
from rota.storage.db import Database

AUTH_TOKEN = "test-auth-token-0123456789"
PUBLIC = "https://ringround.example.org/hooks"  # behind a proxy that strips /hooks
GROUP_NUMBER = "+441632960555"
ACCOUNT = "AC" + "0" * 32
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def settings(auth_token: str | None = AUTH_TOKEN, public: str | None = PUBLIC) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        public_base_url=public,
        allow_fictional_numbers=True,
        twilio=TwilioSettings(auth_token=auth_token),
    )


def sign(
    url: str, params: dict[str, str], token: str = AUTH_TOKEN, algorithm: str | None = None
) -> str:
    return RequestValidator(token).compute_signature(url, params, algorithm)


@dataclass
class Twilio:
    """Plays Twilio: posts signed form bodies to the app, as seen through the proxy."""

    client: httpx.AsyncClient
    clock: FixedClock
    sids: list[str] = field(default_factory=list)

    async def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        signature: str | None = "sign",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        signed_url = PUBLIC + path
        extra = dict(headers or {})
        if signature == "sign":
            extra["X-Twilio-Signature"] = sign(signed_url, params)
        elif signature is not None:
            extra["X-Twilio-Signature"] = signature
        return await self.client.post(
            path,
            content=urlencode(params),
            headers={"Content-Type": "application/x-www-form-urlencoded", **extra},
        )

    async def text(
        self, sender: str, body: str, *, sid: str | None = None, to: str = GROUP_NUMBER
    ) -> httpx.Response:
        return await self.post("/twilio/sms", sms_params(sender, body, sid=sid, to=to))

    async def reply(self, sender: str, body: str, **kw: str) -> str:
        """The text of the TwiML reply ("" for none)."""
        response = await self.text(sender, body, **kw)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return twiml_text(response.text)


def sms_params(
    sender: str, body: str, *, sid: str | None = None, to: str = GROUP_NUMBER
) -> dict[str, str]:
    sid = sid or new_sid()
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "FromCountry": "GB",
        "ApiVersion": "2010-04-01",
    }


def twiml_text(xml: str) -> str:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return "\n".join(m.text or "" for m in root.iter("Message"))


def twiml_parts(xml: str) -> list[str]:
    """Each <Message> of a TwiML reply: Twilio sends each as its own text."""
    import xml.etree.ElementTree as ET

    return [m.text or "" for m in ET.fromstring(xml).iter("Message")]


@asynccontextmanager
async def twilio_app(
    db: Database, now: datetime, config: Settings | None = None
) -> AsyncIterator[Twilio]:
    clock = FixedClock(now)
    runtime = build_runtime(config or settings(), db=db, clock=clock)
    app = create_app(runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Twilio(client, clock)


async def route_group_number(db: Database, now: datetime) -> None:
    await set_setting(
        db, None, "sms_number", GROUP_NUMBER, actor=CLI, now=now, allow_fictional=True
    )


async def count(db: Database, model: type, **where: object) -> int:
    async with db.transaction() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return int(await session.scalar(query) or 0)


async def audit_actions(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


async def inbound_rows(db: Database) -> int:
    return await count(db, InboundMessage)
