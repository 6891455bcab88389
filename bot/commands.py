"""Channel-neutral volunteer commands: Telegram and SMS both end up here.

A front-end turns its input (a tapped button, a typed /command, an SMS body) into a
`Command`, calls `execute`, and renders the `Reply`: Telegram shows `actions` as buttons,
SMS as "Reply CLAIM A3" hints. Only wording and keyboards differ between channels.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rota import buttons
from rota.buttons import Button
from rota.domain import OutcomeKind
from rota.errors import InvalidInput, Refused
from rota.phones import national
from rota.ports import Ringer, SendFailed
from rota.services import availability, calls, dialling, outcomes
from rota.services.calls import CallCard
from rota.services.identity import Asker, Volunteering
from rota.storage.db import Database


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


@dataclass(frozen=True)
class Asking:
    """One command's circumstances: the volunteer (never a row), channel and clock."""

    db: Database
    volunteer: Volunteering
    channel: str
    now: datetime
    ringer: Ringer | None = None  # places "Ring me now" calls; None where it cannot


Handler = Callable[[Asking, Command], Awaitable[Reply]]


@dataclass(frozen=True)
class Verb:
    """One thing a volunteer can do, declared once for every channel."""

    name: str  # as in Command.verb and in button data
    keyword: str  # what to text, e.g. CLAIM (bot/sms/parser.py adds synonyms)
    handler: Handler
    needs_code: bool = False  # which call: a code typed, or the call id of a button
    button: Button | None = None  # the button it may come by, carrying the call's id
    note: bool = False  # needs a few words: Telegram asks for them, SMS says "CONCERN A3 ..."

    def __post_init__(self) -> None:
        assert self.button is None or self.button.verb == self.name, self.name

    def action(self, label: str, call_id: int, code: str) -> Action:
        assert self.button is not None, f"{self.name} has no button"
        words = " ..." if self.note else ""
        return Action(label, self.button.data(call_id), f"{self.keyword} {code}{words}")


