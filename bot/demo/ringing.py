"""Two volunteers ring through the group's number in the demo (docs/calls.md).

One rings in during their call's window, presses the call's key and is connected: the patient
picks up and they talk. Another does the same but the patient does not answer: the no answer
is logged by itself and a retry is booked. Both go through the real voice webhooks with valid
signatures (bot/voice/webhook.py), as Twilio would post them.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.demo.phones import ACCOUNT_SID
from bot.demo.transcript import volunteer_key
from bot.voice.webhook import EMERGENCY
from rota.domain import CallStatus, Risk
from rota.rules.ringing import takes_calls
from rota.storage.rotas import Call

if TYPE_CHECKING:
    from bot.demo.script import Script

TALK = timedelta(minutes=12)  # how long the bridged call lasts
_sids = itertools.count(1)


@dataclass
class Ringing:
    """The two calls rung through the group's number, chosen from the published rota."""

    bridged: int | None = None
    unanswered: int | None = None


def _sid() -> str:
    return f"CA{next(_sids):032x}"


def _xml(twiml: str) -> ET.Element:
    return ET.fromstring(twiml)  # noqa: S314 - our own app's answer, in-process


def _said(twiml: str) -> str:
    return " ".join(s.text or "" for s in _xml(twiml).iter("Say"))


def cast(script: Script, held: list[Call], taken: set[int | None]) -> Ringing:
    """Two calls from Tuesday on, by two different active volunteers, in no other part."""
    w = script.world
    first_day = held[0].starts_at.date() if held else None
    free = [
        c
        for c in held
        if c.id not in taken
        and c.starts_at.date() != first_day
        and c.patient_id != script.roles.stop
        and takes_calls(w.volunteers[c.volunteer_id or 0].status)
    ]
    bridged = free[0] if free else None
    # not a high-risk patient: their missed retry would set off the make-up alerts as well
    others = [
        c
        for c in free
        if bridged
        and c.volunteer_id != bridged.volunteer_id
        and w.patients[c.patient_id].risk != Risk.HIGH
    ]
    return Ringing(bridged.id if bridged else None, others[0].id if others else None)


async def act(script: Script, calls: list[Call]) -> None:
    """Ring in at the first moment of each chosen call's window."""
    now = script.world.clock.now
    for call in calls:
        chosen = call.id in (script.ringing.bridged, script.ringing.unanswered)
        due = call.status == CallStatus.PLANNED and call.starts_at <= now < call.ends_at
        if chosen and due and script._once(f"ring:{call.id}", call.starts_at):
            await _dial_in(script, call, answered=call.id == script.ringing.bridged)


def _params(caller: str, to: str, sid: str, **extra: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "To": to,
        "Direction": "inbound",
        "CallStatus": "in-progress",
        "ApiVersion": "2010-04-01",
        **extra,
    }


async def _dial_in(script: Script, call: Call, *, answered: bool) -> None:
    w, vid = script.world, call.volunteer_id or 0
    twilio, t, key = w.twilio, w.transcript, volunteer_key(vid)
    phone, sid = w.volunteers[vid].phone, _sid()
    script.actions += 1
    script._calls = None
    menu = await twilio.voice("/twilio/voice", _params(phone, twilio.to_number, sid))
    options = dict(re.findall(r"For call (\w+), to [^,]+, [^,]+, press (\d)", _said(menu)))
    offered = re.search(rf"For call {call.code}, [^.]*\.", _said(menu))
    if call.code not in options or offered is None:
        raise RuntimeError("the phone menu did not offer the call")
    t.did(key, f'dials in: "{offered[0]}"')
    gather = _xml(menu).find("Gather")
    assert gather is not None
    picked = await twilio.voice(
        twilio.local(gather.get("action", "")),
        _params(phone, twilio.to_number, sid, Digits=options[call.code]),
    )
    dial = _xml(picked).find("Dial")
    if dial is None:
        raise RuntimeError("the key press did not connect the call")
    status, seconds = ("completed", int(TALK.total_seconds())) if answered else ("no-answer", 0)
    result = await twilio.voice(
        twilio.local(dial.get("action", "")),
        _params(
            phone,
            twilio.to_number,
            sid,
            DialCallSid=_sid(),
            DialCallStatus=status,
            DialCallDuration=str(seconds),
        ),
    )
    key_pressed = f"presses {options[call.code]}"
    if answered:  # what they hear next comes in their chat too ("Call B1 lasted 12 min ...")
        minutes = TALK.seconds // 60
        t.did(
            key, f"{key_pressed}: the patient, seeing the group's number, picks up; {minutes} min"
        )
    else:
        heard = _said(result).replace(EMERGENCY, "").strip()  # said every time: left out here
        t.did(key, f'{key_pressed}: the patient\'s phone rings out; then hears "{heard}"')
    # Twilio's status callback for the volunteer's own call, once they hang up
    await twilio.voice(
        f"/twilio/voice/status?call={call.id}",
        _params(
            phone,
            twilio.to_number,
            sid,
            CallStatus="completed",
            CallDuration=str(seconds + 40),
        ),
    )
    name = script._name(vid)
    if answered:
        script._tell(
            f"{name} rings call {call.code} through the group's number: connected, "
            f"{TALK.seconds // 60} minutes"
        )
    else:
        script.handled.add(call.id)
        script._tell(
            f"{name} rings call {call.code} through the group's number: no answer, "
            "logged by itself, and a retry is booked"
        )
