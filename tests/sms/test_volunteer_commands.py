"""Every volunteer SMS command, through the signed webhook on the real app."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from rota.domain import CallStatus, OutcomeKind, VolunteerStatus
from rota.services.outcomes import EMERGENCY_LINE
from rota.sms_text import measure
from rota.storage import Call, Outcome, Volunteer
from tests.support.sms import audit_actions
from tests.support.sms_snapshot import snapshot
from tests.support.usecases import calls, outbox

BILL, ELLEN, HELEN, ANN = "+447700900011", "+447700900014", "+447700900017", "+447700900010"


async def call(db, code: str) -> Call:
    return next(c for c in await calls(db) if c.code == code)


async def bills_first_call(week) -> Call:
    return next(c for c in await calls(week.db) if c.volunteer_id == week.world.vid(BILL))


async def test_calls_lists_only_my_calls_with_what_i_need_to_ring_and_is_audited(week):
    reply = await week.twilio.reply(BILL, "calls")
    mine = [c.code for c in await calls(week.db) if c.volunteer_id == week.world.vid(BILL)]
    annes = [c.code for c in await calls(week.db) if c.volunteer_id == week.world.vid(ANN)]
    assert reply.startswith("Your calls:") and all(f"{code} " in reply for code in mine)
    assert not any(f"\n{code} " in reply for code in annes)
    assert "+44" in reply and f"Reply DONE {mine[0]}" in reply
    assert (await audit_actions(week.db)).count("patient.read") == len(mine)


async def test_open_lists_claimable_calls_without_patient_details(week):
    reply = await week.twilio.reply(BILL, "Open")
    assert reply.startswith("Open calls:") and "CLAIM D3" in reply
    assert "+44" not in reply  # no patient phone before claiming


@pytest.mark.parametrize("body", ["CLAIM D3", "claim d3", " Claim: D3.", "claim d 3", "CLAIM d-3!"])
async def test_claim_takes_an_open_call_however_it_is_typed(week, body):
    reply = await week.twilio.reply(BILL, body)
    assert reply.startswith("Call D3 is yours.")
    assert (await call(week.db, "D3")).volunteer_id == week.world.vid(BILL)


async def test_a_second_claim_is_told_the_call_is_taken(week):
    await week.twilio.reply(BILL, "CLAIM D3")
    reply = await week.twilio.reply(ELLEN, "CLAIM D3")
    assert "already been taken" in reply
    assert (await call(week.db, "D3")).volunteer_id == week.world.vid(BILL)


async def test_swap_offers_my_call_and_take_hands_it_to_the_first_who_accepts(week):
    mine = await bills_first_call(week)
    reply = await week.twilio.reply(BILL, f"swap {mine.code}")
    assert reply.startswith(f"Offered {mine.code} to") and "stays yours" in reply
    offered = [
        m.recipient_id for m in await outbox(week.db) if m.key.startswith(f"swap:{mine.id}:")
    ]
    phones = {v.id: phone for phone, v in week.world.volunteers.items()}
    taker = phones[offered[0]]
    assert (await week.twilio.reply(taker, f"TAKE {mine.code}")).startswith(
        f"Call {mine.code} is yours"
    )
    assert (await call(week.db, mine.code)).volunteer_id == week.world.vid(taker)


async def test_release_hands_my_call_back_to_the_group(week):
    mine = await bills_first_call(week)
    reply = await week.twilio.reply(BILL, f"RELEASE {mine.code}.")
    assert reply == f"Call {mine.code} is handed back and open for others. Thank you for saying."
    assert (await call(week.db, mine.code)).volunteer_id is None
    assert measure(reply).segments == 1


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("DONE {code}", OutcomeKind.OK),
        ("no answer {code}", OutcomeKind.NO_ANSWER),
        ("Declined {code}", OutcomeKind.DECLINED),
        ("CONCERN {code}: sounded low, not eating", OutcomeKind.CONCERN),
        ("urgent {code} fell and can't get up", OutcomeKind.URGENT),
    ],
)
async def test_an_outcome_is_logged_after_the_call(week, body, kind):
    mine = await bills_first_call(week)
    week.twilio.clock.now = mine.ends_at
    reply = await week.twilio.reply(BILL, body.format(code=mine.code.lower()))
    assert reply.startswith(f"{mine.code}: ")
    async with week.db.transaction() as session:
        logged = (await session.scalars(select(Outcome).where(Outcome.call_id == mine.id))).one()
    assert logged.kind == kind and logged.volunteer_id == week.world.vid(BILL)
    if kind in (OutcomeKind.CONCERN, OutcomeKind.URGENT):
        assert logged.note and logged.note[0].isalpha()  # the code and colon are not in it
    if kind == OutcomeKind.URGENT:
        assert EMERGENCY_LINE in reply


async def test_urgent_without_words_asks_for_them_and_still_shows_the_999_line(week):
    mine = await bills_first_call(week)
    week.twilio.clock.now = mine.ends_at
    before = await snapshot(week.db)
    reply = await week.twilio.reply(BILL, f"URGENT {mine.code}")
    assert "999" in reply and "what worries you" in reply
    assert await snapshot(week.db) == before


async def test_avail_sets_my_windows_and_shows_them_when_asked(week):
    reply = await week.twilio.reply(BILL, "avail: Mon 10:00-12:00; thu 14:00-16:00")
    assert reply == "Thank you. You are free: Mon 10:00-12:00; Thu 14:00-16:00."
    assert "Mon 10:00-12:00" in await week.twilio.reply(BILL, "AVAIL")


async def test_pause_releases_my_calls_and_resume_brings_me_back(week):
    reply = await week.twilio.reply(BILL, "PAUSE 31/12")
    assert reply.startswith("Paused until Thu 31 Dec.") and "went back to the group" in reply
    assert not [c for c in await calls(week.db) if c.volunteer_id == week.world.vid(BILL)]
    assert (await week.twilio.reply(BILL, "resume")) == "Welcome back! You are on the rota again."
    async with week.db.transaction() as session:
        assert (
            await session.get_one(Volunteer, week.world.vid(BILL))
        ).status == VolunteerStatus.ACTIVE


async def test_help_says_what_can_be_done(week):
    reply = await week.twilio.reply(BILL, "help")
    assert "CALLS" in reply and "CLAIM A3" in reply and "RELEASE A3" in reply


async def test_a_command_for_someone_elses_call_changes_nothing(week):
    annes = next(c for c in await calls(week.db) if c.volunteer_id == week.world.vid(ANN))
    before = await snapshot(week.db)
    assert "already been taken" in await week.twilio.reply(BILL, f"CLAIM {annes.code}")
    week.twilio.clock.now = annes.ends_at
    assert "not one of your current calls" in await week.twilio.reply(BILL, f"DONE {annes.code}")
    assert "not yours to release" in await week.twilio.reply(BILL, f"RELEASE {annes.code}")
    assert "not yours to swap" in await week.twilio.reply(BILL, f"SWAP {annes.code}")
    assert (await call(week.db, annes.code)).volunteer_id == week.world.vid(ANN)
    assert (await call(week.db, annes.code)).status == CallStatus.PLANNED
    calls_after, *_ = await snapshot(week.db)
    assert calls_after == before[0]


@pytest.mark.parametrize(
    "body",
    ["", "   ", "asdf qwerty", "😀🙏", "x" * 1600, "CLAIM " + "🙂" * 800, "?!..", "12345", "Z9"],
)
async def test_garbage_gets_a_short_usage_reply_and_changes_nothing(week, body):
    before = await snapshot(week.db)
    reply = await week.twilio.reply(BILL, body)
    assert reply.startswith("Sorry") or reply.startswith("Which call?")
    assert measure(reply).segments == 1
    assert await snapshot(week.db) == before


async def test_a_command_needing_a_call_code_asks_for_it(week):
    before = await snapshot(week.db)
    assert await week.twilio.reply(BILL, "claim") == "Which call? Add its code, e.g. CLAIM A3."
    assert await snapshot(week.db) == before


async def test_cancel_is_never_a_command_and_points_to_release(week):
    mine = await bills_first_call(week)
    before = await snapshot(week.db)
    reply = await week.twilio.reply(BILL, f"cancel {mine.code}")
    assert "RELEASE A3" in reply
    assert await snapshot(week.db) == before


async def _fifteen_calls_for_bill(week, weeks: list[str]) -> list[Call]:
    """Bill holds 15 calls spread over the published weeks; patients have realistic notes."""
    from sqlalchemy import update

    from rota.services import rotas
    from rota.services.audit import CLI
    from rota.storage import Patient

    for label in weeks:
        await rotas.build_rota(
            week.db, None, label, actor=CLI, now=week.twilio.clock.now, time_limit_s=5
        )
        await rotas.publish_rota(week.db, None, label, actor=CLI, now=week.twilio.clock.now)
    current = await calls(week.db)
    by_week: dict[int, list[Call]] = {}
    for c in current:
        by_week.setdefault(c.starts_at.isocalendar().week, []).append(c)
    chosen = [c for cs in by_week.values() for c in cs[: 15 // len(by_week) + 1]][:15]
    async with week.db.transaction() as session:
        await session.execute(
            update(Call)
            .where(Call.id.in_([c.id for c in chosen]))
            .values(volunteer_id=week.world.vid(BILL))
        )
        await session.execute(
            update(Patient).values(
                notes="Lives alone since spring; hard of hearing, let it ring a long time. "
                "Daughter visits Sundays. Likes to talk about the garden."
            )
        )
    return chosen


@pytest.mark.parametrize("weeks", [["2026-W50"], ["2026-W50", "2026-W51"]], ids=["two", "three"])
async def test_calls_for_fifteen_calls_arrives_whole_in_texts_twilio_accepts(week, weeks):
    from rota.sms_text import MAX_BODY
    from tests.support.sms import twiml_parts

    mine = await _fifteen_calls_for_bill(week, weeks)
    response = await week.twilio.text(BILL, "CALLS")
    parts = twiml_parts(response.text)
    assert len(parts) > 1 and all(len(p) <= MAX_BODY for p in parts)
    assert all(p.startswith(f"({i}/{len(parts)}) ") for i, p in enumerate(parts, start=1))
    whole = "\n".join(parts)
    assert len(whole) > MAX_BODY and all(f"{c.code} " in whole for c in mine)


async def test_a_queued_text_too_long_for_one_sms_is_queued_as_parts_that_fit(week):
    from rota.domain import RecipientKind
    from rota.outbox import queue_message
    from rota.sms_text import MAX_BODY

    body = "\n".join(f"A{i} Tue 1 Dec 10:00-10:20 " + "z" * 120 for i in range(40))
    async with week.db.transaction() as session:
        assert await queue_message(
            session,
            key="long:1",
            group_id=week.world.group_id,
            channel="sms",
            recipient_kind=RecipientKind.VOLUNTEER,
            recipient_id=week.world.vid(BILL),
            address=BILL,
            body=body,
            now=week.twilio.clock.now,
        )
    queued = [m for m in await outbox(week.db) if m.key.startswith("long:1")]
    assert len(queued) > 1 and all(len(m.body) <= MAX_BODY for m in queued)
    assert [m.key for m in queued] == ["long:1"] + [
        f"long:1#{n}" for n in range(2, len(queued) + 1)
    ]
