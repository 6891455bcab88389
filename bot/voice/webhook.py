"""Twilio Voice webhooks: calls to and from the group's number (docs/calls.md).

* `POST /twilio/voice` answers a call to the group's number (a volunteer dialling in) and each
  key press after it; with `?step=ring&call=ID` it answers a "Ring me now" call we placed.
  A patient ringing in during their call's window is put through to its volunteer, who
  hears a whisper (`?step=whisper`) and presses 1 (`?step=accept`) before being connected.
* `POST /twilio/voice/dial?call=ID` is the `<Dial action>`: how ringing the patient went
  (`&step=back`: how a patient's ring-back to the volunteer went).
* `POST /twilio/voice/status` takes call status callbacks (logged, nothing acted on).

Every request is refused with 403 unless X-Twilio-Signature proves Twilio sent it, exactly as
for SMS (bot/sms/webhook.py). URLs carry our call id and a step, never a phone number: the
patient's number appears only inside the `<Number>` of the TwiML that connects the call,
and a volunteer's number only inside the `<Number>` that puts a patient through to them.
Logs carry ids only.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.twiml.voice_response import VoiceResponse

from bot.runtime import Runtime
from bot.sms.webhook import verified_form
from bot.twilio_signature import public_url
from rota.errors import Refused
from rota.services import dialling
from rota.services.identity import group_for_number
from rota.storage import inbound
from rota.storage.people import Group

log = logging.getLogger(__name__)

_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")
_CALL_ID = re.compile(r"[1-9]\d{0,17}")
_STATUS = re.compile(r"[a-z-]{1,16}")
LANGUAGE = "en-GB"
GATHER_SECONDS = 8  # to press a key after the menu
RING_SECONDS = 30  # the patient's phone rings this long before it counts as no answer
EMERGENCY = "In an emergency, hang up and dial 999."
END_BRIDGE = "Press star at any time to end the call."


def _xml(response: VoiceResponse) -> Response:
    return Response(str(response), media_type="application/xml")


def _say(text: str) -> Response:
    response = VoiceResponse()
    response.say(text, language=LANGUAGE)
    response.hangup()
    return _xml(response)


def _organiser_line(menu: dialling.Menu) -> str:
    if menu.organiser_phone:
        return "To reach an organiser, press 0."
    return "To reach an organiser, message them in Telegram or by text."


class _Hooks:
    """The voice webhooks over one runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def url(self, path: str, query: str = "") -> str:
        return public_url(str(self.runtime.settings.public_base_url), path, query)

    def dial_patient(
        self, response: VoiceResponse, bridge: dialling.Bridge, our_number: str
    ) -> None:
        response.say(f"Connecting you for call {bridge.code}. {END_BRIDGE}", language=LANGUAGE)
        dial = response.dial(
            caller_id=our_number,  # the group's number: the patient never sees the volunteer's
            answer_on_bridge=True,
            timeout=RING_SECONDS,
            time_limit=bridge.time_limit_s,
            hangup_on_star=True,
            action=self.url("/twilio/voice/dial", f"call={bridge.call_id}"),
            method="POST",
        )
        dial.number(bridge.patient_phone)

    def dial_volunteer(
        self, response: VoiceResponse, back: dialling.RingBack, our_number: str
    ) -> None:
        response.say("Putting you through to your volunteer. Please hold.", language=LANGUAGE)
        dial = response.dial(
            caller_id=our_number,  # neither sees the other's number
            answer_on_bridge=True,  # the patient hears ringing until the volunteer takes it
            timeout=RING_SECONDS,
            time_limit=back.time_limit_s,
            action=self.url("/twilio/voice/dial", f"call={back.call_id}&step=back"),
            method="POST",
        )
        # The whisper asks for a key, so a volunteer's voicemail never takes the patient.
        dial.number(
            back.volunteer_phone,
            url=self.url("/twilio/voice", f"step=whisper&call={back.call_id}"),
            method="POST",
        )

    async def voice(self, request: Request) -> Response:
        form = await verified_form(request, self.runtime.settings)
        if form is None:
            return Response(status_code=403)
        if not _CALL_SID.fullmatch(form.get("CallSid", "")):
            return Response(status_code=400)
        outbound = form.get("Direction", "inbound").startswith("outbound")
        # A call we placed runs from the group's number to the volunteer; a dial-in the other way.
        our_number = form.get("From", "") if outbound else form.get("To", "")
        caller = form.get("To", "") if outbound else form.get("From", "")
        group = await group_for_number(self.runtime.db, our_number)
        if group is None:
            return _say("Sorry, this number is not in service. Goodbye.")
        step = request.query_params.get("step", "")
        call_id = request.query_params.get("call", "")
        try:
            if step in ("ring", "connect") and _CALL_ID.fullmatch(call_id):
                return await self._rung(group, caller, our_number, int(call_id), step, form)
            if step in ("whisper", "accept") and _CALL_ID.fullmatch(call_id):
                return await self._whisper(group, caller, int(call_id), step, form)
            if step == "pick":
                return await self._picked(group, caller, our_number, form.get("Digits", ""))
            return await self._menu(group, caller, our_number, form["CallSid"])
        except Refused as refused:
            return _say(str(refused))

    async def _menu(self, group: Group, caller: str, our_number: str, call_sid: str) -> Response:
        menu = await dialling.dial_in_menu(
            self.runtime.db, group, caller=caller, now=self.runtime.clock(), call_sid=call_sid
        )
        response = VoiceResponse()
        if menu.ring_back is not None:
            log.info(
                "voice: a patient ringing back put through for call %s", menu.ring_back.call_id
            )
            self.dial_volunteer(response, menu.ring_back, our_number)
            return _xml(response)
        if menu.volunteer_id is None:
            log.info("voice: call from an unregistered number refused")
            return _say(menu.message or "")
        gather = response.gather(
            num_digits=1,
            timeout=GATHER_SECONDS,
            action=self.url("/twilio/voice", "step=pick"),
            method="POST",
        )
        lines = [f"This is {group.name}."]
        if menu.message:
            lines.append(menu.message)
        for index, call in enumerate(menu.calls, start=1):
            lines.append(f"For call {call.code}, to {call.first_name}, {call.when}, press {index}.")
        lines += [_organiser_line(menu), EMERGENCY]
        gather.say(" ".join(lines), language=LANGUAGE)
        response.say("We did not hear a key. Goodbye.", language=LANGUAGE)
        response.hangup()
        return _xml(response)

    async def _picked(self, group: Group, caller: str, our_number: str, digits: str) -> Response:
        at = self.runtime.clock()
        menu = await dialling.dial_in_menu(self.runtime.db, group, caller=caller, now=at)
        if menu.volunteer_id is None:
            return _say(menu.message or "Goodbye.")
        response = VoiceResponse()
        if digits == "0" and menu.organiser_phone:
            response.say("Connecting you to an organiser.", language=LANGUAGE)
            dial = response.dial(caller_id=our_number, timeout=RING_SECONDS, time_limit=30 * 60)
            dial.number(menu.organiser_phone)
            return _xml(response)
        if not digits.isdigit() or not 1 <= int(digits) <= len(menu.calls):
            return _say(f"That key is not one of the choices. {EMERGENCY} Goodbye.")
        chosen = menu.calls[int(digits) - 1]
        bridge = await dialling.bridge(
            self.runtime.db,
            group,
            volunteer_phone=caller,
            call_id=chosen.call_id,
            channel="voice",
            now=at,
        )
        log.info("voice: volunteer %s connected for call %s", bridge.volunteer_id, bridge.call_id)
        self.dial_patient(response, bridge, our_number)
        return _xml(response)

    async def _rung(
        self,
        group: Group,
        volunteer_phone: str,
        our_number: str,
        call_id: int,
        step: str,
        form: dict[str, str],
    ) -> Response:
        at = self.runtime.clock()
        response = VoiceResponse()
        if step == "ring":
            offer = await dialling.ring_offer(
                self.runtime.db, group, volunteer_phone=volunteer_phone, call_id=call_id, now=at
            )
            # A key press proves a person answered: a voicemail never gets connected.
            gather = response.gather(
                num_digits=1,
                timeout=GATHER_SECONDS,
                action=self.url("/twilio/voice", f"step=connect&call={offer.call_id}"),
                method="POST",
            )
            gather.say(
                f"This is {group.name}. Press 1 to be connected for call {offer.code}, "
                f"to {offer.first_name}. {EMERGENCY}",
                language=LANGUAGE,
            )
            response.say("We did not hear a key. Goodbye.", language=LANGUAGE)
            response.hangup()
            return _xml(response)
        if form.get("Digits") != "1":
            return _say("Not connected. Goodbye.")
        bridge = await dialling.bridge(
            self.runtime.db,
            group,
            volunteer_phone=volunteer_phone,
            call_id=call_id,
            channel="voice",
            now=at,
        )
        log.info("voice: volunteer %s connected for call %s", bridge.volunteer_id, bridge.call_id)
        self.dial_patient(response, bridge, our_number)
        return _xml(response)

    async def _whisper(
        self, group: Group, volunteer_phone: str, call_id: int, step: str, form: dict[str, str]
    ) -> Response:
        """The volunteer's end of a patient's ring-back, before the two are connected."""
        db, now = self.runtime.db, self.runtime.clock()
        response = VoiceResponse()
        if step == "whisper":
            code = await dialling.ring_back_whisper(
                db, group, volunteer_phone=volunteer_phone, call_id=call_id, now=now
            )
            gather = response.gather(
                num_digits=1,
                timeout=GATHER_SECONDS,
                action=self.url("/twilio/voice", f"step=accept&call={call_id}"),
                method="POST",
            )
            gather.say(
                f"Ringround: your patient for call {code} is calling back. "
                "Press 1 to take the call.",
                language=LANGUAGE,
            )
            response.hangup()  # no key: not taken, and the patient hears the practice's number
            return _xml(response)
        if form.get("Digits") != "1":
            response.hangup()
            return _xml(response)
        # Remembered for the <Dial action>, which cannot tell a taken call from a declined one.
        claim = await inbound.claim(db, "voice-accept", form["CallSid"], group_id=group.id, now=now)
        if claim is not None:
            await inbound.handled(db, claim, now=now)
        log.info("voice: ring-back for call %s taken", call_id)
        return _xml(response)  # an empty answer ends the whisper: the two are connected

    async def dialled(self, request: Request) -> Response:
        form = await verified_form(request, self.runtime.settings)
        if form is None:
            return Response(status_code=403)
        parent = form.get("CallSid", "")
        call_id = request.query_params.get("call", "")
        if not _CALL_SID.fullmatch(parent) or not _CALL_ID.fullmatch(call_id):
            return Response(status_code=400)
        leg = form.get("DialCallSid", "")
        provider_id = leg if _CALL_SID.fullmatch(leg) else parent
        outbound = form.get("Direction", "inbound").startswith("outbound")
        our_number = form.get("From", "") if outbound else form.get("To", "")
        caller = form.get("To", "") if outbound else form.get("From", "")
        now = self.runtime.clock()
        group = await group_for_number(self.runtime.db, our_number)
        if group is None:
            return _say("Goodbye.")
        claim = await inbound.claim(
            self.runtime.db, "voice-dial", provider_id, group_id=group.id, now=now
        )
        if claim is None:
            log.info("voice dial result repeated for call %s: ignored", call_id)
            return _say("Thank you. Goodbye.")
        duration = form.get("DialCallDuration", "0")
        seconds = int(duration) if duration.isdigit() else 0
        if request.query_params.get("step") == "back":
            return await self._rung_back(
                group, form, int(call_id), provider_id, seconds, claim, now
            )
        try:
            result = await dialling.record_dial(
                self.runtime.db,
                group,
                call_id=int(call_id),
                volunteer_phone=caller,
                provider_id=provider_id,
                status=form.get("DialCallStatus", ""),
                seconds=seconds,
                now=now,
            )
        except Exception as exc:  # rolled back: let Twilio's retry have another go
            await inbound.withdraw(self.runtime.db, claim)
            log.error("voice dial result for call %s failed: %s", call_id, type(exc).__name__)
            return Response(status_code=500)
        await inbound.handled(self.runtime.db, claim, now=now)
        log.info("voice dial result for call %s recorded", call_id)
        return _say(f"{result.said} {EMERGENCY}")

    async def _rung_back(
        self,
        group: Group,
        form: dict[str, str],
        call_id: int,
        provider_id: str,
        seconds: int,
        claim: int,
        now: datetime,
    ) -> Response:
        db = self.runtime.db
        try:
            said = await dialling.record_ring_back(
                db,
                group,
                call_id=call_id,
                patient_phone=form.get("From", ""),
                provider_id=provider_id,
                status=form.get("DialCallStatus", ""),
                seconds=seconds,
                accepted=await inbound.was_claimed(db, "voice-accept", provider_id),
                call_sid=form["CallSid"],
                now=now,
            )
        except Exception as exc:  # rolled back: let Twilio's retry have another go
            await inbound.withdraw(db, claim)
            log.error("voice ring-back result for call %s failed: %s", call_id, type(exc).__name__)
            return Response(status_code=500)
        await inbound.handled(db, claim, now=now)
        log.info("voice ring-back result for call %s recorded", call_id)
        return _say(said)

    async def status(self, request: Request) -> Response:
        form = await verified_form(request, self.runtime.settings)
        if form is None:
            return Response(status_code=403)
        sid, state = form.get("CallSid", ""), form.get("CallStatus", "")
        call_id = request.query_params.get("call", "")
        if _CALL_SID.fullmatch(sid) and _STATUS.fullmatch(state) and _CALL_ID.fullmatch(call_id):
            # Statuses may repeat or come out of order: nothing depends on them but the log
            # (attempts come from the <Dial> action, which Twilio sends once per dial).
            log.info("voice status %s for call %s", state, call_id)
        return Response(status_code=204)


def routes(runtime: Runtime) -> list[Route]:
    hooks = _Hooks(runtime)
    return [
        Route("/twilio/voice", hooks.voice, methods=["POST"]),
        Route("/twilio/voice/dial", hooks.dialled, methods=["POST"]),
        Route("/twilio/voice/status", hooks.status, methods=["POST"]),
    ]
