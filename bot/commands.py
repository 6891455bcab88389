"""Channel-neutral volunteer commands: Telegram and SMS both end up here.

A front-end turns its input (a tapped button, a typed /command, an SMS body) into a
`Command`, calls `execute`, and renders the `Reply`: Telegram shows `actions` as buttons,
SMS as "Reply CLAIM A3" hints. Only wording and keyboards differ between channels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rota.domain import OutcomeKind
from rota.errors import InvalidInput, Refused
from rota.phones import national
from rota.ports import Ringer, SendFailed
from rota.services import availability, calls, dialling, outcomes
from rota.services.calls import CallCard
from rota.storage.db import Database
from rota.storage.people import Group, Volunteer

VERBS = (
    "calls",
    "open",
    "claim",
    "swap",
    "take",
    "release",
    "done",
    "noanswer",
    "concern",
    "urgent",
    "declined",
    "avail",
    "pause",
    "resume",
    "ring",
    "help",
)
OUTCOME_VERBS = {
    "done": OutcomeKind.OK,
    "noanswer": OutcomeKind.NO_ANSWER,
    "concern": OutcomeKind.CONCERN,
    "urgent": OutcomeKind.URGENT,
    "declined": OutcomeKind.DECLINED,
}
NEEDS_CODE = {"claim", "swap", "take", "release", "ring", *OUTCOME_VERBS}


@dataclass(frozen=True)
class Command:
    verb: str
    code: str | None = None  # "A3"
    call_id: int | None = None  # from a button, re-checked like a code
    text: str | None = None  # note, availability or pause date


@dataclass(frozen=True)
class Action:
    label: str  # button text
    data: str  # Telegram callback data: "verb:id", ≤ 64 bytes
    sms: str  # what to text instead, e.g. "CLAIM A3"


@dataclass
class Reply:
    text: str
    actions: list[list[Action]] = field(default_factory=list)
    ok: bool = True


HELP = (
    "CALLS - your calls. OPEN - calls needing someone. CLAIM A3 - take an open call. "
    "SWAP A3 - offer yours. TAKE A3 - accept an offer. RELEASE A3 - hand one back. "
    "After a call: DONE A3, NOANSWER A3, CONCERN A3 words, URGENT A3 words, DECLINED A3. "
    "AVAIL Mon 10:00-12:00; PAUSE 2026-12-31; RESUME."
)

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


def parse_day(text: str, today: date) -> date:
    """'2026-12-31', '31/12', '31/12/2026', '31 Dec', '31 December 2026' -> a date."""
    cleaned = text.strip().lower().rstrip(".")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            return date.fromisoformat(cleaned)
        if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", cleaned):
            day, month, year = int(match[1]), int(match[2]), match[3]
        elif match := re.fullmatch(r"(\d{1,2})\s+([a-z]{3})[a-z]*(?:\s+(\d{4}))?", cleaned):
            day, month, year = int(match[1]), _MONTHS[match[2]], match[3]
        else:
            raise ValueError(cleaned)
        full_year = int(year) + (2000 if year and len(year) == 2 else 0) if year else today.year
        found = date(full_year, month, day)
        if year is None and found < today:  # "3 Jan" said in December means next year
            found = date(full_year + 1, month, day)
        return found
    except (ValueError, KeyError):
        raise InvalidInput(
            f"'{text.strip()}' is not a date I know. Try 2026-12-31 or 31/12."
        ) from None


def outcome_actions(card: CallCard) -> list[list[Action]]:
    c, i = card.code, card.call_id
    # With masked calls the patient's number is not shown: Ringround rings the volunteer.
    ring = [[Action("Ring me now", f"ring:{i}", f"RING {c}")]] if card.patient_phone is None else []
    return [
        *ring,
        [
            Action("All well", f"done:{i}", f"DONE {c}"),
            Action("No answer", f"noanswer:{i}", f"NOANSWER {c}"),
        ],
        [
            Action("Concern", f"concern:{i}", f"CONCERN {c} ..."),
            Action("URGENT", f"urgent:{i}", f"URGENT {c} ..."),
        ],
        [
            Action("Declined calls", f"declined:{i}", f"DECLINED {c}"),
            Action("Offer swap", f"swap:{i}", f"SWAP {c}"),
        ],
    ]


def card_text(card: CallCard) -> str:
    notes = f" Notes: {card.notes}" if card.notes else ""
    swap = " (offered for swap)" if card.swap_offered else ""
    if card.patient_phone is None:  # masked calls: rung through the group's number
        via = (
            f"ring {national(card.ring_via)}, choose the call"
            if card.ring_via
            else "ring the group"
        )
        how = f" ({via}, or RING {card.code} to be rung)"
    else:
        how = f" {card.patient_phone}"
    return f"{card.code} {card.when}: {card.patient_name}{how}.{notes}{swap}"


async def execute(
    db: Database,
    volunteer: Volunteer,
    group: Group,
    command: Command,
    *,
    channel: str,
    now: datetime,
    ringer: Ringer | None = None,
) -> Reply:
    """Run one command for a volunteer; a refusal becomes a polite reply, never an error.

    `ringer` places "Ring me now" calls (integrations/twilio_voice.py); None where the group's
    number cannot make calls."""
    try:
        if command.verb == "ring":
            return await _ring(db, volunteer, command, ringer=ringer, now=now)
        return await _run(db, volunteer, group, command, channel=channel, now=now)
    except Refused as refusal:
        return Reply(str(refusal), ok=False)


async def _ring(
    db: Database, volunteer: Volunteer, command: Command, *, ringer: Ringer | None, now: datetime
) -> Reply:
    if command.code is None and command.call_id is None:
        raise Refused("Which call? Add its code, e.g. RING A3.")
    plan = await dialling.plan_ring(
        db, volunteer.id, now=now, code=command.code, call_id=command.call_id
    )
    if ringer is None:
        raise Refused(
            "Ringing through the group's number is not set up. Please ask your organiser."
        )
    try:
        await ringer.ring_volunteer(
            volunteer_phone=plan.volunteer_phone,
            group_number=plan.group_number,
            call_id=plan.call_id,
        )
    except SendFailed:
        raise Refused(
            "Sorry, we could not ring you just now. Please try again in a minute."
        ) from None
    return Reply(f"Ringing you now for call {plan.code}. Answer and press 1 to be connected.")


async def _run(
    db: Database,
    volunteer: Volunteer,
    group: Group,
    command: Command,
    *,
    channel: str,
    now: datetime,
) -> Reply:
    verb, vid = command.verb, volunteer.id
    code, call_id = command.code, command.call_id
    if verb in NEEDS_CODE and command.code is None and command.call_id is None:
        raise Refused(f"Which call? Add its code, e.g. {verb.upper()} A3.")
    if verb == "calls":
        cards = await calls.my_calls(db, vid, channel=channel, now=now)
        if not cards:
            return Reply("You have no calls right now. OPEN shows calls that need someone.")
        return Reply(
            "Your calls:\n" + "\n".join(card_text(c) for c in cards),
            [row for c in cards for row in outcome_actions(c)[:1]],
        )
    if verb == "open":
        found = await calls.list_open_calls(db, vid, now=now)
        if not found:
            return Reply("No open calls right now. Thank you for checking!")
        lines = [f"{c.code} {c.when} ({c.language})" for c in found]
        actions = [
            [Action(f"Claim {c.code}", f"claim:{c.call_id}", f"CLAIM {c.code}")] for c in found
        ]
        return Reply("Open calls:\n" + "\n".join(lines), actions)
    if verb in ("claim", "take"):
        use_case = calls.claim_call if verb == "claim" else calls.take_swap
        card = await use_case(db, vid, channel=channel, now=now, code=code, call_id=call_id)
        return Reply(f"Call {card.code} is yours. " + card_text(card), outcome_actions(card))
    if verb == "swap":
        asked = await calls.offer_swap(
            db, vid, code=code, call_id=call_id, channel=channel, now=now
        )
        code = code or await calls.code_of(db, vid, call_id or 0, now=now)
        return Reply(
            f"Offered {code} to {asked} volunteer(s). It stays yours until someone takes it."
        )
    if verb == "release":
        code = await calls.release_call(
            db, vid, code=code, call_id=call_id, channel=channel, now=now
        )
        return Reply(f"Call {code} is handed back and open for others. Thank you for saying.")
    if verb in OUTCOME_VERBS:
        logged = await outcomes.record_outcome(
            db,
            vid,
            kind=OUTCOME_VERBS[verb],
            channel=channel,
            now=now,
            note=command.text,
            code=code,
            call_id=call_id,
        )
        return Reply(f"{logged.code}: {logged.follow_up}")
    if verb == "avail":
        if not command.text:
            current = "; ".join(volunteer.availability) or "none yet"
            return Reply(
                f"You are free: {current}. To change: AVAIL Mon 10:00-12:00; Thu 14:00-16:00"
            )
        windows = await availability.set_availability(
            db, vid, command.text, channel=channel, now=now
        )
        return Reply(f"Thank you. You are free: {windows}.")
    if verb == "pause":
        if not command.text:
            raise Refused("Until when? e.g. PAUSE 2026-12-31")
        today = now.astimezone(ZoneInfo(group.timezone)).date()
        until = parse_day(command.text, today)
        released = await availability.pause(db, vid, until=until, channel=channel, now=now)
        extra = f" {released} call(s) went back to the group." if released else ""
        return Reply(f"Paused until {until:%a %d %b}.{extra} RESUME when you are back.")
    if verb == "resume":
        await availability.resume(db, vid, channel=channel, now=now)
        return Reply("Welcome back! You are on the rota again.")
    return Reply(HELP)
