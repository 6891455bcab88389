"""Issue 17's acceptance: with masked_calls on, a volunteer rings a whole week through the
group's number without ever seeing a patient's number, and every attempt is in the report
with no no-answer logged by hand."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from rota.domain import CallStatus, OutcomeKind
from rota.services.audit import CLI
from rota.services.groups import set_setting
from rota.services.report import weekly_report
from rota.storage import Call, CallAttempt, OutboxMessage, Outcome, Patient
from tests.support.usecases import WEEK
from tests.support.voice import (
    Held,
    a_held_call,
    call_sid,
    connect,
    dial_result,
    local_path,
    spoken,
    twiml_checked,
)

TALK_SECONDS = 300


async def test_a_masked_week_of_calls_rung_through_the_group_number(week):
    now = week.twilio.clock.now
    await set_setting(week.db, None, "masked_calls", "on", actor=CLI, now=now)
    volunteer = (await a_held_call(week.db)).volunteer
    async with week.db.transaction() as session:
        theirs = (
            await session.scalars(
                select(Call)
                .where(Call.volunteer_id == volunteer.id, Call.status == CallStatus.PLANNED)
                .order_by(Call.starts_at, Call.id)
            )
        ).all()
        patients = {p.id: p for p in await session.scalars(select(Patient))}
    assert len(theirs) >= 3, "a week with several calls for one volunteer"
    seen: list[str] = []  # everything the volunteer heard or read
    answered = []
    for i, call in enumerate(theirs):
        held = Held(call, volunteer, patients[call.patient_id])
        at = call.starts_at + timedelta(minutes=1)
        week.twilio.clock.now = at - timedelta(minutes=20)
        seen.append(await week.twilio.reply(volunteer.phone, "CALLS"))  # what to ring, when
        sid = call_sid()
        root = await connect(week.twilio, held, at, sid)
        seen.append(spoken(root))
        dial = root.find("Dial")
        assert dial is not None and [n.text for n in dial.iter("Number")] == [held.patient.phone]
        status = "completed" if i % 2 == 0 else "no-answer"
        week.twilio.clock.now = at + timedelta(seconds=TALK_SECONDS + 30)
        seconds = str(TALK_SECONDS) if status == "completed" else "0"
        done = await week.twilio.post(
            local_path(dial.get("action")), dial_result(volunteer.phone, sid, status, seconds)
        )
        assert done.status_code == 200
        seen.append(spoken(twiml_checked(done.text)))
        if status == "completed":  # the volunteer says how it went, by text
            answered.append(call.id)
            seen.append(await week.twilio.reply(volunteer.phone, f"DONE {call.code}"))
    async with week.db.transaction() as session:
        seen += [
            m.body
            for m in await session.scalars(
                select(OutboxMessage).where(OutboxMessage.recipient_id == volunteer.id)
            )
            if m.recipient_kind == "volunteer"
        ]
        attempts = (await session.scalars(select(CallAttempt))).all()
        outcomes = (await session.scalars(select(Outcome))).all()
    phones = {p.phone for p in patients.values()}
    leaked = sorted({p for p in phones for text in seen if p in text or p[3:] in text})
    assert leaked == []
    assert sorted(a.call_id for a in attempts) == sorted(c.id for c in theirs)
    no_answers = {o.call_id for o in outcomes if o.kind == OutcomeKind.NO_ANSWER}
    assert no_answers == {c.id for c in theirs} - set(answered)  # none logged by hand
    report = await weekly_report(
        week.db, None, WEEK, actor=CLI, now=theirs[-1].ends_at + timedelta(days=7)
    )
    minutes = len(answered) * TALK_SECONDS // 60
    assert (report["attempts"], report["answered"], report["minutes"]) == (
        len(theirs),
        len(answered),
        minutes,
    )
