from datetime import date, timedelta

import pytest
from sqlalchemy import select

from rota.domain import ChannelKind, OutcomeKind, VolunteerStatus
from rota.errors import Refused
from rota.services.audit import CLI
from rota.services.availability import pause, resume, set_availability
from rota.services.calls import claim_call, my_calls
from rota.services.outcomes import EMERGENCY_LINE, acknowledge, record_outcome
from rota.services.signup import Application, create_invite, decide, join, redeem_invite
from rota.storage import AuditEvent, Escalation, Group, Patient, Volunteer
from tests.support.usecases import calls, notices, outbox, published_week

ANN = "+447700900010"


async def annes_first_call(db, world):
    return next(c for c in await calls(db) if c.volunteer_id == world.vid(ANN))


async def test_an_ok_outcome_is_logged_once_and_hides_the_call(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    call = await annes_first_call(sqlite_db, world)
    at = call.ends_at
    logged = await record_outcome(
        sqlite_db, world.vid(ANN), kind=OutcomeKind.OK, code=call.code, channel="sms", now=at
    )
    assert logged.code == call.code
    with pytest.raises(Refused, match="already recorded"):
        await record_outcome(
            sqlite_db, world.vid(ANN), kind=OutcomeKind.OK, code=call.code, channel="sms", now=at
        )
    assert call.code not in [
        c.code for c in await my_calls(sqlite_db, world.vid(ANN), channel="sms", now=at)
    ]


async def test_someone_elses_call_cannot_be_logged(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    call = await annes_first_call(sqlite_db, world)
    with pytest.raises(Refused, match="not one of your current calls"):
        await record_outcome(
            sqlite_db,
            world.vid("+447700900011"),
            kind=OutcomeKind.OK,
            code=call.code,
            channel="sms",
            now=call.ends_at,
        )


async def test_a_concern_needs_words_and_reaches_organisers_at_once(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    call = await annes_first_call(sqlite_db, world)
    with pytest.raises(Refused, match="what worries you"):
        await record_outcome(
            sqlite_db,
            world.vid(ANN),
            kind=OutcomeKind.CONCERN,
            code=call.code,
            channel="sms",
            now=call.ends_at,
        )
    await record_outcome(
        sqlite_db,
        world.vid(ANN),
        kind=OutcomeKind.CONCERN,
        code=call.code,
        note="Sounded low",
        channel="sms",
        now=call.ends_at,
    )
    alerts = [m for m in await outbox(sqlite_db) if m.key.startswith("escalation:")]
    assert (
        len(alerts) == 1
        and "Sounded low" in alerts[0].body
        and alerts[0].recipient_kind == "organiser"
    )


async def test_urgent_alerts_organisers_and_the_practice_and_shows_the_999_line(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    call = await annes_first_call(sqlite_db, world)
    logged = await record_outcome(
        sqlite_db,
        world.vid(ANN),
        kind=OutcomeKind.URGENT,
        code=call.code,
        note="Fell, can't get up",
        channel="telegram",
        now=call.ends_at,
    )
    assert EMERGENCY_LINE in logged.follow_up
    alerts = [m for m in await outbox(sqlite_db) if m.key.startswith("escalation:")]
    assert {m.recipient_kind for m in alerts} == {"organiser", "practice"}
    assert alerts[0].buttons and alerts[0].buttons[0][0][1].startswith("ack:")
    escalation_id = int(alerts[0].buttons[0][0][1].split(":")[1])
    actor = CLI
    assert (
        await acknowledge(
            sqlite_db,
            escalation_id,
            organiser_id=1,
            group_id=world.group_id,
            actor=actor,
            now=call.ends_at,
        )
        == "Acknowledged. Thank you."
    )
    with pytest.raises(Refused):
        await acknowledge(
            sqlite_db,
            escalation_id,
            organiser_id=1,
            group_id=world.group_id + 1,
            actor=actor,
            now=call.ends_at,
        )
    async with sqlite_db.transaction() as session:
        assert (await session.get(Escalation, escalation_id)).acknowledged_at == call.ends_at


async def test_no_answer_books_a_retry_and_the_third_failure_alerts_organisers(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    every_day = "; ".join(f"{d} 10:00-16:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri"))
    await set_availability(sqlite_db, world.vid(ANN), every_day, channel="sms", now=now)
    call = await annes_first_call(sqlite_db, world)
    code, at = call.code, call.ends_at
    for attempt in (1, 2):
        logged = await record_outcome(
            sqlite_db, world.vid(ANN), kind=OutcomeKind.NO_ANSWER, code=code, channel="sms", now=at
        )
        retry = next(
            c
            for c in await calls(sqlite_db)
            if c.retry_of_id is not None and c.attempt == attempt + 1
        )
        assert retry.patient_id == call.patient_id and retry.starts_at >= at + timedelta(hours=2)
        assert retry.starts_at.date() != at.date(), "a retry goes on another day"
        assert retry.starts_at < call.starts_at + timedelta(days=7), "within 7 days (CHEER)"
        assert retry.code in logged.follow_up
        if retry.volunteer_id is None:  # Ann is not free then: it is open, and she claims it
            await claim_call(sqlite_db, world.vid(ANN), code=retry.code, channel="sms", now=at)
        code, at = retry.code, retry.ends_at
    logged = await record_outcome(
        sqlite_db, world.vid(ANN), kind=OutcomeKind.NO_ANSWER, code=code, channel="sms", now=at
    )
    assert "attempt 3" in logged.follow_up
    async with sqlite_db.transaction() as session:
        kinds = (await session.scalars(select(Escalation.kind))).all()
    assert kinds == ["not_reached"]


async def test_pausing_releases_future_calls_and_resume_restores_the_volunteer(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    held = [c for c in await calls(sqlite_db) if c.volunteer_id == world.vid(ANN)]
    released = await pause(
        sqlite_db, world.vid(ANN), until=date(2026, 12, 31), channel="sms", now=now
    )
    assert released == len(held) > 0
    assert not any(c.volunteer_id == world.vid(ANN) for c in await calls(sqlite_db))
    assert any(m.key.startswith("paused:") for m in await notices(sqlite_db))
    with pytest.raises(Refused, match="has passed"):
        await pause(sqlite_db, world.vid(ANN), until=date(2026, 1, 1), channel="sms", now=now)
    await resume(sqlite_db, world.vid(ANN), channel="sms", now=now)
    async with sqlite_db.transaction() as session:
        assert (await session.get(Volunteer, world.vid(ANN))).status == VolunteerStatus.ACTIVE


async def test_availability_must_be_real_windows(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    assert (
        await set_availability(sqlite_db, world.vid(ANN), "tue 10:00-12:00", channel="sms", now=now)
        == "Tue 10:00-12:00"
    )
    with pytest.raises(Refused, match="Example"):
        await set_availability(sqlite_db, world.vid(ANN), "whenever", channel="sms", now=now)


async def test_a_new_volunteer_waits_for_an_organiser_then_is_welcomed(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    async with sqlite_db.transaction() as session:
        code = (await session.get(Group, world.group_id)).code
    application = Application(
        name="Nia",
        phone="+447700900077",
        channel=ChannelKind.SMS,
        availability=["Mon 10:00-12:00"],
        max_calls=3,
        languages=["en"],
    )
    volunteer = await join(sqlite_db, code.lower(), application, actor=CLI, now=now)
    assert volunteer.status == VolunteerStatus.PENDING
    pending = [m for m in await notices(sqlite_db) if m.key.startswith(f"pending:{volunteer.id}")]
    assert pending and pending[0].buttons[0][0] == ["Approve", f"approve:{volunteer.id}"]
    with pytest.raises(Refused, match="already registered"):
        await join(sqlite_db, code, application, actor=CLI, now=now)
    with pytest.raises(Refused, match="not in your group"):
        await decide(
            sqlite_db, volunteer.id, approve=True, group_id=world.group_id + 1, actor=CLI, now=now
        )
    approved = await decide(
        sqlite_db, volunteer.id, approve=True, group_id=world.group_id, actor=CLI, now=now
    )
    assert approved.status == VolunteerStatus.ACTIVE
    assert any(
        m.key == f"decided:{volunteer.id}:volunteer:{volunteer.id}" for m in await outbox(sqlite_db)
    )


async def test_an_invite_links_telegram_only_when_the_shared_phone_matches(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    payload = await create_invite(sqlite_db, world.group_id, ANN, actor=CLI, now=now)
    assert payload.startswith("inv_") and len(payload) <= 64
    with pytest.raises(Refused, match="different phone"):
        await redeem_invite(
            sqlite_db,
            payload,
            telegram_id=5_000_000_001,
            chat_id=5_000_000_001,
            phone="+447700900099",
            now=now,
        )
    linked = await redeem_invite(
        sqlite_db, payload, telegram_id=5_000_000_001, chat_id=5_000_000_001, phone=ANN, now=now
    )
    assert linked.telegram_id == 5_000_000_001
    with pytest.raises(Refused, match="expired or was already used"):
        await redeem_invite(
            sqlite_db, payload, telegram_id=5_000_000_002, chat_id=5_000_000_002, phone=ANN, now=now
        )
    async with sqlite_db.transaction() as session:
        actions = set((await session.scalars(select(AuditEvent.action))).all())
    assert {"volunteer.invite", "volunteer.link"} <= actions


async def test_a_retry_is_open_to_anyone_when_the_volunteer_has_no_time_soon(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    await set_availability(sqlite_db, world.vid(ANN), "Sun 10:00-11:00", channel="sms", now=now)
    call = await annes_first_call(sqlite_db, world)
    async with sqlite_db.transaction() as session:
        # Issue 19: a retry may go to the caller's own time within 7 days, in the patient's
        # windows; this patient is rung on Tuesdays, when Ann is never free.
        patient = await session.get_one(Patient, call.patient_id)
        patient.call_windows = ["Tue 10:00-12:00"]
    logged = await record_outcome(
        sqlite_db,
        world.vid(ANN),
        kind=OutcomeKind.NO_ANSWER,
        code=call.code,
        channel="sms",
        now=call.ends_at,
    )
    retry = next(c for c in await calls(sqlite_db) if c.retry_of_id == call.id)
    assert retry.volunteer_id is None and "open for anyone" in logged.follow_up
