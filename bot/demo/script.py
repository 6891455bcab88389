"""The simulated people: what each one does, and when, through the real front-ends.

Telegram volunteers send commands and tap buttons through the PTB Application (updates fed to
`process_update`); SMS volunteers and patients text the signed Twilio webhook. Who plays which
part is chosen from the published rota, so the story holds whatever the planner decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from telegram import Update

from bot.demo import ringing
from bot.demo.transcript import patient_key, volunteer_key
from bot.demo.world import ORGANISER_TELEGRAM, World
from rota.buttons import TAKE
from rota.domain import CallStatus, ChannelKind
from rota.rules.ringing import may_ring
from rota.rules.timing import DUE_SOON, reoffer_from
from rota.services import snapshot
from rota.storage.rotas import Call

ACK_AFTER = timedelta(minutes=30)
CONCERN_NOTE = "seemed low"


@dataclass
class Roles:
    """Call ids (and people) that get a part other than "rang, all well"."""

    noanswer: int | None = None
    missed: int | None = None
    swap: tuple[int, int, int] | None = None  # call, giver, taker
    claim: tuple[int, int] | None = None  # open call, SMS volunteer
    concern: int | None = None
    stop: int | None = None  # patient id


@dataclass
class Script:
    world: World
    week: str
    monday: datetime  # the week's first day, local midnight
    roles: Roles = field(default_factory=Roles)
    ringing: ringing.Ringing = field(default_factory=ringing.Ringing)
    story: list[tuple[datetime, str]] = field(default_factory=list)
    done: set[str] = field(default_factory=set)  # one-off events already played
    handled: set[int] = field(default_factory=set)  # calls whose volunteer has acted
    looked: set[tuple[int, date]] = field(default_factory=set)
    concern_at: datetime | None = None
    actions: int = 0  # things people did: their effects need dispatching
    _calls: list[Call] | None = None  # only people's actions change calls: read after each

    # --- the front-ends, as a person uses them ----------------------------------------------

    def _name(self, vid: int) -> str:
        return self.world.volunteers[vid].name

    async def telegram(self, key: str, user: int, text: str) -> None:
        w = self.world
        self.world.transcript.did(key, text)
        first = w.transcript.people[key].name.split()[0]
        await self._process(w.bot_api.make_message_update(user, text, first_name=first))

    async def tap(self, key: str, user: int, data: str, what: str = "") -> bool:
        w = self.world
        first = w.transcript.people[key].name.split()[0]
        label = w.bot_api.label_of(user, data)
        update = w.bot_api.tap_update(user, first, data)
        if update is None:
            return False
        w.transcript.did(key, f"taps '{label}'{what}")
        await self._process(update)
        return True

    async def _process(self, data: dict[str, Any]) -> None:
        self.actions += 1
        self._calls = None
        app = self.world.app
        await app.process_update(Update.de_json(data, app.bot))

    async def text(self, key: str, phone: str, body: str) -> None:
        self.world.transcript.did(key, f"texts: {body}")
        self.actions += 1
        self._calls = None
        reply = await self.world.twilio.text(phone, body)
        if reply:
            self.world.transcript.sms(phone, reply)

    async def link_telegram_accounts(self, invites: dict[int, str]) -> None:
        """Each imported Telegram volunteer opens their personal link and shares their number."""
        w = self.world
        for vid, payload in invites.items():
            user, volunteer = w.telegram_ids[vid], w.volunteers[vid]
            first = volunteer.name.split()[0]
            start = f"/start {payload}"
            await self._process(w.bot_api.make_message_update(user, start, first_name=first))
            # Telegram sends one's own number without its plus sign.
            phone = volunteer.phone.lstrip("+")
            await self._process(w.bot_api.make_contact_update(user, phone, first_name=first))

    # --- choosing the parts -------------------------------------------------------------------

    async def calls(self) -> list[Call]:
        if self._calls is None:
            self._calls = await snapshot.week_calls(self.world.db, self.week)
        return self._calls

    async def cast(self) -> None:
        """Pick the calls and people for each part of the story from the published rota.

        No answer and the forgotten call fall on Monday, so the retry and both chasers happen
        within the week; the swap is one of the busiest Telegram volunteer's later calls; the
        SMS claim is an open call from Tuesday on, after it has been re-offered.
        """
        w = self.world
        calls = await self.calls()
        telegram = {v for v, x in w.volunteers.items() if x.channel == ChannelKind.TELEGRAM}
        held = [c for c in calls if c.volunteer_id is not None]
        by_volunteer: dict[int, list[Call]] = {}
        for call in held:
            by_volunteer.setdefault(call.volunteer_id or 0, []).append(call)
        first_day = held[0].starts_at.date() if held else None
        monday = [c for c in held if c.starts_at.date() == first_day and c.volunteer_id in telegram]
        if monday:
            self.roles.noanswer = monday[0].id
            others = [c for c in monday if c.volunteer_id != monday[0].volunteer_id]
            self.roles.missed = others[0].id if others else None
        givers = sorted(telegram & by_volunteer.keys(), key=lambda v: -len(by_volunteer[v]))
        for giver in givers[:1]:
            later = [c for c in by_volunteer[giver] if c.starts_at.date() != first_day]
            takers = sorted(
                (v for v in telegram if v != giver and later and self._may_ring(v, later[0])),
                key=lambda v: (len(by_volunteer.get(v, [])), self._name(v)),
            )
            if later and takers:
                self.roles.swap = (later[0].id, giver, takers[0])
        sms = sorted((v for v in w.volunteers if v not in telegram), key=self._name)
        claim_from = held[0].starts_at + timedelta(days=1) if held else None
        for call in calls:
            if call.volunteer_id is None and claim_from and call.starts_at > claim_from:
                claimer = next((v for v in sms if self._may_ring(v, call)), None)
                if claimer is not None:
                    self.roles.claim = (call.id, claimer)
                    break
        claimer_id = self.roles.claim[1] if self.roles.claim else None
        concern = [c for c in held if c.volunteer_id in sms and c.volunteer_id != claimer_id]
        self.roles.concern = concern[0].id if concern else None
        self.roles.stop = self._stopper(held)
        parts = {self.roles.noanswer, self.roles.missed, self.roles.concern}
        parts |= {self.roles.swap[0] if self.roles.swap else None}
        parts |= {self.roles.claim[0] if self.roles.claim else None}
        self.ringing = ringing.cast(self, held, parts)

    def _may_ring(self, vid: int, call: Call) -> bool:
        volunteer, patient = self.world.volunteers[vid], self.world.patients[call.patient_id]
        return may_ring(volunteer, patient, known_as=volunteer.phone)

    def _stopper(self, held: list[Call]) -> int | None:
        """A patient who gets check-in texts and has a second call later in the week."""
        days: dict[int, set[date]] = {}
        for call in held:
            days.setdefault(call.patient_id, set()).add(call.starts_at.date())
        for call in held:
            patient = self.world.patients[call.patient_id]
            if patient.textable and len(days[patient.id]) > 1:
                return patient.id
        return None

    # --- each tick ----------------------------------------------------------------------------

    def _once(self, name: str, at: datetime) -> bool:
        if name in self.done or self.world.clock.now < at:
            return False
        self.done.add(name)
        return True

    def _tell(self, text: str) -> None:
        self.story.append((self.world.clock.now, text))

    async def act(self) -> bool:
        """Whatever is due for the simulated people now; True if anyone did anything."""
        w, now, before = self.world, self.world.clock.now, self.actions
        calls = await self.calls()
        by_id = {c.id: c for c in calls}
        sunday = self.monday - timedelta(hours=13)  # the day before, 11:00
        if self.roles.swap and self._once("swap", sunday):
            swapped, giver, taker = self.roles.swap
            code = by_id[swapped].code
            await self.telegram(volunteer_key(giver), w.telegram_ids[giver], f"/swap {code}")
            self._tell(f"{self._name(giver)} offers call {code} for swap (Telegram /swap)")
        if self.roles.swap and self._once("take", sunday + timedelta(minutes=30)):
            swapped, giver, taker = self.roles.swap
            if await self.tap(volunteer_key(taker), w.telegram_ids[taker], TAKE.data(swapped)):
                self._tell(f"{self._name(taker)} takes the swap of {by_id[swapped].code}")
        if self.roles.claim:
            call_id, claimer = self.roles.claim
            offered = reoffer_from(by_id[call_id].starts_at) + timedelta(minutes=30)
            if self._once("claim", offered):
                code, phone = by_id[call_id].code, w.volunteers[claimer].phone
                await self.text(volunteer_key(claimer), phone, f"CLAIM {code}")
                self._tell(f"{self._name(claimer)} claims open call {code} by text")
        await self._patient_stop(calls)
        await self._acknowledge()
        await self._look_at_calls(calls)
        await ringing.act(self, calls)
        for call in calls:
            if call.volunteer_id and call.status == CallStatus.PLANNED and call.ends_at <= now:
                await self._outcome(call)
        return self.actions != before

    async def _patient_stop(self, calls: list[Call]) -> None:
        if self.roles.stop is None:
            return
        patient = self.world.patients[self.roles.stop]
        first = min(c.starts_at for c in calls if c.patient_id == patient.id)
        morning = first.astimezone(self.world.transcript.tz).replace(hour=9, minute=30)
        key = patient_key(patient.id)
        if self._once("stop", morning):
            await self.text(key, patient.phone, "STOP")
            self._tell(f"{patient.name} (a patient) replies STOP to the check-in text")
        if self._once("stop-again", morning + timedelta(minutes=15)):
            await self.text(key, patient.phone, "Stop")  # people do
            self._tell(f"{patient.name} texts STOP again: no second confirmation")

    async def _acknowledge(self) -> None:
        """The organiser taps the button under the concern alert, half an hour later."""
        if self.concern_at is None or not self._once("ack", self.concern_at + ACK_AFTER):
            return
        bot_api = self.world.bot_api
        for message in bot_api.messages:
            shown = message.payload.get("text", "")
            if message.chat_id == ORGANISER_TELEGRAM and shown.startswith("Concern"):
                for data in bot_api.buttons(message):
                    if data.startswith("ack:") and not message.deleted:
                        await self.tap("organiser", ORGANISER_TELEGRAM, data, " under the concern")
                        self._tell("the organiser acknowledges the concern (Telegram button)")
                        return

    async def _look_at_calls(self, calls: list[Call]) -> None:
        """Open /calls (or text CALLS) when the day's first "due now" reminder arrives."""
        w, now = self.world, self.world.clock.now
        for call in calls:
            vid = call.volunteer_id
            day = call.starts_at.date()
            if vid is None or call.status != CallStatus.PLANNED or (vid, day) in self.looked:
                continue
            if call.starts_at - DUE_SOON <= now < call.ends_at:
                self.looked.add((vid, day))
                if vid in w.telegram_ids:
                    await self.telegram(volunteer_key(vid), w.telegram_ids[vid], "/calls")
                else:
                    await self.text(volunteer_key(vid), w.volunteers[vid].phone, "CALLS")

    async def _outcome(self, call: Call) -> None:
        w, vid = self.world, call.volunteer_id
        if vid is None or call.id in self.handled:
            return
        self.handled.add(call.id)
        if call.id == self.roles.missed:
            self._tell(f"{self._name(vid)} forgets to log call {call.code}")
            return
        key, code = volunteer_key(vid), call.code
        if vid not in w.telegram_ids:
            if call.id == self.roles.concern:
                await self.text(key, w.volunteers[vid].phone, f"CONCERN {code} {CONCERN_NOTE}")
                self.concern_at = w.clock.now
                self._tell(f"{self._name(vid)} texts a concern about call {code}")
            else:
                await self.text(key, w.volunteers[vid].phone, f"DONE {code}")
                if self.roles.claim and call.id == self.roles.claim[0]:
                    self._tell(f"{self._name(vid)} rings, then texts DONE {code}")
            return
        verb = "noanswer" if call.id == self.roles.noanswer else "done"
        user = w.telegram_ids[vid]
        if not w.bot_api.has_button(user, f"{verb}:{call.id}"):
            await self.telegram(key, user, "/calls")  # the card is not on screen: open it
        tapped = await self.tap(key, user, f"{verb}:{call.id}", f" under {code}")
        if tapped and verb == "noanswer":
            self._tell(f"{self._name(vid)} logs no answer on {code}: a retry is booked")
