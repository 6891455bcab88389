"""Forged webhooks, tampered buttons, other people's patients, group chats, repeats."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.telegram.render import NOT_HERE, STALE_BUTTON
from rota.services.audit import CLI
from rota.services.calls import NOT_AVAILABLE
from rota.services.groups import create_group
from rota.storage import Patient
from tests.support.telegram import Harness, call, inbound_count, link_telegram
from tests.support.telegram_week import ANN_TG, IAN_TG, first_call_of, linked_week
from tests.support.usecases import add_volunteers, calls

ANN = "+447700900010"
STRANGER = 4_400_000_999
NO_MESSAGE = 999_999_999  # no message of the bot has this id


async def patient_names(bot: Harness, call_ids: list[int]) -> list[str]:
    held = {c.patient_id for c in await calls(bot.db) if c.id in call_ids}
    async with bot.db.transaction() as session:
        return list(await session.scalars(select(Patient.name).where(Patient.id.in_(held))))


async def forged_tap(bot: Harness, user: int, data: str, chat: int | None = None) -> None:
    """Callback data no button of ours carried (as a modified client could send)."""
    await bot.post(bot.server.make_callback_update(user, data, NO_MESSAGE, chat_id=chat))


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
async def test_a_webhook_without_the_right_secret_is_refused_and_nothing_is_processed(
    bot: Harness, secret: str | None
) -> None:
    response = await bot.post(bot.server.make_message_update(STRANGER, "/help"), secret=secret)
    assert response.status_code == 403
    assert await inbound_count(bot.db) == 0 and bot.server.messages == []


async def test_a_repeated_update_is_processed_once(bot: Harness) -> None:
    update = bot.server.make_message_update(STRANGER, "/help")
    assert (await bot.post(update)).status_code == 200
    assert (await bot.post(update)).status_code == 200
    assert len(bot.texts(STRANGER)) == 1 and await inbound_count(bot.db) == 1


async def test_an_unreadable_webhook_body_is_refused(bot: Harness) -> None:
    response = await bot.http.post(
        "/telegram/webhook",
        content=b"[1, 2",
        headers={"X-Telegram-Bot-Api-Secret-Token": "test-secret_0123456789"},
    )
    assert response.status_code == 400


async def test_tampered_buttons_cannot_log_swap_or_take_someone_elses_call(
    bot: Harness, now
) -> None:
    world = await linked_week(bot, now)
    anns = await first_call_of(bot, world.vid(ANN))
    bot.clock.now = anns.starts_at
    for data, refusal in [
        (f"done:{anns.id}", NOT_AVAILABLE),
        (f"concern:{anns.id}", NOT_AVAILABLE),  # before asking for words
        (f"swap:{anns.id}", NOT_AVAILABLE),
        (f"take:{anns.id}", NOT_AVAILABLE),
    ]:
        await forged_tap(bot, IAN_TG, data)
        if refusal:
            assert refusal in bot.last(IAN_TG)
    after = await call(bot.db, anns.id)
    assert (after.volunteer_id, after.status, after.swap_offered_at) == (
        world.vid(ANN),
        "planned",
        None,
    )
    names = await patient_names(bot, [anns.id])
    assert not any(name in text for name in names for text in bot.texts(IAN_TG))


async def test_a_volunteer_of_another_group_cannot_claim_by_call_id(bot: Harness, now) -> None:
    await linked_week(bot, now)
    target = next(c for c in await calls(bot.db) if c.volunteer_id is None)
    other = await create_group(bot.db, "Hilltop PPG", timezone="Europe/London", actor=CLI, now=now)
    [outsider] = await add_volunteers(bot.db, other.id, 1, now)
    await link_telegram(bot.db, outsider, STRANGER)
    await forged_tap(bot, STRANGER, f"claim:{target.id}")
    assert bot.last(STRANGER) == NOT_AVAILABLE
    assert (await call(bot.db, target.id)).volunteer_id is None


async def test_volunteers_cannot_use_organiser_buttons(bot: Harness, now) -> None:
    world = await linked_week(bot, now)
    for data in (f"approve:{world.vid(ANN)}", "ack:1", "publish:2026-W49", "build:2026-W50"):
        await forged_tap(bot, IAN_TG, data)
        assert "Only an organiser" in bot.last(IAN_TG)


@pytest.mark.parametrize("data", ["claim:1;DROP", "claim:", "done:abc", "x" * 64, "urgent:-1"])
async def test_unknown_button_data_gets_a_polite_answer_and_changes_nothing(
    bot: Harness, now, data: str
) -> None:
    await linked_week(bot, now)
    before = [(c.id, c.volunteer_id, c.status) for c in await calls(bot.db)]
    await forged_tap(bot, IAN_TG, data)
    assert bot.answers()[-1]["text"] == STALE_BUTTON
    assert [(c.id, c.volunteer_id, c.status) for c in await calls(bot.db)] == before


async def test_no_patient_data_is_ever_sent_to_a_group_chat(bot: Harness, now) -> None:
    world = await linked_week(bot, now)
    anns = await first_call_of(bot, world.vid(ANN))
    group_chat = -100123
    await bot.send(ANN_TG, "/calls", chat_id=group_chat, chat_type="group")
    await bot.send(ANN_TG, "/open@ringround_test_bot", chat_id=group_chat, chat_type="group")
    await bot.send(ANN_TG, "chatter", chat_id=group_chat, chat_type="group")
    await forged_tap(bot, ANN_TG, f"done:{anns.id}", chat=group_chat)
    assert bot.texts(group_chat) == [NOT_HERE, NOT_HERE]
    assert bot.answers()[-1]["text"] == NOT_HERE
    assert (await call(bot.db, anns.id)).status == "planned"


async def test_strangers_get_a_polite_answer_and_no_data(bot: Harness, now) -> None:
    await linked_week(bot, now)
    for command in ("/calls", "/open", "/rota", "/pending", "/pause", "/availability", "hello"):
        await bot.send(STRANGER, command)
    assert all("organiser" in text for text in bot.texts(STRANGER))
    assert all("Call" not in text for text in bot.texts(STRANGER))
