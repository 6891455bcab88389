"""A patient's clear request to stop texting opts out; anything less clear reaches a person.

Issue 13, point 13: "Please stop", "opt out", "no more texts" and "🛑" used to go to the
organisers while the check-in texts kept coming; "stop calling me so early" used to opt out.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.sms.patients import asks_to_stop
from rota.storage import AuditEvent, Patient
from tests.support.sms import audit_actions
from tests.support.usecases import outbox

JOAN = "+447700900104"  # RP1005, a consenting mobile
CONFIRMATION = "You will get no more texts from Riverside PPG. Reply START to get them again."

CLEAR = [
    "Please stop",
    "please stop.",
    "Stop please!",
    "opt out",
    "Opt-out",
    "I want to opt out",
    "opt me out please",
    "no more texts",
    "No more messages, thank you",
    "\N{OCTAGONAL SIGN}",
    "\N{OCTAGONAL SIGN}\N{OCTAGONAL SIGN} please",
    "Stop texting me please",
    "Stop sending these please",
    "stop sending me texts",
    "Please stop the texts",
    "Stop messaging me",
    "Don't text me again",
    "Please do not send me any more messages",
    "I don't want these texts",
    "Unsubscribe me",
    "Please remove me from your list",
    "Could you stop texting me, thanks",
    "STOP IT",
]
AMBIGUOUS = [
    "stop calling me so early",
    "don't stop",
    "Please don't stop the calls",
    "no more calls",
    "I want to stop",
    "stop texting me before 9",
    "Stop. I'm in hospital this week",
    "Can the volunteer stop by on Friday?",
    "\N{OCTAGONAL SIGN} calling me",
    "don't \N{OCTAGONAL SIGN}",
    "not stop",
    "who is this? stop",
    "\N{THUMBS UP SIGN}",
]


@pytest.mark.parametrize("body", CLEAR)
def test_a_clear_request_to_stop_texting_is_read_as_an_opt_out(body):
    assert asks_to_stop(body)


@pytest.mark.parametrize("body", AMBIGUOUS)
def test_anything_less_clear_is_not_read_as_an_opt_out(body):
    assert not asks_to_stop(body)


async def opted_out_at(db):
    async with db.transaction() as session:
        return (
            await session.scalars(select(Patient.opted_out_at).where(Patient.ref == "RP1005"))
        ).one()


@pytest.mark.parametrize("body", ["Please stop", "opt out", "no more texts", "\N{OCTAGONAL SIGN}"])
async def test_a_patients_opt_out_phrase_opts_out_at_once_and_is_confirmed_once(week, body):
    assert await week.twilio.reply(JOAN, body) == CONFIRMATION
    assert await opted_out_at(week.db) == week.twilio.clock.now
    assert await week.twilio.reply(JOAN, body) == ""  # already out: no second confirmation
    assert (await audit_actions(week.db)).count("patient.opted_out") == 1
    async with week.db.transaction() as session:
        event = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "patient.opted_out")
            )
        ).one()
    assert event.detail == {"source": "opt-out phrase"}
    assert not [m for m in await outbox(week.db) if m.key.startswith("patient-reply:")]


@pytest.mark.parametrize("body", ["stop calling me so early", "don't stop", "no more calls"])
async def test_an_ambiguous_stop_reaches_the_organisers_and_texts_carry_on(week, body):
    reply = await week.twilio.reply(JOAN, body)
    assert reply.startswith("Thank you. Your message has gone to the Riverside PPG organisers.")
    assert await opted_out_at(week.db) is None
    [alert] = [m for m in await outbox(week.db) if m.key.startswith("patient-reply:")]
    assert alert.body == f"Text from patient RP1005: {body}"
