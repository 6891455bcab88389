"""Playing Twilio Voice against the real app: signed webhooks, and TwiML read back."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx
from defusedxml import minidom
from sqlalchemy import select

from bot.composition import build_runtime
from bot.web import create_app
from integrations.fakes.clock import FixedClock
from rota.domain import CallStatus
from rota.ports import Ringer
from rota.storage import Call, Patient, Volunteer
from rota.storage.db import Database
from tests.support.sms import ACCOUNT, GROUP_NUMBER, PUBLIC, Twilio, settings

_sids = itertools.count(1)


def call_sid() -> str:
    return f"CA{next(_sids):032x}"


def dial_in(caller: str, sid: str, **extra: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": ACCOUNT,
        "From": caller,
        "To": GROUP_NUMBER,
        "Direction": "inbound",
        "CallStatus": "in-progress",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def dial_result(caller: str, sid: str, status: str, seconds: str = "0") -> dict[str, str]:
    """The `<Dial action>` callback: how ringing the patient went (DialCallStatus)."""
    leg = "CA" + sid[2:][::-1]  # the patient's leg has an id of its own
    return dial_in(
        caller,
        sid,
        DialCallSid=leg,
        DialCallStatus=status,
        DialCallDuration=seconds,
        CallStatus="in-progress",
    )


def dialled_leg(volunteer: str, sid: str, parent: str, **extra: str) -> dict[str, str]:
    """The leg a `<Dial>` placed to a volunteer (a patient's ring-back), as its whisper sees it."""
    return {
        **dial_in(GROUP_NUMBER, sid, **extra),
        "To": volunteer,
        "Direction": "outbound-dial",
        "ParentCallSid": parent,
    }


def rung(volunteer: str, sid: str, **extra: str) -> dict[str, str]:
    """A call we placed ("Ring me now"): from the group's number to the volunteer."""
    return {**dial_in(GROUP_NUMBER, sid, **extra), "To": volunteer, "Direction": "outbound-api"}


def twiml(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    return root


def _etree_shape(element: ET.Element) -> tuple[object, ...]:
    return (
        element.tag,
        sorted(element.attrib.items()),
        (element.text or "").strip(),
        [_etree_shape(child) for child in element],
    )


def _dom_shape(node: minidom.Element) -> tuple[object, ...]:
    children = [c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE]
    text = "".join(c.data for c in node.childNodes if c.nodeType == c.TEXT_NODE)
    return (
        node.tagName,
        sorted(node.attributes.items()),
        text.strip(),
        [_dom_shape(child) for child in children],
    )


def twiml_checked(xml: str) -> ET.Element:
    """`twiml`, and the same document read by a second parser (minidom, through defusedxml,
    which also refuses entities and DTDs): both must see the same elements, attributes and
    text, so a check cannot pass on one parser's quirk."""
    root = twiml(xml)
    document = minidom.parseString(xml)
    assert _dom_shape(document.documentElement) == _etree_shape(root)
    return root


def spoken(root: ET.Element) -> str:
    return " ".join(s.text or "" for s in root.iter("Say"))


def urls(root: ET.Element) -> list[str]:
    return [
        value
        for element in root.iter()
        for key, value in element.attrib.items()
        if key in ("action", "url", "statusCallback")
    ]


def local_path(url: str) -> str:
    """The path and query Twilio would request, as the app sees it behind the proxy."""
    assert url.startswith(PUBLIC + "/"), url
    parts = urlsplit(url)
    path = parts.path[len(urlsplit(PUBLIC).path) :]
    return f"{path}?{parts.query}" if parts.query else path


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@dataclass
class Held:
    call: Call
    volunteer: Volunteer
    patient: Patient


async def a_held_call(db: Database, *, offset: int = 0) -> Held:
    """A planned call held by a volunteer in the published week (the offset-th by time)."""
    async with db.transaction() as session:
        calls = (
            await session.scalars(
                select(Call)
                .where(Call.volunteer_id.is_not(None), Call.status == CallStatus.PLANNED)
                .order_by(Call.starts_at, Call.code)
            )
        ).all()
        call = calls[offset]
        volunteer = await session.get_one(Volunteer, call.volunteer_id)
        patient = await session.get_one(Patient, call.patient_id)
        return Held(call, volunteer, patient)


async def connect(twilio: Twilio, held: Held, at: datetime, sid: str) -> ET.Element:
    """Ring in as the holder at `at`, press the call's key; the TwiML that dials."""
    twilio.clock.now = at
    menu = await twilio.post("/twilio/voice", dial_in(held.volunteer.phone, sid))
    assert menu.status_code == 200, menu.text
    root = twiml(menu.text)
    said = spoken(root)
    key = dict(re.findall(r"For call (\w+), to [^,]+, [^,]+, press (\d)", said))[held.call.code]
    picked = await twilio.post(
        local_path(root.find("Gather").get("action")),
        dial_in(held.volunteer.phone, sid, Digits=key),
    )
    assert picked.status_code == 200, picked.text
    return twiml(picked.text)


__all__ = ["GROUP_NUMBER", "PUBLIC", "datetime"]


@asynccontextmanager
async def voice_app(db: Database, now: datetime, ringer: Ringer | None) -> AsyncIterator[Twilio]:
    """The real app, as `twilio_app`, with "Ring me now" placed through `ringer`."""
    clock = FixedClock(now)
    runtime = build_runtime(settings(), db=db, clock=clock, voice=ringer)
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Twilio(client, clock)
