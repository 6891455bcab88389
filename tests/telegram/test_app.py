"""Starting the bot inside the service's loop: long polling, or webhook mode."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.composition import build_runtime
from bot.telegram.app import file_url_for, start_telegram, stop_telegram
from integrations.telegram_channel import TelegramChannel
from rota.storage.db import Database
from tests.support.bot_api_server import BotApiServer
from tests.support.telegram import SECRET, settings_for

USER = 4_400_000_321


def test_the_file_url_sits_beside_the_api_url() -> None:
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


async def test_without_a_webhook_url_the_bot_long_polls(sqlite_db: Database, now: datetime) -> None:
    async with BotApiServer() as server:
        runtime = build_runtime(settings_for(sqlite_db, server), db=sqlite_db, clock=lambda: now)
        app = await start_telegram(runtime)
        try:
            assert app is not None and runtime.telegram is app
            assert isinstance(runtime.channels["telegram"], TelegramChannel)
            server.enqueue(server.make_message_update(USER, "/help"))
            async with asyncio.timeout(10):
                while not server.sent_messages(USER):  # noqa: ASYNC110 - another process's state
                    await asyncio.sleep(0.02)
            assert "ask your group's organiser" in server.sent_messages(USER)[0]
            assert [c["command"] for c in server.commands][:2] == ["calls", "open"]
        finally:
            await stop_telegram(runtime)
        assert runtime.telegram is None
        server.assert_no_violations()


async def test_with_a_webhook_url_telegram_is_told_where_and_with_which_secret(
    sqlite_db: Database, now: datetime
) -> None:
    async with BotApiServer() as server:
        url = "https://ringround.example/telegram/webhook"
        settings = settings_for(sqlite_db, server, webhook_url=url)
        runtime = build_runtime(settings, db=sqlite_db, clock=lambda: now)
        app = await start_telegram(runtime)
        try:
            assert app is not None and app.updater is None
            assert server.webhook["url"] == url and server.webhook["secret_token"] == SECRET
            assert not server.calls_to("getUpdates")
        finally:
            await stop_telegram(runtime)
        server.assert_no_violations()


async def test_without_a_token_the_bot_is_not_started(sqlite_db: Database, now: datetime) -> None:
    async with BotApiServer() as server:
        settings = settings_for(sqlite_db, server, token=None)
        runtime = build_runtime(settings, db=sqlite_db, clock=lambda: now)
        assert await start_telegram(runtime) is None
        await stop_telegram(runtime)  # harmless
        assert server.calls == []
