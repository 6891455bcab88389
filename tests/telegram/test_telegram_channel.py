"""The outbox's Telegram channel against the Bot API server: what is sent, how failures map."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from integrations.telegram_channel import TelegramChannel
from rota.ports import Outgoing, SendFailed
from rota.storage import Volunteer
from tests.support.bot_api_server import BotApiServer
from tests.support.telegram import running_bot
from tests.support.telegram_week import (
    ANN_TG,
    IAN_TG,
    first_call_of,
    ian_is_free_all_week,
    linked_week,
)
from tests.support.usecases import outbox

CHAT = 4_400_000_123
MESSAGE = Outgoing(
    message_id=7,
    channel="telegram",
    address=str(CHAT),
    body="New volunteer: Zoë <b> & Co",
    buttons=((("Approve", "approve:12"), ("Reject", "reject:12")),),
)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        yield srv


@pytest.fixture
async def channel(server: BotApiServer) -> AsyncIterator[TelegramChannel]:
    async with Bot(
        server.token, base_url=server.base_url, base_file_url=server.base_file_url
    ) as bot:
        yield TelegramChannel(bot)


async def test_a_message_goes_out_escaped_with_its_buttons(server, channel) -> None:
    sent = await channel.send(MESSAGE)
    message = server.last_message(CHAT)
    assert message.text == "New volunteer: Zoë &lt;b&gt; &amp; Co"
    assert server.buttons(message) == ["approve:12", "reject:12"]
    assert sent.provider_id == f"{CHAT}:{message.message_id}"
    server.assert_no_violations()


async def test_flood_control_becomes_a_retry_after(server, channel) -> None:
    server.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(SendFailed) as failed:
        await channel.send(MESSAGE)
    assert failed.value.retry_after == 3.0 and not failed.value.permanent


async def test_a_blocked_bot_marks_the_recipient_unreachable(server, channel) -> None:
    server.block(CHAT)
    with pytest.raises(SendFailed) as failed:
        await channel.send(MESSAGE)
    assert failed.value.unreachable and failed.value.permanent


async def test_a_bad_request_is_permanent(server, channel) -> None:
    server.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    with pytest.raises(SendFailed) as failed:
        await channel.send(MESSAGE)
    assert failed.value.permanent and not failed.value.unreachable


@pytest.mark.parametrize("error", [httpx.ConnectError("down"), httpx.ReadTimeout("slow")])
async def test_network_trouble_is_retried_later(error: Exception) -> None:
    def transport(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/getMe"):
            me = {"id": 1, "is_bot": True, "first_name": "R", "username": "r_bot"}
            return httpx.Response(200, json={"ok": True, "result": me})
        raise error

    request = HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(transport)})
    async with Bot("1:TOKEN", request=request, get_updates_request=request) as bot:
        with pytest.raises(SendFailed) as failed:
            await TelegramChannel(bot).send(MESSAGE)
    assert not failed.value.permanent and failed.value.retry_after is None


async def test_a_volunteer_who_blocked_the_bot_is_marked_unreachable_by_the_dispatcher(
    sqlite_db, now: datetime
) -> None:
    async with running_bot(sqlite_db, now) as bot:
        world = await linked_week(bot, now)
        await ian_is_free_all_week(bot, world, now)
        offered = await first_call_of(bot, world.vid("+447700900010"))
        bot.server.block(IAN_TG)
        await bot.send(ANN_TG, f"/swap {offered.code}")
        await bot.dispatch()
        to_ian = [m for m in await outbox(sqlite_db) if m.address == str(IAN_TG)]
        assert [m.status for m in to_ian] == ["failed"]
        async with sqlite_db.transaction() as session:
            ian = await session.get_one(Volunteer, world.vid("+447700900018"))
        assert ian.unreachable_since == now


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_a_message_with_a_photo_goes_as_a_captioned_photo(
    channel: TelegramChannel, server: BotApiServer
) -> None:
    await channel.send(
        Outgoing(9, "telegram", str(CHAT), "Week 2026-W49: 35 of 40", extra={"photo": PNG})
    )
    [sent] = [m for m in server.messages if m.chat_id == CHAT]
    assert sent.method == "sendPhoto" and sent.upload is not None and sent.upload.content == PNG
    assert server.calls_to("sendPhoto")[0]["caption"] == "Week 2026-W49: 35 of 40"
    server.assert_no_violations()


async def test_a_photo_with_a_long_text_goes_as_text_then_photo(
    channel: TelegramChannel, server: BotApiServer
) -> None:
    long_text = "not reached: RP1001: open call nobody took\n" * 40
    await channel.send(Outgoing(10, "telegram", str(CHAT), long_text, extra={"photo": PNG}))
    methods = [m.method for m in server.messages if m.chat_id == CHAT]
    assert methods == ["sendMessage", "sendPhoto"]
    server.assert_no_violations()
