"""A volunteer rings the group's number: recognised, read their calls, connected, recorded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from rota.domain import CallStatus, OutcomeKind
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.outcomes import record_outcome
from rota.services.report import weekly_report
from rota.storage import Call, CallAttempt, Escalation, OutboxMessage, Outcome
from tests.support.sms import GROUP_NUMBER, PUBLIC, sign, twilio_app
from tests.support.usecases import WEEK
from tests.support.voice import (
    a_held_call,
    call_sid,
    connect,
    dial_in,
    dial_result,
    local_path,
    query,
    spoken,
    twiml,
    urls,
)

STRANGER = "+447700900876"


async def _all(db, model):
    async with db.transaction() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


async def test_forged_or_missing_signatures_are_refused_on_every_voice_route(week):
    held = await a_held_call(week.db)
    params = dial_in(held.volunteer.phone, call_sid())
    for path in ("/twilio/voice", "/twilio/voice/dial?call=1", "/twilio/voice/status?call=1"):
        for signature in (None, "", sign(PUBLIC + path, params, token="not-our-token")):
            response = await week.twilio.post(path, params, signature=signature)
            assert response.status_code == 403, (path, signature)
    assert await _all(week.db, CallAttempt) == []


async def test_an_unknown_caller_is_told_so_and_not_connected(week):
    response = await week.twilio.post("/twilio/voice", dial_in(STRANGER, call_sid()))
    root = twiml(response.text)
    assert "not registered" in spoken(root)
    assert root.find(".//Dial") is None and root.find(".//Gather") is None


async def test_a_volunteer_outside_the_window_hears_the_next_call_and_is_not_connected(week):
    held = await a_held_call(week.db)
    week.twilio.clock.now = held.call.starts_at - timedelta(hours=3)
    response = await week.twilio.post("/twilio/voice", dial_in(held.volunteer.phone, call_sid()))
    root = twiml(response.text)
    said = spoken(root)
    assert f"next call, {held.call.code}" in said and "press 1" not in said
    assert root.find(".//Dial") is None
    # and a key pressed anyway (a forged or stale menu) connects nobody
    picked = await week.twilio.post(
        "/twilio/voice?step=pick", dial_in(held.volunteer.phone, call_sid(), Digits="1")
    )
    assert twiml(picked.text).find(".//Dial") is None


async def test_the_menu_names_code_and_first_name_and_the_key_dials_from_the_group_number(week):
    held = await a_held_call(week.db)
    week.twilio.clock.now = held.call.starts_at + timedelta(minutes=1)
    sid = call_sid()
    menu = twiml((await week.twilio.post("/twilio/voice", dial_in(held.volunteer.phone, sid))).text)
    said = spoken(menu)
    first, *rest = held.patient.name.split()
    assert f"For call {held.call.code}, to {first}," in said
    assert all(part not in said for part in rest) and held.patient.phone not in said
    assert "organiser" in said and "999" in said
    gather = menu.find("Gather")
    assert gather.get("numDigits") == "1" and int(gather.get("timeout")) > 0

    root = await connect(week.twilio, held, week.twilio.clock.now, sid)
    dial = root.find("Dial")
    assert dial.get("callerId") == GROUP_NUMBER
    assert dial.get("answerOnBridge") == "true" and dial.get("hangupOnStar") == "true"
    assert int(dial.get("timeout")) >= 15
    assert dial.get("timeLimit") == str(60 * 60)
    assert query(dial.get("action")) == {"call": [str(held.call.id)]}
    assert [n.text for n in dial.iter("Number")] == [held.patient.phone]
    for url in urls(menu) + urls(root):
        assert held.patient.phone not in url and held.patient.phone[1:] not in url
        assert held.volunteer.phone[1:] not in url


async def test_no_answer_is_an_attempt_and_books_the_retry_once_however_often_twilio_repeats(
    week,
):
    held = await a_held_call(week.db)
    at = held.call.starts_at + timedelta(minutes=2)
    sid = call_sid()
    root = await connect(week.twilio, held, at, sid)
    action = local_path(root.find("Dial").get("action"))
    week.twilio.clock.now = at + timedelta(seconds=40)
    # a status callback for the parent call may come first: out of order, harmless
    early = await week.twilio.post(
        "/twilio/voice/status?call=" + str(held.call.id),
        dial_in(held.volunteer.phone, sid, CallStatus="completed", CallDuration="45"),
    )
    assert early.status_code == 204
    answers = []
    for _ in range(3):  # Twilio retries a callback it thinks failed
        done = await week.twilio.post(action, dial_result(held.volunteer.phone, sid, "no-answer"))
        assert done.status_code == 200
        answers.append(spoken(twiml(done.text)))
    attempts = await _all(week.db, CallAttempt)
    assert [(a.call_id, a.result, a.seconds) for a in attempts] == [(held.call.id, "no-answer", 0)]
    outcomes = await _all(week.db, Outcome)
    assert [(o.call_id, o.kind) for o in outcomes] == [(held.call.id, OutcomeKind.NO_ANSWER)]
    retries = [c for c in await _all(week.db, Call) if c.retry_of_id == held.call.id]
    assert len(retries) == 1 and retries[0].attempt == 2
    assert f"call {retries[0].code}" in answers[0] and "no answer" in answers[0].lower()


async def test_the_third_unanswered_ring_raises_the_welfare_alert(week):
    held = await a_held_call(week.db)
    # Two no-answers logged by hand (as before ringing through Ringround), the third rung.
    call_id = held.call.id
    for _ in range(2):
        async with week.db.transaction() as session:
            call = await session.get_one(Call, call_id)
        await record_outcome(
            week.db,
            held.volunteer.id,
            kind=OutcomeKind.NO_ANSWER,
            channel="sms",
            call_id=call_id,
            now=call.starts_at + timedelta(minutes=5),
        )
        async with week.db.transaction() as session:
            retry = await session.scalar(select(Call).where(Call.retry_of_id == call_id))
            assert retry is not None
            # wherever the retry was placed, the same volunteer makes it here
            retry.volunteer_id = held.volunteer.id
            call_id = retry.id
    async with week.db.transaction() as session:
        third = await session.get_one(Call, call_id)
    held.call = third
    sid = call_sid()
    root = await connect(week.twilio, held, third.starts_at + timedelta(minutes=1), sid)
    response = await week.twilio.post(
        local_path(root.find("Dial").get("action")),
        dial_result(held.volunteer.phone, sid, "busy"),
    )
    assert "attempt 3" in spoken(twiml(response.text))
    alerts = await _all(week.db, Escalation)
    assert [(e.kind, e.call_id) for e in alerts] == [("not_reached", third.id)]


async def test_a_completed_call_is_recorded_with_its_length_and_the_volunteer_asked_how_it_went(
    db, now
):
    from tests.support.sms import route_group_number
    from tests.support.usecases import published_week

    await published_week(db, now)
    await route_group_number(db, now)
    held = await a_held_call(db)
    at = held.call.starts_at + timedelta(minutes=3)
    sid = call_sid()
    async with twilio_app(db, at) as twilio:
        root = await connect(twilio, held, at, sid)
        action = local_path(root.find("Dial").get("action"))
    # the service restarts between connecting and Twilio's callback: nothing was in memory
    async with twilio_app(db, at + timedelta(minutes=13)) as twilio:
        response = await twilio.post(
            action, dial_result(held.volunteer.phone, sid, "completed", "754")
        )
        again = await twilio.post(
            action, dial_result(held.volunteer.phone, sid, "completed", "754")
        )
    assert response.status_code == again.status_code == 200
    assert [(a.result, a.seconds) for a in await _all(db, CallAttempt)] == [("completed", 754)]
    async with db.transaction() as session:
        call = await session.get_one(Call, held.call.id)
        asks = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("dialled:%")))
        ).all()
    assert call.status == CallStatus.PLANNED  # the outcome is the volunteer's to give
    assert len(asks) == 1 and f"Call {held.call.code} lasted 13 min" in asks[0].body
    view = await rotas.show_rota(db, None, WEEK, actor=CLI, now=at)
    shown = next(c for c in view["calls"] if c["code"] == held.call.code)
    assert shown["attempts"] == [
        {"at": shown["attempts"][0]["at"], "result": "completed", "seconds": 754}
    ]
    report = await weekly_report(db, None, WEEK, actor=CLI, now=at + timedelta(days=7))
    assert (report["attempts"], report["answered"], report["minutes"]) == (1, 1, 13)


async def test_a_patient_who_declined_calls_is_never_connected(week):
    async with week.db.transaction() as session:
        twice = [c for c in await session.scalars(select(Call).order_by(Call.starts_at.desc()))]
    # a patient rung twice a week: the first call's "declined" must stop the second
    for offset in range(40):
        held = await a_held_call(week.db, offset=offset)
        earlier = [
            c
            for c in twice
            if c.patient_id == held.patient.id and c.starts_at < held.call.starts_at
        ]
        if earlier:
            other = earlier[0]
            break
    async with week.db.transaction() as session:
        other = await session.get_one(Call, other.id)
        # the patient told an earlier caller they want no more calls
        other.status = CallStatus.DONE
        session.add(
            Outcome(
                call_id=other.id,
                kind=OutcomeKind.DECLINED,
                volunteer_id=held.volunteer.id,
                recorded_at=held.call.starts_at - timedelta(days=1),
            )
        )
    week.twilio.clock.now = held.call.starts_at + timedelta(minutes=1)
    menu = twiml(
        (await week.twilio.post("/twilio/voice", dial_in(held.volunteer.phone, call_sid()))).text
    )
    assert f"call {held.call.code}," not in spoken(menu)
    for key in "123456789":  # whatever is pressed, the patient's phone is never rung
        picked = await week.twilio.post(
            "/twilio/voice?step=pick", dial_in(held.volunteer.phone, call_sid(), Digits=key)
        )
        numbers = [n.text for n in twiml(picked.text).iter("Number")]
        assert held.patient.phone not in numbers
    ring = await week.twilio.post(
        f"/twilio/voice?step=connect&call={held.call.id}",
        {
            **dial_in(GROUP_NUMBER, call_sid(), Digits="1"),
            "To": held.volunteer.phone,
            "Direction": "outbound-api",
        },
    )
    assert twiml(ring.text).find(".//Number") is None
    assert "asked not to be called" in spoken(twiml(ring.text))


async def test_a_patient_ringing_the_group_number_hears_the_practice_and_organisers_hear_once(
    week,
):
    held = await a_held_call(week.db)
    sid = call_sid()
    for _ in range(2):  # Twilio may fetch the same call's TwiML again
        response = await week.twilio.post("/twilio/voice", dial_in(held.patient.phone, sid))
        root = twiml(response.text)
        assert root.find(".//Dial") is None and root.find(".//Gather") is None
        said = spoken(root)
        assert "07700 900999" in said and "999" in said  # the practice contact, national form
        assert held.patient.name not in said
    async with week.db.transaction() as session:
        told = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.key.like("patient-rang:%"))
            )
        ).all()
    assert told and len({t.recipient_id for t in told}) == len(told)
    assert all(held.patient.ref in t.body and held.patient.phone not in t.body for t in told)
