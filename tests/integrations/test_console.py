"""The console channel prints what would have been sent and remembers it."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime

import pytest

from bot.composition import sms_channel
from config import Settings
from integrations.console import ConsoleChannel
from rota.outbox import Dispatcher
from rota.ports import Channel, Outgoing, Sent
from rota.storage.db import Database
from tests.support.pii import leaks
from tests.support.sms import route_group_number, twilio_app
from tests.support.sms_reliability import queue_check_in
from tests.support.usecases import published_week

JOAN, BILL = "+447700900104", "+447700900011"


def _message(n: int, **kw: object) -> Outgoing:
    fields: dict[str, object] = {"channel": "sms", "address": "+447700900123", "body": f"Hello {n}"}
    fields.update(kw)
    return Outgoing(message_id=n, **fields)  # type: ignore[arg-type]


async def test_prints_in_full_when_asked_and_records() -> None:
    out = io.StringIO()
    channel: Channel = ConsoleChannel("sms", stream=out, full_text=True)
    sent = await channel.send(_message(7))
    assert sent == Sent(provider_id="console-1")
    text = out.getvalue()
    assert "sms message 7" in text
    assert "+447700900123" in text
    assert "Hello 7" in text
    assert isinstance(channel, ConsoleChannel)
    assert channel.sent == [_message(7)]


async def test_by_default_prints_sizes_and_button_kinds_but_no_text_or_recipient() -> None:
    out = io.StringIO()
    channel = ConsoleChannel("sms", stream=out)
    body = "Text from patient RP1005: Joan Whitfield here, ring me on 07700 900104"
    buttons = ((("Seen, Joan", "ack:12"), ("Token", "Zx9_secret-token")),)
    await channel.send(_message(7, body=body, buttons=buttons))
    assert out.getvalue() == (
        "--- sms message 7 (console-1): 70 characters; 1 segment(s) GSM-7; buttons ack, other"
        " (text and recipient withheld)\n"
    )
    assert channel.sent[0].body == body  # kept in memory for a test to read


async def test_numbers_each_send_and_keeps_order() -> None:
    channel = ConsoleChannel("telegram", stream=io.StringIO())
    results = await asyncio.gather(*(channel.send(_message(n)) for n in range(1, 6)))
    assert [r.provider_id for r in results] == [f"console-{n}" for n in range(1, 6)]
    assert [m.message_id for m in channel.sent] == [1, 2, 3, 4, 5]
    assert channel.name == "telegram"


async def test_buttons_are_shown() -> None:
    out = io.StringIO()
    channel = ConsoleChannel("telegram", stream=out)
    buttons = ((("Claim", "claim:12"), ("Skip", "skip:12")),)
    channel.full_text = True
    await channel.send(_message(3, channel="telegram", address="123456789", buttons=buttons))
    assert "[Claim -> claim:12] [Skip -> skip:12]" in out.getvalue()


async def test_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    channel = ConsoleChannel()
    await channel.send(_message(1))
    assert channel.name == "sms"
    assert "sms message 1 (console-1): 7 characters" in capsys.readouterr().out


async def serve_week_output(db, now, *, full_text: bool) -> str:
    """A published week's messages, check-ins and texts in, through console channels."""
    await published_week(db, now)
    await route_group_number(db, now)
    for ref in ("RP1005", "RP1007"):
        await queue_check_in(db, ref, now)
    async with twilio_app(db, now) as twilio:
        await twilio.reply(JOAN, "Joan here, ring me on 07700 900104")
        await twilio.reply(BILL, "STOP")  # a volunteer: the organisers are told by name
    out = io.StringIO()
    channels = {
        name: ConsoleChannel(name, stream=out, full_text=full_text) for name in ("sms", "telegram")
    }
    await Dispatcher(db, channels, rate_limits=None).run_once(now)
    assert sum(len(channel.sent) for channel in channels.values()) >= 10
    return out.getvalue()


async def test_serve_uses_the_redacted_console_when_twilio_is_not_configured() -> None:
    channel = sms_channel(Settings(_env_file=None))  # type: ignore[call-arg]
    assert isinstance(channel, ConsoleChannel) and not channel.full_text


@pytest.mark.parametrize("full_text", [False, True])
async def test_serve_console_output_has_no_names_or_numbers_unless_full_text_is_asked_for(
    sqlite_db: Database, now: datetime, full_text: bool
) -> None:
    output = await serve_week_output(sqlite_db, now, full_text=full_text)
    if full_text:  # the scan does see them when they are there
        assert len(leaks(output.splitlines())) >= 5
    else:
        assert output.count("(text and recipient withheld)") >= 10
        assert leaks(output.splitlines()) == []
