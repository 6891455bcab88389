"""A volunteer's calls over the real Bot API: see, claim, swap, take and log how they went."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rota.storage import Patient
from tests.support.telegram import ORGANISER, Harness, call
from tests.support.telegram_week import (
    ANN,
    ANN_TG,
    IAN,
    IAN_TG,
    first_call_of,
    ian_is_free_all_week,
    linked_week,
)
from tests.support.usecases import World, calls


async def test_my_next_calls_come_one_message_each_with_outcome_buttons(bot: Harness, now) -> None:
    world = await linked_week(bot, now)
    mine = [c for c in await calls(bot.db) if c.volunteer_id == world.vid(ANN)]
    await bot.send(ANN_TG, "/calls")
    sent = [m for m in bot.server.messages if m.chat_id == ANN_TG]
    cards = [m for m in sent if bot.server.buttons(m)]
    assert len(cards) == min(len(mine), 3) > 0 and len(sent) <= 4  # later ones in one list
    for card, held in zip(cards, mine, strict=False):
        assert card.text is not None and card.text.startswith(held.code)
        assert bot.server.buttons(card) == [
            f"{verb}:{held.id}"
            for verb in ("done", "noanswer", "concern", "urgent", "declined", "swap")
        ]


async def test_a_volunteer_claims_an_open_call_from_the_open_list(bot: Harness, now) -> None:
    world = await linked_week(bot, now)
    await bot.send(IAN_TG, "/open")
    claims = bot.server.buttons(bot.server.last_message(IAN_TG))
    assert claims and all(d.startswith("claim:") for d in claims)
    assert "Open calls:" in bot.last(IAN_TG)
    call_id = int(claims[0].split(":")[1])
    await bot.tap(IAN_TG, claims[0])
    assert "is yours" in bot.last(IAN_TG)
    assert "done:" in str(bot.server.last_message(IAN_TG).reply_markup)
    assert (await call(bot.db, call_id)).volunteer_id == world.vid(IAN)
    await bot.tap(IAN_TG, claims[0])  # a second tap on the same button
    assert "already yours" in bot.last(IAN_TG)
    assert all(a.get("callback_query_id") for a in bot.answers())  # every tap was answered


async def test_an_offered_swap_is_taken_by_another_volunteer_tapping_take(
    bot: Harness, now
) -> None:
    world = await linked_week(bot, now)
    await ian_is_free_all_week(bot, world, now)
    offered = await first_call_of(bot, world.vid(ANN))
    await bot.send(ANN_TG, "/calls")
    await bot.tap(ANN_TG, f"swap:{offered.id}")
    assert f"Offered {offered.code}" in bot.last(ANN_TG)
    assert (await call(bot.db, offered.id)).volunteer_id == world.vid(ANN)  # still hers
    await bot.dispatch()
    assert f"Can you take call {offered.code}" in bot.last(IAN_TG)
    await bot.tap(IAN_TG, f"take:{offered.id}")
    assert f"Call {offered.code} is yours" in bot.last(IAN_TG)
    assert (await call(bot.db, offered.id)).volunteer_id == world.vid(IAN)
    await bot.dispatch()
    assert f"has taken call {offered.code}" in bot.last(ANN_TG)


async def test_swap_by_code_offers_the_call(bot: Harness, now) -> None:
    world = await linked_week(bot, now)
    offered = await first_call_of(bot, world.vid(ANN))
    await bot.send(ANN_TG, f"/swap {offered.code.lower()}")
    assert f"Offered {offered.code}" in bot.last(ANN_TG)
    await bot.send(ANN_TG, "/swap")
    assert "Which call?" in bot.last(ANN_TG)


async def at_call_time(bot: Harness, world: World):
    held = await first_call_of(bot, world.vid(ANN))
    bot.clock.now = held.starts_at + timedelta(minutes=30)
    await bot.send(ANN_TG, "/calls")
    return held


@pytest.mark.parametrize(
    ("verb", "said"),
    [
        ("done", "Logged as all well"),
        ("noanswer", "No answer logged"),
        ("declined", "Organisers will review"),
    ],
)
async def test_one_tap_outcomes_are_logged_and_the_buttons_removed(
    bot: Harness, now, verb: str, said: str
) -> None:
    world = await linked_week(bot, now)
    held = await at_call_time(bot, world)
    card = bot.message_with(ANN_TG, f"{verb}:{held.id}")
    async with bot.db.transaction() as session:
        patient = await session.get_one(Patient, held.patient_id)
    assert patient.phone in (card.text or "")
    await bot.tap(ANN_TG, f"{verb}:{held.id}")
    assert said in bot.last(ANN_TG)
    assert (await call(bot.db, held.id)).status == "done"
    assert bot.server.buttons(card) == []
    # logged: the card is edited so it no longer shows who was rung or their number
    assert patient.phone not in (card.text or "") and patient.name not in (card.text or "")


async def test_a_concern_asks_for_words_and_alerts_organisers_who_acknowledge(
    bot: Harness, now
) -> None:
    world = await linked_week(bot, now)
    held = await at_call_time(bot, world)
    await bot.tap(ANN_TG, f"concern:{held.id}")
    assert "What worried you?" in bot.last(ANN_TG)
    assert (await call(bot.db, held.id)).status == "planned"  # nothing logged until she writes
    await bot.send(ANN_TG, "Sounded <confused> & low")
    assert "organisers have your concern" in bot.last(ANN_TG)
    assert (await call(bot.db, held.id)).status == "done"
    await bot.dispatch()
    alert = bot.server.last_message(ORGANISER)
    assert alert.text is not None and "Sounded &lt;confused&gt; &amp; low" in alert.text
    [ack] = bot.server.buttons(alert)
    await bot.tap(ORGANISER, ack)
    assert "Acknowledged" in bot.last(ORGANISER)


async def test_urgent_shows_the_999_line_before_asking_what_happened(bot: Harness, now) -> None:
    world = await linked_week(bot, now)
    held = await at_call_time(bot, world)
    before = len(bot.texts(ANN_TG))
    await bot.tap(ANN_TG, f"urgent:{held.id}")
    emergency, question = bot.texts(ANN_TG)[before:]
    assert "call 999" in emergency and "What has happened?" in question
    await bot.send(ANN_TG, "Fell, can't get up")
    assert "alerted" in bot.last(ANN_TG) and "999" in bot.last(ANN_TG)
    await bot.dispatch()
    alert = bot.server.last_message(ORGANISER)
    assert alert.text is not None and alert.text.startswith("URGENT")
    assert bot.server.buttons(alert)[0].startswith("ack:")


async def test_a_note_can_be_cancelled_and_nothing_is_logged(bot: Harness, now) -> None:
    world = await linked_week(bot, now)
    held = await at_call_time(bot, world)
    await bot.tap(ANN_TG, f"concern:{held.id}")
    await bot.tap(ANN_TG, "note:cancel")
    assert "Not logged" in bot.last(ANN_TG)
    await bot.send(ANN_TG, "hello")
    assert (await call(bot.db, held.id)).status == "planned"