def outcome_actions(card: CallCard) -> list[list[Action]]:
    c, i = card.code, card.call_id

    def act(verb: str, label: str) -> Action:
        return VERBS[verb].action(label, i, c)

    # With masked calls the patient's number is not shown: Ringround rings the volunteer.
    ring = [[act("ring", "Ring me now")]] if card.patient_phone is None else []
    return [
        *ring,
        [act("done", "All well"), act("noanswer", "No answer")],
        [act("concern", "Concern"), act("urgent", "URGENT")],
        [act("declined", "Declined calls"), act("swap", "Offer swap")],
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


async def _my_calls(ask: Asking, command: Command) -> Reply:
    cards = await calls.my_calls(ask.db, ask.volunteer.id, channel=ask.channel, now=ask.now)
    if not cards:
        return Reply("You have no calls right now. OPEN shows calls that need someone.")
    return Reply(
        "Your calls:\n" + "\n".join(card_text(c) for c in cards),
        [row for c in cards for row in outcome_actions(c)[:1]],
    )


async def _open_calls(ask: Asking, command: Command) -> Reply:
    found = await calls.list_open_calls(ask.db, ask.volunteer.id, now=ask.now)
    if not found:
        return Reply("No open calls right now. Thank you for checking!")
    lines = [f"{c.code} {c.when} ({c.language})" for c in found]
    claim = VERBS["claim"]
    actions = [[claim.action(f"Claim {c.code}", c.call_id, c.code)] for c in found]
    return Reply("Open calls:\n" + "\n".join(lines), actions)


async def _claim(ask: Asking, command: Command) -> Reply:
    use_case = calls.claim_call if command.verb == "claim" else calls.take_swap
    card = await use_case(
        ask.db,
        ask.volunteer.id,
        channel=ask.channel,
        now=ask.now,
        code=command.code,
        call_id=command.call_id,
    )
    return Reply(f"Call {card.code} is yours. " + card_text(card), outcome_actions(card))


async def _swap(ask: Asking, command: Command) -> Reply:
    vid, code, call_id = ask.volunteer.id, command.code, command.call_id
    asked = await calls.offer_swap(
        ask.db, vid, code=code, call_id=call_id, channel=ask.channel, now=ask.now
    )
    code = code or await calls.code_of(ask.db, vid, call_id or 0, now=ask.now)
    return Reply(f"Offered {code} to {asked} volunteer(s). It stays yours until someone takes it.")


async def _release(ask: Asking, command: Command) -> Reply:
    code = await calls.release_call(
        ask.db,
        ask.volunteer.id,
        code=command.code,
        call_id=command.call_id,
        channel=ask.channel,
        now=ask.now,
    )
    return Reply(f"Call {code} is handed back and open for others. Thank you for saying.")


OUTCOME_VERBS = {
    "done": OutcomeKind.OK,
    "noanswer": OutcomeKind.NO_ANSWER,
    "concern": OutcomeKind.CONCERN,
    "urgent": OutcomeKind.URGENT,
    "declined": OutcomeKind.DECLINED,
}


async def _outcome(ask: Asking, command: Command) -> Reply:
    logged = await outcomes.record_outcome(
        ask.db,
        ask.volunteer.id,
        kind=OUTCOME_VERBS[command.verb],
        channel=ask.channel,
        now=ask.now,
        note=command.text,
        code=command.code,
        call_id=command.call_id,
    )
    return Reply(f"{logged.code}: {logged.follow_up}")


async def _availability(ask: Asking, command: Command) -> Reply:
    if not command.text:
        current = "; ".join(ask.volunteer.availability) or "none yet"
        return Reply(f"You are free: {current}. To change: AVAIL Mon 10:00-12:00; Thu 14:00-16:00")
    windows = await availability.set_availability(
        ask.db, ask.volunteer.id, command.text, channel=ask.channel, now=ask.now
    )
    return Reply(f"Thank you. You are free: {windows}.")


async def _pause(ask: Asking, command: Command) -> Reply:
    if not command.text:
        raise Refused("Until when? e.g. PAUSE 2026-12-31")
    today = ask.now.astimezone(ZoneInfo(ask.volunteer.group.timezone)).date()
    until = parse_day(command.text, today)
    released = await availability.pause(
        ask.db, ask.volunteer.id, until=until, channel=ask.channel, now=ask.now
    )
    extra = f" {released} call(s) went back to the group." if released else ""
    return Reply(f"Paused until {until:%a %d %b}.{extra} RESUME when you are back.")


async def _resume(ask: Asking, command: Command) -> Reply:
    await availability.resume(ask.db, ask.volunteer.id, channel=ask.channel, now=ask.now)
    return Reply("Welcome back! You are on the rota again.")


async def _ring(ask: Asking, command: Command) -> Reply:
    plan = await dialling.plan_ring(
        ask.db, ask.volunteer.id, now=ask.now, code=command.code, call_id=command.call_id
    )
    if ask.ringer is None:
        raise Refused(
            "Ringing through the group's number is not set up. Please ask your organiser."
        )
    try:
        await ask.ringer.ring_volunteer(
            volunteer_phone=plan.volunteer_phone,
            group_number=plan.group_number,
            call_id=plan.call_id,
        )
    except SendFailed:
        raise Refused(
            "Sorry, we could not ring you just now. Please try again in a minute."
        ) from None
    return Reply(f"Ringing you now for call {plan.code}. Answer and press 1 to be connected.")


async def _help(ask: Asking, command: Command) -> Reply:
    return Reply(HELP)


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        Verb("calls", "CALLS", _my_calls),
        Verb("open", "OPEN", _open_calls),
        Verb("claim", "CLAIM", _claim, needs_code=True, button=buttons.CLAIM),
        Verb("swap", "SWAP", _swap, needs_code=True, button=buttons.SWAP),
        Verb("take", "TAKE", _claim, needs_code=True, button=buttons.TAKE),
        Verb("release", "RELEASE", _release, needs_code=True),
        Verb("done", "DONE", _outcome, needs_code=True, button=buttons.DONE),
        Verb("noanswer", "NOANSWER", _outcome, needs_code=True, button=buttons.NO_ANSWER),
        Verb("concern", "CONCERN", _outcome, needs_code=True, button=buttons.CONCERN, note=True),
        Verb("urgent", "URGENT", _outcome, needs_code=True, button=buttons.URGENT, note=True),
        Verb("declined", "DECLINED", _outcome, needs_code=True, button=buttons.DECLINED),
        Verb("avail", "AVAIL", _availability),
        Verb("pause", "PAUSE", _pause),
        Verb("resume", "RESUME", _resume),
        Verb("ring", "RING", _ring, needs_code=True, button=buttons.RING),
        Verb("help", "HELP", _help),
    )
}
NEEDS_CODE = frozenset(name for name, verb in VERBS.items() if verb.needs_code)
assert set(OUTCOME_VERBS) <= set(VERBS)


def volunteer_buttons(*, with_note: bool) -> list[Button]:
    """The volunteers' buttons, those asking for a note or the others."""
    return [
        verb.button for verb in VERBS.values() if verb.button is not None and verb.note == with_note
    ]


async def execute(
    db: Database,
    asker: Asker,
    command: Command,
    *,
    now: datetime,
    ringer: Ringer | None = None,
) -> Reply:
    """Run one command for the volunteer asking; a refusal becomes a polite reply, never an
    error. `ringer` places "Ring me now" calls (integrations/twilio_voice.py)."""
    if asker.volunteer is None:
        return Reply("Only volunteers can do that.", ok=False)
    verb = VERBS.get(command.verb, VERBS["help"])
    ask = Asking(db, asker.volunteer, asker.channel, now, ringer)
    try:
        if verb.needs_code and command.code is None and command.call_id is None:
            raise Refused(f"Which call? Add its code, e.g. {verb.keyword} A3.")
        return await verb.handler(ask, command)
    except Refused as refusal:
        return Reply(str(refusal), ok=False)
