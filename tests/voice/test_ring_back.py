"""A patient rings the group's number back: in their call's window they reach its volunteer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from rota.domain import CallStatus, OutcomeKind, VolunteerStatus
from rota.rules.timing import DIAL_MARGIN
from rota.storage import AuditEvent, Call, CallAttempt, OutboxMessage, Outcome, Volunteer
from tests.support.sms import GROUP_NUMBER
from tests.support.voice import (
    Held,
    a_held_call,
    call_sid,
    dial_in,
    dialled_leg,
    local_path,
    query,
    spoken,
    twiml_checked,
    urls,
)


async def _all(db, model):
    async with db.transaction() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


async def _told_organisers(db) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.key.like("patient-rang:%"))
            )
        )


async def _alone_in_window(db) -> Held:
    """A held call whose patient has no other call near it, held by an active volunteer."""
    for offset in range(40):
        held = await a_held_call(db, offset=offset)
        async with db.transaction() as session:
            theirs = (
                await session.scalars(select(Call).where(Call.patient_id == held.patient.id))
            ).all()
        near = [
            c
            for c in theirs
            if c.id != held.call.id and abs(c.starts_at - held.call.starts_at) < timedelta(days=1)
        ]
        if not near and held.volunteer.status == VolunteerStatus.ACTIVE:
            return held
    raise AssertionError("no lone call in the published week")


async def _ring_in(week, held: Held, sid: str):
    response = await week.twilio.post("/twilio/voice", dial_in(held.patient.phone, sid))
    assert response.status_code == 200, response.text
    return response.text, twiml_checked(response.text)


async def test_in_the_window_the_patient_is_put_through_to_the_volunteer_who_takes_it(week):
    held = await _alone_in_window(week.db)
    week.twilio.clock.now = held.call.starts_at + timedelta(minutes=25)  # missed, rings back
    sid = call_sid()
    text, root = await _ring_in(week, held, sid)
    assert root.find(".//Gather") is None
    dial = root.find("Dial")
    assert dial.get("callerId") == GROUP_NUMBER
    assert dial.get("answerOnBridge") == "true"
    assert int(dial.get("timeout")) >= 15 and dial.get("timeLimit") == str(60 * 60)
    assert query(dial.get("action")) == {"call": [str(held.call.id)], "step": ["back"]}
    (number,) = dial.iter("Number")
    assert number.text == held.volunteer.phone
    # the volunteer's number is in the TwiML once, inside <Number>; the patient's not at all
    assert text.count(held.volunteer.phone) == 1 and held.patient.phone not in text
    assert held.volunteer.name not in spoken(root)
    whisper_url = number.get("url")
    assert query(whisper_url) == {"step": ["whisper"], "call": [str(held.call.id)]}
    for url in [*urls(root), whisper_url]:
        assert held.patient.phone[1:] not in url and held.volunteer.phone[1:] not in url

    # the volunteer answers: the whisper names the call, and a key press is needed
    leg = call_sid()
    whisper = twiml_checked(
        (
            await week.twilio.post(
                local_path(whisper_url), dialled_leg(held.volunteer.phone, leg, sid)
            )
        ).text
    )
    said = spoken(whisper)
    assert f"Ringround: your patient for call {held.call.code} is calling back" in said
    assert held.patient.name not in said and held.patient.phone not in said
    gather = whisper.find("Gather")
    assert gather.get("numDigits") == "1"
    assert whisper.find("Hangup") is not None  # no key (a voicemail): not connected
    taken = await week.twilio.post(
        local_path(gather.get("action")), dialled_leg(held.volunteer.phone, leg, sid, Digits="1")
    )
    accepted = twiml_checked(taken.text)
    assert list(accepted) == []  # nothing more to say: the two are connected

    week.twilio.clock.now += timedelta(minutes=8)
    result = dial_in(
        held.patient.phone,
        sid,
        DialCallSid=leg,
        DialCallStatus="completed",
        DialCallDuration="420",
    )
    for _ in range(2):  # a repeated callback changes nothing
        done = await week.twilio.post(local_path(dial.get("action")), result)
        assert done.status_code == 200
        assert "Thank you" in spoken(twiml_checked(done.text))
    attempts = await _all(week.db, CallAttempt)
    assert [(a.call_id, a.result, a.seconds, a.volunteer_id) for a in attempts] == [
        (held.call.id, "completed", 420, held.volunteer.id)
    ]
    async with week.db.transaction() as session:
        asked = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.key.like(f"dialled:{leg}%"))
            )
        ).all()
    assert len(asked) == 1 and f"Call {held.call.code} lasted 7 min" in asked[0].body
    assert held.patient.phone not in asked[0].body
    assert await _told_organisers(week.db) == []
    audit = [e for e in await _all(week.db, AuditEvent) if e.action == "call.ring_back"]
    assert [(e.actor, e.subject) for e in audit] == [
        (f"patient:{held.patient.id}", f"call:{held.call.id}")
    ]


async def test_a_ring_back_the_volunteer_does_not_take_is_no_no_answer_and_organisers_hear(week):
    held = await _alone_in_window(week.db)
    week.twilio.clock.now = held.call.starts_at + timedelta(minutes=5)
    for status in ("completed", "no-answer"):  # declined at the whisper, or never picked up
        sid, leg = call_sid(), call_sid()
        _text, root = await _ring_in(week, held, sid)
        action = local_path(root.find("Dial").get("action"))
        if status == "completed":  # answered (a voicemail, say) but no key pressed
            await week.twilio.post(
                local_path(root.find(".//Number").get("url")),
                dialled_leg(held.volunteer.phone, leg, sid),
            )
        done = await week.twilio.post(
            action,
            dial_in(
                held.patient.phone,
                sid,
                DialCallSid=leg,
                DialCallStatus=status,
                DialCallDuration="12",
            ),
        )
        said = spoken(twiml_checked(done.text))
        assert "07700 900999" in said and "999" in said, status  # the practice contact
    assert await _all(week.db, CallAttempt) == []
    assert await _all(week.db, Outcome) == []  # the patient was not rung: no "no answer"
    told = await _told_organisers(week.db)
    assert told and all(held.patient.ref in t.body for t in told)
    assert all(held.patient.phone not in t.body and held.patient.name not in t.body for t in told)


async def test_outside_the_window_the_patient_is_not_connected(week):
    held = await _alone_in_window(week.db)
    margin = DIAL_MARGIN + timedelta(minutes=1)
    for at in (held.call.starts_at - margin, held.call.ends_at + margin):
        week.twilio.clock.now = at
        text, root = await _ring_in(week, held, call_sid())
        assert root.find(".//Dial") is None and held.volunteer.phone not in text
        assert "07700 900999" in spoken(root)
    # just inside the margin, they are
    week.twilio.clock.now = held.call.ends_at + DIAL_MARGIN - timedelta(minutes=1)
    _text, root = await _ring_in(week, held, call_sid())
    assert [n.text for n in root.iter("Number")] == [held.volunteer.phone]
    assert len(await _told_organisers(week.db)) >= 2


async def test_a_paused_volunteer_or_a_patient_who_declined_is_not_connected(week):
    held = await _alone_in_window(week.db)
    week.twilio.clock.now = held.call.starts_at + timedelta(minutes=1)
    async with week.db.transaction() as session:
        volunteer = await session.get_one(Volunteer, held.volunteer.id)
        volunteer.status = VolunteerStatus.PAUSED
    text, root = await _ring_in(week, held, call_sid())
    assert root.find(".//Dial") is None and held.volunteer.phone not in text
    async with week.db.transaction() as session:
        volunteer = await session.get_one(Volunteer, held.volunteer.id)
        volunteer.status = VolunteerStatus.ACTIVE
        call = await session.get_one(Call, held.call.id)
        call.status = CallStatus.DONE
        session.add(
            Outcome(
                call_id=call.id,
                kind=OutcomeKind.DECLINED,
                volunteer_id=held.volunteer.id,
                recorded_at=held.call.starts_at,
            )
        )
    text, root = await _ring_in(week, held, call_sid())
    assert root.find(".//Dial") is None and held.volunteer.phone not in text
    assert "07700 900999" in spoken(root)


async def test_a_forged_whisper_for_someone_else_connects_nothing(week):
    held = await _alone_in_window(week.db)
    week.twilio.clock.now = held.call.starts_at + timedelta(minutes=1)
    others = [v for v in week.world.volunteers.values() if v.id != held.volunteer.id]
    whisper = await week.twilio.post(
        f"/twilio/voice?step=whisper&call={held.call.id}",
        dialled_leg(others[0].phone, call_sid(), call_sid()),
    )
    root = twiml_checked(whisper.text)
    assert root.find(".//Gather") is None and held.call.code not in spoken(root)
