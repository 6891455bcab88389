"""The fake Bot API server, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import re
import warnings
import zlib
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.helpers import escape
from telegram.warnings import PTBUserWarning

from tests.support.bot_api_server import BotApiServer, Invalid, parse_telegram_html, validate_object

USER = 4_400_000_001  # > 32 bits, like real Telegram ids


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        yield srv


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url) as b:
        yield b


def ci(fragment: str) -> re.Pattern[str]:
    # PTB capitalises error descriptions ("Bad Request: unknown ..." -> "Unknown ...").
    return re.compile(re.escape(fragment), re.IGNORECASE)


async def raw_call(bot: Bot, method: str, params: dict) -> object:
    """Send params exactly as given; PTB warns that a typed method exists, which is the point."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Please use", PTBUserWarning)
        return await bot.do_api_request(method, api_kwargs=params)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def test_get_me(server: BotApiServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.username, me.is_bot, me.id) == ("ringround_test_bot", True, 123456789)
    assert [name for name, _ in server.calls] == ["getMe", "getMe"]  # initialize() + ours
    server.assert_no_violations()


async def test_send_message_records_text_and_buttons(server: BotApiServer, bot: Bot) -> None:
    first = await bot.send_message(USER, "Call needed <b>today</b>", parse_mode=ParseMode.HTML)
    second = await bot.send_message(USER, "Claim?", reply_markup=keyboard("claim:1", "skip:1"))
    group = await bot.send_message(-42, "hello group")
    assert second.message_id > first.message_id
    assert (first.chat.type, group.chat.type, first.from_user.id) == ("private", "group", bot.id)
    assert first.text == "Call needed today" and first.entities[0].type == "bold"
    assert server.buttons(second) == ["claim:1", "skip:1"]
    assert server.buttons(server.last_message(USER)) == ["claim:1", "skip:1"]
    assert server.sent_messages(USER) == ["Call needed <b>today</b>", "Claim?"]
    assert server.calls_to("sendMessage")[0]["chat_id"] == USER  # decoded from the form string
    server.assert_no_violations()


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"chat_id": USER, "text": "x", "colour": "red"}, "unknown parameter colour"),
        ({"chat_id": USER}, "parameter text is required"),
        ({"chat_id": USER, "text": "x", "disable_notification": "maybe"}, "Boolean"),
        ({"chat_id": USER, "text": "x", "reply_markup": "{not json"}, "JSON"),
        ({"chat_id": USER, "text": "x", "reply_markup": '{"inline_keyboard": [[{}]]}'}, "text"),
    ],
)
async def test_invalid_calls_are_bad_requests_and_violations(
    server: BotApiServer, bot: Bot, params: dict, fragment: str
) -> None:
    with pytest.raises(BadRequest, match=ci(fragment)):
        await raw_call(bot, "sendMessage", params)
    assert len(server.violations) == 1 and fragment in server.violations[0].description
    with pytest.raises(AssertionError, match=ci("sendMessage")):
        server.assert_no_violations()


async def test_callback_data_limit_is_64_bytes(server: BotApiServer, bot: Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard("é" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=ci("BUTTON_DATA_INVALID")):
        await bot.send_message(USER, "too long", reply_markup=keyboard("é" * 32 + "x"))
    assert len(server.violations) == 1


async def test_text_length_limits(server: BotApiServer, bot: Bot) -> None:
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # tags are free
    with pytest.raises(BadRequest, match=ci("message is too long")):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match=ci("caption is too long")):
        await bot.send_document(USER, b"a,b\n", filename="a.csv", caption="c" * 1025)
    assert len(server.violations) == 2


@pytest.mark.parametrize(
    "text",
    ["<b>unclosed", "a < b", "Tom & Jerry", "<div>x</div>", "<b><i>x</b></i>", "</b>", "&nbsp;"],
)
async def test_malformed_html_is_rejected(server: BotApiServer, bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=ci("can't parse entities")):
        await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    assert server.violations and server.messages == []


