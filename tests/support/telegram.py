"""A running bot wired as in production, against the local Bot API server.

Updates go in the way Telegram sends them: JSON POSTed to the Starlette app from
`bot.web.create_app` with the secret header. Outbox messages go out through the real
Dispatcher and TelegramChannel, so what a person "receives" is what the server recorded.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select, update
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.composition import build_runtime
from bot.runtime import Runtime
from bot.web import create_app
from config import Settings
from integrations.console import ConsoleChannel
from integrations.fakes.clock import FixedClock
from rota.outbox import Dispatcher
from rota.storage import Call, Group, InboundMessage, Volunteer
from rota.storage.db import Database
from tests.support.bot_api_server import BotApiServer, SentMessage

SECRET = "test-secret_0123456789"
WEBHOOK = "https://ringround.example/telegram/webhook"  # updates are posted, as in webhook mode
ORGANISER = 900001


@dataclass
class Harness:
    server: BotApiServer
    runtime: Runtime
    app: Application
    http: httpx.AsyncClient
    clock: FixedClock
    dispatcher: Dispatcher
    errors: list[BaseException] = field(default_factory=list)

    @property
    def db(self) -> Database:
        return self.runtime.db

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        response = await self.http.post("/telegram/webhook", json=update, headers=headers)
        await self.app.update_queue.join()  # processed, replies sent
        return response

    async def send(self, user: int, text: str, **kw: Any) -> httpx.Response:
        return await self.post(self.server.make_message_update(user, text, **kw))

    async def share_contact(self, user: int, phone: str, **kw: Any) -> httpx.Response:
        return await self.post(self.server.make_contact_update(user, phone, **kw))

    def message_with(self, chat: int, data: str) -> SentMessage:
        for message in reversed(self.server.messages):
            if message.chat_id == chat and data in self.server.buttons(message):
                return message
        raise AssertionError(f"no message to {chat} has a button {data!r}")

    async def tap(self, user: int, data: str) -> httpx.Response:
        message = self.message_with(user, data)
        return await self.post(self.server.make_callback_update(user, data, message.message_id))

    async def dispatch(self) -> None:
        await self.dispatcher.run_once(self.clock())

    def texts(self, chat: int) -> list[str]:
        return self.server.sent_messages(chat)

    def last(self, chat: int) -> str:
        return self.texts(chat)[-1]

    def answers(self) -> list[dict[str, Any]]:
        return list(self.server.callback_answers.values())


def settings_for(db: Database, server: BotApiServer, **telegram: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db.url,
        allow_fictional_numbers=True,
        telegram={
            "token": server.token,
            "api_base_url": server.base_url,
            "webhook_secret": SECRET,
            **telegram,
        },
    )


@asynccontextmanager
async def running_bot(db: Database, now: datetime) -> AsyncIterator[Harness]:
    async with BotApiServer() as server:
        clock = FixedClock(now)
        sms = ConsoleChannel("sms", stream=io.StringIO())
        runtime = build_runtime(
            settings_for(db, server, webhook_url=WEBHOOK), db=db, clock=clock, channels={"sms": sms}
        )
        app = runtime.telegram
        errors: list[BaseException] = []

        async def keep_error(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert context.error is not None
            errors.append(context.error)

        app.add_error_handler(keep_error)
        async with app:
            await app.start()
            dispatcher = Dispatcher(db, runtime.channels, rate_limits=None)
            transport = httpx.ASGITransport(app=create_app(runtime))
            async with httpx.AsyncClient(transport=transport, base_url="http://ringround") as http:
                harness = Harness(server, runtime, app, http, clock, dispatcher, errors)
                yield harness
            await app.stop()
        assert not errors, f"handler errors: {errors!r}"
        server.assert_no_violations()


# --- database facts the tests check -------------------------------------------------------------


async def group_code(db: Database) -> str:
    async with db.transaction() as session:
        return (await session.scalars(select(Group.code))).one()


async def link_telegram(db: Database, volunteer_id: int, telegram_id: int) -> None:
    """As if the volunteer had redeemed their invite (tested on its own in the sign-up tests)."""
    async with db.transaction() as session:
        await session.execute(
            update(Volunteer)
            .where(Volunteer.id == volunteer_id)
            .values(telegram_id=telegram_id, telegram_chat_id=telegram_id, channel="telegram")
        )


async def volunteer(
    db: Database, *, telegram_id: int | None = None, phone: str | None = None
) -> Volunteer:
    async with db.transaction() as session:
        query = select(Volunteer)
        if telegram_id is not None:
            query = query.where(Volunteer.telegram_id == telegram_id)
        if phone is not None:
            query = query.where(Volunteer.phone == phone)
        return (await session.scalars(query)).one()


async def call(db: Database, call_id: int) -> Call:
    async with db.transaction() as session:
        return await session.get_one(Call, call_id)


async def inbound_count(db: Database) -> int:
    async with db.transaction() as session:
        return len((await session.scalars(select(InboundMessage))).all())


def update_json(update: Update) -> dict[str, Any]:
    return update.to_dict()
