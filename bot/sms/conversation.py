"""Who texted, and what we answer: the SMS front-end over the channel-neutral commands.

Routing, once the message is known to be Twilio's and new (see webhook.py):

1. STOP and its synonyms opt the phone out of patient texts, whoever sent them.
2. A volunteer of the group gets volunteer commands (even if the phone is a patient's too).
3. A patient's texts go to rota.services.patient_replies.
4. Anyone else may sign up with "JOIN <code> <name>[, <availability>]" (one text, so no
   half-finished sign-up is ever stored) or gets a short explanation.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.commands import Command, Reply, execute
from bot.faults import APOLOGY, log_fault
from bot.sms.parser import Kind, Parsed
from bot.sms.patients import answer_patient
from rota.domain import DEFAULT_MAX_CALLS, ChannelKind
from rota.errors import Refused
from rota.phones import PhoneError, parse_phone
from rota.ports import Ringer
from rota.services import oversight, patient_replies
from rota.services.audit import Actor
from rota.services.identity import Asker, Organising, group_of, who_is
from rota.services.outcomes import EMERGENCY_LINE
from rota.services.patient_texts import gsm_plain
from rota.services.signup import Application, join
from rota.sms_text import measure
from rota.storage.db import Database
from rota.storage.people import Group

log = logging.getLogger(__name__)

USAGE = "Sorry, I did not understand that. Text HELP for what you can do, e.g. CALLS or OPEN."
CANCEL_HINT = " To hand back a call text RELEASE A3. CANCEL alone stops all our texts."
UNKNOWN_NUMBER = (
    "This is Ringround, for PPG volunteers. To help, text JOIN, your group code and your "
    "name, e.g. JOIN RIVER123 Jane Smith. We keep them only to arrange calls."
)
ORGANISER = (
    "Organisers: text ACK 12 to acknowledge alert 12 (ACK alone: the newest). For the rest "
    "please use Telegram or the ringround command."
)
NEW_VOLUNTEER = "Thank you, {name}! {group} will approve you soon."
ASK_AVAILABILITY = " Then say when you are free: AVAIL Mon 10:00-12:00"
FAULT = f"{APOLOGY}, or text HELP."
SIGN_UP_ACTOR = Actor("volunteer", None, "volunteer", "sms")


async def respond(
    db: Database,
    *,
    group: Group | None,
    sender: str,
    parsed: Parsed,
    body: str,
    key: str,
    now: datetime,
    allow_fictional: bool,
    ringer: Ringer | None = None,
) -> str | None:
    """The reply to text back (None: reply with nothing). `ringer` serves RING A3."""
    if group is None:  # a number we don't route and more than one group: only JOIN helps
        if parsed.kind == Kind.JOIN:
            return await _sign_up(db, sender, parsed, now, allow_fictional)
        return None if parsed.kind == Kind.STOP else UNKNOWN_NUMBER
    asker = await who_is(db, "sms", sender, group_id=group.id)
    volunteer_id = asker.volunteer.id if asker.volunteer is not None else None
    if parsed.kind == Kind.STOP:
        return await patient_replies.opt_out(
            db, group_id=group.id, phone=sender, key=key, now=now, volunteer_id=volunteer_id
        )
    if parsed.kind == Kind.ACK and asker.organiser is not None:  # as the Telegram button does
        return await _acknowledge(db, asker.organiser, parsed, now)
    if asker.volunteer is not None:
        return await _volunteer(db, asker, sender, parsed, now, ringer)
    if asker.patient_id is not None:
        return await answer_patient(
            db, group_id=group.id, phone=sender, parsed=parsed, body=body, key=key, now=now
        )
    if parsed.kind == Kind.JOIN:
        return await _sign_up(db, sender, parsed, now, allow_fictional)
    return ORGANISER if asker.organiser is not None else UNKNOWN_NUMBER


async def _volunteer(
    db: Database,
    asker: Asker,
    phone: str,
    parsed: Parsed,
    now: datetime,
    ringer: Ringer | None = None,
) -> str:
    assert asker.volunteer is not None
    group = asker.volunteer.group
    if parsed.kind == Kind.START:
        # Lifts an opt-out of the same phone as a patient; the carrier unblocks it itself.
        await patient_replies.opt_in(db, group_id=group.id, phone=phone, now=now)
        return "Texts are back on. Text HELP for what you can do."
    if parsed.kind == Kind.JOIN:
        return f"You are already signed up with {group.name}. Text HELP for what you can do."
    if parsed.kind == Kind.HELP:
        command = Command("help")
    elif parsed.kind == Kind.COMMAND and parsed.command is not None:
        command = parsed.command
    else:
        carrier_word = parsed.keyword in ("CANCEL", "END", "QUIT")
        return USAGE + (CANCEL_HINT if carrier_word else "")
    try:
        reply = await execute(db, asker, command, now=now, ringer=ringer)
    except Exception as error:  # a fault, not a refusal: its text is not for the volunteer
        log_fault(log, f"sms {command.verb}", error)
        reply = Reply(FAULT, ok=False)
    text = render(reply)
    if command.verb == "urgent" and "999" not in text:
        text = f"{EMERGENCY_LINE} {text}"  # even when the alert could not be raised
    return text


async def _acknowledge(db: Database, role: Organising, parsed: Parsed, now: datetime) -> str:
    try:
        return await oversight.acknowledge_by_text(
            db, role.group.id, role.organiser_id, parsed.alert, now=now
        )
    except Refused as refusal:
        return str(refusal)


def render(reply: Reply) -> str:
    """The reply with its actions as "Reply DONE A3" hints, kept to the segments it needs."""
    text = reply.text
    budget = max(1, measure(text).segments)
    hints: list[str] = []
    for row in reply.actions:
        for action in row:
            if "..." in action.sms or action.sms in hints:
                continue  # "CONCERN A3 ..." needs words the hint can't give
            candidate = f"{text}\nReply " + " or ".join([*hints, action.sms])
            if measure(candidate).segments > budget:
                return f"{text}\nReply " + " or ".join(hints) if hints else text
            hints.append(action.sms)
    return f"{text}\nReply " + " or ".join(hints) if hints else text


async def _sign_up(
    db: Database, sender: str, parsed: Parsed, now: datetime, allow_fictional: bool
) -> str:
    request = parsed.join
    if request is None or request.problem or not request.code or not request.name:
        return request.problem if request and request.problem else UNKNOWN_NUMBER
    try:
        phone = parse_phone(sender, allow_fictional=allow_fictional)
    except PhoneError:
        return "Sorry, this number cannot sign up by text. Please ask your organiser."
    application = Application(
        name=request.name,
        phone=phone.e164,
        channel=ChannelKind.SMS,
        availability=request.availability,
        max_calls=DEFAULT_MAX_CALLS,
        languages=["en"],
    )
    try:
        volunteer = await join(db, request.code, application, actor=SIGN_UP_ACTOR, now=now)
    except Refused as refusal:
        return str(refusal)
    group = await group_of(db, volunteer.group_id)
    # Plain GSM letters and clipped names keep the reply to one segment.
    first = gsm_plain(request.name.split()[0], 20) or "and welcome"
    thanks = NEW_VOLUNTEER.format(name=first, group=gsm_plain(group.name, 40))
    return thanks + ("" if request.availability else ASK_AVAILABILITY)
