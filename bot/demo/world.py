"""The demo's world: a throwaway database with the sample group, wired like `ringround serve`.

Same pieces as production, built by the same composition root (bot/composition.py: the
Runtime, the PTB Application with every handler, TelegramChannel), plus the Starlette app and
the outbox Dispatcher, with the outside world replaced by the shipped fakes
(integrations/fakes): Telegram by the fake Bot API, Twilio by signed webhook posts and a
recording SMS channel, time by a fixed clock the demo moves.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from pydantic import AnyHttpUrl, SecretStr
from telegram.ext import Application, ContextTypes
from telegram.request import HTTPXRequest

from bot.composition import build_runtime
from bot.demo.phones import Twilio
from bot.demo.transcript import Person, Transcript, patient_key, volunteer_key
from bot.runtime import Runtime
from bot.telegram.app import MENU
from bot.web import create_app
from config import Settings
from config.settings import TelegramSettings, TwilioSettings
from integrations.fakes.bot_api import FakeBotApi, SentMessage, inline_rows
from integrations.fakes.channels import RecordingChannel
from integrations.fakes.clock import FixedClock
from rota.domain import ChannelKind
from rota.outbox import Dispatcher
from rota.sample import SAMPLE_DIR
from rota.services import snapshot
from rota.services.audit import CLI
from rota.services.groups import add_organiser, create_group, set_setting
from rota.services.importing import import_patients, import_volunteers
from rota.services.unreachable import tell_organisers_unreachable
from rota.storage.db import Database
from rota.storage.migrate import upgrade
from rota.storage.people import Group, Patient, Volunteer

GROUP = "Riverside PPG"
ORGANISER = "Olive Newton"
ORGANISER_TELEGRAM = 7_100_001
PRACTICE_CONTACT = "+447700900999"  # Ofcom's drama range: fictional, and a mobile
GROUP_NUMBER = "+447700900555"
PUBLIC_BASE_URL = "https://ringround.demo.invalid"
TWILIO_TOKEN = "demo-auth-token-not-a-secret"  # noqa: S105 - signs in-process requests only
TELEGRAM_USERS = 7_200_000  # + n: the volunteers' fictional Telegram ids
BOT_ID = 7_000_000
BOT_TOKEN = f"{BOT_ID}:demo-token-not-a-secret"


@dataclass
class World:
    db: Database
    group: Group
    clock: FixedClock
    runtime: Runtime
    app: Application  # type: ignore[type-arg]
    bot_api: FakeBotApi
    twilio: Twilio
    sms: RecordingChannel
    dispatcher: Dispatcher
    transcript: Transcript
    errors: list[str]
    volunteers: dict[int, Volunteer]  # by id, as imported
    patients: dict[int, Patient]
    telegram_ids: dict[int, int]  # volunteer id -> Telegram user id


def demo_settings(database_url: str) -> Settings:
    """Built field by field (no environment, no .env): the demo never reaches a real service."""
    return Settings.model_construct(
        database_url=database_url,
        public_base_url=AnyHttpUrl(PUBLIC_BASE_URL),
        allow_fictional_numbers=True,
        telegram=TelegramSettings(
            token=SecretStr(BOT_TOKEN),
            api_base_url=AnyHttpUrl("https://bot-api.demo.invalid/bot"),
        ),
        twilio=TwilioSettings(auth_token=SecretStr(TWILIO_TOKEN)),
    )


async def _populate(db: Database, now: datetime) -> Group:
    await upgrade(db)
    group = await create_group(db, GROUP, timezone="Europe/London", actor=CLI, now=now)
    for kind, use_case in (("volunteers", import_volunteers), ("patients", import_patients)):
        data = (SAMPLE_DIR / f"{kind}.csv").read_bytes()
        result = await use_case(
            db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
        )
        if not result.ok:
            raise RuntimeError(f"the bundled sample {kind} did not import")
    await add_organiser(
        db, None, telegram_id=ORGANISER_TELEGRAM, phone=None, name=ORGANISER, actor=CLI, now=now
    )
    for setting, value in (("practice_contact", PRACTICE_CONTACT), ("sms_number", GROUP_NUMBER)):
        await set_setting(db, None, setting, value, actor=CLI, now=now, allow_fictional=True)
    return group


def _people(db_volunteers: list[Volunteer], db_patients: list[Patient], t: Transcript) -> None:
    t.add("organiser", Person(ORGANISER, "organiser on Telegram", 0), chat=ORGANISER_TELEGRAM)
    for n, v in enumerate(db_volunteers, start=1):
        on = "Telegram" if v.channel == ChannelKind.TELEGRAM else "SMS"
        t.add(volunteer_key(v.id), Person(v.name, f"volunteer on {on}", 1), phone=v.phone)
        if v.channel == ChannelKind.TELEGRAM:
            t.chats[TELEGRAM_USERS + n] = volunteer_key(v.id)
    for p in db_patients:
        t.add(patient_key(p.id), Person(p.name, f"patient {p.ref}", 2), phone=p.phone)
    t.add("practice", Person("The practice contact", "SMS", 3), phone=PRACTICE_CONTACT)


@asynccontextmanager
async def demo_world(folder: Path, start: datetime, transcript: Transcript) -> AsyncIterator[World]:
    # PTB 22 warns about retry_after as an int unless this is set (production sets it too).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    db = Database(f"sqlite+aiosqlite:///{folder / 'demo.db'}")
    clock = transcript.clock
    assert isinstance(clock, FixedClock)
    try:
        group = await _populate(db, start)
        volunteers, patients = await snapshot.everyone(db)
        _people(volunteers, patients, transcript)

        def shown(message: SentMessage) -> None:
            text = message.payload.get("text", message.payload.get("caption", ""))
            transcript.telegram(int(message.chat_id), text, inline_rows(message.reply_markup))

        bot_api = FakeBotApi(
            BOT_TOKEN,
            username="ringround_demo",
            clock=clock,
            on_message=shown,
            on_toast=lambda chat, text: transcript.toast(int(chat), text),
        )
        sms = RecordingChannel(
            "sms", clock, on_send=lambda message: transcript.sms(message.address, message.body)
        )
        # All Bot API calls are answered in-process by the fake server: nothing can reach
        # api.telegram.org.
        runtime = build_runtime(
            demo_settings(db.url),
            db=db,
            clock=clock,
            channels={"sms": sms},
            bot_api=HTTPXRequest(httpx_kwargs={"transport": bot_api.transport()}),
        )
        app = runtime.telegram
        errors: list[str] = []

        async def keep_error(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            errors.append(type(context.error).__name__)

        app.add_error_handler(keep_error)
        async with app:
            await app.bot.set_my_commands(MENU)
            # No pacing: it waits on the real monotonic clock, and simulated time jumps.
            dispatcher = Dispatcher(
                db, runtime.channels, rate_limits=None, on_unreachable=tell_organisers_unreachable
            )
            transport = httpx.ASGITransport(app=create_app(runtime))
            async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
                twilio = Twilio(client, TWILIO_TOKEN, PUBLIC_BASE_URL, GROUP_NUMBER)
                by_key = {volunteer_key(v.id): v.id for v in volunteers}
                ids = {by_key[k]: chat for chat, k in transcript.chats.items() if k in by_key}
                yield World(
                    db=db,
                    group=group,
                    clock=clock,
                    runtime=runtime,
                    app=app,
                    bot_api=bot_api,
                    twilio=twilio,
                    sms=sms,
                    dispatcher=dispatcher,
                    transcript=transcript,
                    errors=errors,
                    volunteers={v.id: v for v in volunteers},
                    patients={p.id: p for p in patients},
                    telegram_ids=ids,
                )
    finally:
        await db.dispose()