async def test_escaped_user_text_passes(server: BotApiServer, bot: Bot) -> None:
    name = "Tom & Jerry <script> \"quoted\" 'x' 🙂"
    for escaped in (escape(name), html.escape(name)):
        message = await bot.send_message(USER, f"Hi <i>{escaped}</i>!", parse_mode="HTML")
        assert message.text == f"Hi {name}!"
        assert (message.entities[0].offset, message.entities[0].length) == (3, len(name) + 1)
    server.assert_no_violations()


def test_html_parser_entities() -> None:
    text = '<a href="https://x.test/?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler> &#128578;'
    plain, entities = parse_telegram_html(text)
    assert plain == "link s 🙂"
    assert entities == [
        {"type": "text_link", "url": "https://x.test/?a=1&b=2", "offset": 0, "length": 4},
        {"type": "spoiler", "offset": 5, "length": 1},
    ]
    with pytest.raises(Invalid, match=ci("tg-spoiler")):
        parse_telegram_html('<span class="x">s</span>')


async def test_document_round_trip(server: BotApiServer, bot: Bot) -> None:
    csv = b"name,phone\nAda,07700 900123\n"
    file_id = server.add_file(csv, "volunteers.csv", "text/csv")
    update = Update.de_json(server.make_document_update(USER, file_id, "volunteers.csv"), bot)
    telegram_file = await update.message.document.get_file()
    assert await telegram_file.download_as_bytearray() == bytearray(csv)
    with pytest.raises(BadRequest, match=ci("invalid file_id")):
        await bot.get_file("no-such-file")


async def test_photo_upload_is_recorded(server: BotApiServer, bot: Bot) -> None:
    ihdr = (3).to_bytes(4, "big") + (2).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    png = (
        b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + ihdr + zlib.crc32(ihdr).to_bytes(4, "big")
    )
    message = await bot.send_photo(USER, png, caption="<b>Rota</b>", parse_mode="HTML")
    assert (message.photo[-1].width, message.photo[-1].height) == (3, 2)
    sent = server.last_message(USER)
    assert sent.upload is not None and sent.upload.content == png
    assert sent.upload.content.startswith(b"\x89PNG")
    server.assert_no_violations()


async def test_429_raises_retry_after(
    server: BotApiServer, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, PTB 22 warns (an error under filterwarnings) when building RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    server.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "one")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(USER, "two")  # only the next call fails
    assert server.sent_messages(USER) == ["two"]
    server.assert_no_violations()


async def test_403_for_one_chat(server: BotApiServer, bot: Bot) -> None:
    server.fail_next("sendMessage", status=403, chat_id=USER)
    await bot.send_message(USER + 1, "someone else")
    with pytest.raises(Forbidden, match=ci("blocked")):
        await bot.send_message(USER, "hi")
    server.block(USER + 2)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(USER + 2, "hi")
    server.assert_no_violations()


async def test_wrong_token_and_unknown_method(server: BotApiServer) -> None:
    async with Bot(server.token, base_url=server.base_url) as bot:
        with pytest.raises(EndPointNotFound):
            await raw_call(bot, "sendmessage", {"chat_id": 1, "text": "x"})
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=server.base_url):
            pass
    assert [v.description for v in server.violations] == ["Not Found", "Unauthorized"]


async def test_edit_rules(server: BotApiServer, bot: Bot) -> None:
    message = await bot.send_message(USER, "Claim?", reply_markup=keyboard("claim:1"))
    with pytest.raises(BadRequest, match=ci("not modified")):
        await message.edit_text("Claim?", reply_markup=keyboard("claim:1"))
    edited = await message.edit_text("Claimed by you")
    assert edited.text == "Claimed by you" and edited.reply_markup is None
    assert server.sent_messages(USER) == ["Claimed by you"]
    assert await message.delete()
    with pytest.raises(BadRequest, match=ci("not found")):
        await message.edit_text("again")


