"""What patients text back: STOP, START, HELP, and anything else for a person to read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rota.sms_text import measure
from rota.storage import Escalation, Patient
from tests.support.sms import audit_actions
from tests.support.sms_snapshot import snapshot
from tests.support.usecases import notices

JOAN = "+447700900104"  # RP1005, a consenting mobile
BILL = "+447700900011"


async def patient(db, ref: str) -> Patient:
    async with db.transaction() as session:
        return (await session.scalars(select(Patient).where(Patient.ref == ref))).one()


async def organiser_alerts(db, prefix: str) -> list:
    return [m for m in await notices(db) if m.key.startswith(prefix)]


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOPALL",
        "Unsubscribe",
        "cancel",
        "END",
        "quit",
        "REVOKE",
        "optout",
        "Stop texting me please",
    ],
)
async def test_stop_and_its_synonyms_opt_the_patient_out_at_once(week, body):
    reply = await week.twilio.reply(JOAN, body)
    assert reply == "You will get no more texts from Riverside PPG. Reply START to get them again."
    assert (await patient(week.db, "RP1005")).opted_out_at == week.twilio.clock.now
    assert (await audit_actions(week.db)).count("patient.opted_out") == 1


async def test_a_second_stop_is_not_confirmed_again(week):
    assert await week.twilio.reply(JOAN, "STOP")
    assert await week.twilio.reply(JOAN, "STOP") == ""
    assert (await audit_actions(week.db)).count("patient.opted_out") == 1


async def test_start_opts_back_in(week):
    await week.twilio.reply(JOAN, "STOP")
    reply = await week.twilio.reply(JOAN, "start")
    assert reply == "Texts from Riverside PPG are back on. Reply STOP to stop them."
    assert (await patient(week.db, "RP1005")).opted_out_at is None
    assert "patient.opted_in" in await audit_actions(week.db)


async def test_yes_opts_back_in_only_someone_who_opted_out(week):
    await week.twilio.reply(JOAN, "Yes")  # answering the check-in text: for the organisers
    assert len(await organiser_alerts(week.db, "patient-reply:")) == 1
    await week.twilio.reply(JOAN, "STOP")
    assert "back on" in await week.twilio.reply(JOAN, "YES")
    assert (await patient(week.db, "RP1005")).opted_out_at is None


async def test_help_gives_the_practice_contact(week):
    reply = await week.twilio.reply(JOAN, "HELP")
    assert "+447700900999" in reply and "999" in reply
    assert measure(reply).segments == 1
    assert "patient.help" in await audit_actions(week.db)


async def test_anything_else_reaches_the_organisers_with_the_patients_ref(week):
    reply = await week.twilio.reply(JOAN, "Can the volunteer ring after 3 please? My hip is bad")
    assert reply.startswith("Thank you. Your message has gone to the Riverside PPG organisers.")
    [alert] = await organiser_alerts(week.db, "patient-reply:")
    assert alert.recipient_kind == "organiser"
    assert (
        alert.body
        == "Text from patient RP1005: Can the volunteer ring after 3 please? My hip is bad"
    )
    assert alert.buttons[0][0][1].startswith("ack:")
    async with week.db.transaction() as session:
        [escalation] = (await session.scalars(select(Escalation))).all()
    assert escalation.kind == "reply" and escalation.acknowledged_at is None
    assert "patient.reply" in await audit_actions(week.db)


async def test_a_patient_typing_a_volunteer_command_is_just_a_message(week):
    before_calls, *_ = await snapshot(week.db)
    await week.twilio.reply(JOAN, "done a1")
    assert [a.body for a in await organiser_alerts(week.db, "patient-reply:")] == [
        "Text from patient RP1005: done a1"
    ]
    assert (await snapshot(week.db))[0] == before_calls


async def test_after_stop_a_message_still_reaches_organisers_but_nothing_is_sent_back(week):
    await week.twilio.reply(JOAN, "STOP")
    assert await week.twilio.reply(JOAN, "Sorry, wrong button, please keep calling") == ""
    assert len(await organiser_alerts(week.db, "patient-reply:")) == 1


# Texts with no letters, and texts NFKC makes longer than 1,600 characters: each used to be
# dropped without a word to anyone (issue 13, point 6).
NO_LETTERS_OR_TOO_LONG = {
    "thumbs up": ("\N{THUMBS UP SIGN}", "\N{THUMBS UP SIGN}"),
    "question mark": ("?", "?"),
    "a number": ("123", "123"),
    "a ring-back number": ("07700 900123", "07700 900123"),
    "empty": ("  ", "(an empty text)"),
    "control characters only": ("\x01\x02", "(an empty text)"),
    # 500 characters that NFKC turns into 2,000 ("\u337f" is four letters in one square).
    "long once normalised": ("\u337f" * 500, "\u337f" * 500),
    "ligatures, 1,800 once normalised": ("\ufb00" * 900, "\ufb00" * 600 + "..."),
}


@pytest.mark.parametrize(
    ("body", "quoted"), NO_LETTERS_OR_TOO_LONG.values(), ids=NO_LETTERS_OR_TOO_LONG.keys()
)
async def test_a_text_with_no_letters_or_too_long_once_normalised_still_reaches_the_organisers(
    week, body, quoted
):
    reply = await week.twilio.reply(JOAN, body)
    assert reply.startswith("Thank you. Your message has gone to the Riverside PPG organisers.")
    [alert] = await organiser_alerts(week.db, "patient-reply:")
    assert alert.body == f"Text from patient RP1005: {quoted}"
    async with week.db.transaction() as session:
        [escalation] = (await session.scalars(select(Escalation))).all()
    assert escalation.kind == "reply" and escalation.acknowledged_at is None


async def make_bill_a_patient_too(db) -> None:
    async with db.transaction() as session:
        joan = (await session.scalars(select(Patient).where(Patient.ref == "RP1005"))).one()
        joan.phone = BILL


async def test_a_volunteer_who_is_also_a_patient_gets_volunteer_commands(week):
    await make_bill_a_patient_too(week.db)
    assert (await week.twilio.reply(BILL, "CALLS")).startswith("Your calls:")
    assert (await week.twilio.reply(BILL, "help")).startswith("CALLS - your calls.")
    assert not await organiser_alerts(week.db, "patient-reply:")


async def test_stop_from_a_volunteer_who_is_also_a_patient_opts_the_number_out(week):
    await make_bill_a_patient_too(week.db)
    reply = await week.twilio.reply(BILL, "STOP")
    assert "no more texts" in reply and "START" in reply
    assert (await patient(week.db, "RP1005")).opted_out_at is not None
    [told] = await organiser_alerts(week.db, "sms-stop:")
    assert "Bill Carter texted STOP" in told.body
    assert "Texts are back on" in await week.twilio.reply(BILL, "START")
    assert (await patient(week.db, "RP1005")).opted_out_at is None