async def test_application_processes_callback(server: BotApiServer) -> None:
    seen: list[str] = []

    async def on_claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Thanks!")
        seen.append(query.data)
        await query.edit_message_text(f"Claimed by {escape(query.from_user.first_name)}")

    async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Welcome", reply_markup=keyboard("claim:7"))

    app = Application.builder().token(server.token).base_url(server.base_url).updater(None).build()
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CallbackQueryHandler(on_claim, pattern=r"^claim:(\d+)$"))
    async with app:
        await app.process_update(
            Update.de_json(server.make_message_update(USER, "/start"), app.bot)
        )
        sent = server.last_message(USER)
        with pytest.raises(ValueError, match=ci("no button")):
            server.make_callback_update(USER, "claim:8", sent.message_id)
        click = server.make_callback_update(USER, "claim:7", sent.message_id, first_name="A&B")
        await app.process_update(Update.de_json(click, app.bot))
    assert seen == ["claim:7"]
    assert server.sent_messages(USER) == ["Claimed by A&amp;B"]
    assert server.callback_answers[click["callback_query"]["id"]]["text"] == "Thanks!"
    server.assert_no_violations()


async def test_long_polling(server: BotApiServer, bot: Bot) -> None:
    update = server.make_contact_update(USER, "447700900123")
    asyncio.get_running_loop().call_later(0.2, server.enqueue, update)
    # The update arrives while the request is already waiting: an answer at once would be empty.
    updates = await bot.get_updates(timeout=60)
    assert [u.update_id for u in updates] == [update["update_id"]]
    assert updates[0].message.contact.phone_number == "447700900123"
    assert await bot.get_updates(offset=update["update_id"] + 1, timeout=0) == ()
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_webhook_blocks_polling(server: BotApiServer, bot: Bot) -> None:
    await bot.set_webhook("https://ringround.test/telegram", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://ringround.test/telegram"
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    await bot.get_updates()


async def test_shutdown_releases_a_pending_long_poll() -> None:
    async with BotApiServer() as server:
        bot = Bot(server.token, base_url=server.base_url)
        await bot.initialize()
        poll = asyncio.create_task(bot.get_updates(timeout=300))
        await asyncio.sleep(0.1)
    # Released by the shutdown, not by the poll's own 300 s timeout (60 s is only a hang guard).
    assert await asyncio.wait_for(poll, 60) == ()
    await bot.shutdown()


def test_made_updates_match_the_api_description() -> None:
    server = BotApiServer()
    file_id = server.add_file(b"x", "a.csv", "text/csv")
    for update in (
        server.make_message_update(USER, "/start@ringround_test_bot payload"),
        server.make_message_update(USER, "hi", chat_type="supergroup"),
        server.make_contact_update(USER, "+447700900123"),
        server.make_document_update(USER, file_id, "a.csv", caption="rota"),
        server.make_callback_update(USER, "claim:1", message_id=99),
    ):
        validate_object(update, "Update")
    ids = [server.make_message_update(USER, "x")["update_id"] for _ in range(3)]
    assert ids == sorted(set(ids))


async def test_application_polling(server: BotApiServer) -> None:
    got = asyncio.Event()

    async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"Hello {escape(update.effective_user.first_name)}")
        got.set()

    app = Application.builder().token(server.token).base_url(server.base_url).build()
    app.add_handler(CommandHandler("start", on_start))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=300))
        server.enqueue(server.make_message_update(USER, "/start", first_name="Ada"))
        await asyncio.wait_for(got.wait(), 60)  # hang guards only, far above a real run
        # Stopping does not wait for the pending 300 s long poll to run out.
        await asyncio.wait_for(app.updater.stop(), 60)
        await app.stop()
    assert server.sent_messages(USER) == ["Hello Ada"]
    assert "deleteWebhook" in [name for name, _ in server.calls]
    server.assert_no_violations()


async def test_small_methods(server: BotApiServer, bot: Bot) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("rota", "Rota")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "rota"]
    with pytest.raises(BadRequest, match=ci("BOT_COMMAND_INVALID")):
        await bot.set_my_commands([BotCommand("Start!", "Begin")])
    assert await bot.send_chat_action(USER, "typing")
    chat = await bot.get_chat(-1001234567890)
    assert (chat.type, chat.id) == ("supergroup", -1001234567890)
    assert (await bot.get_chat(USER)).type == "private"
    assert len(server.violations) == 1
