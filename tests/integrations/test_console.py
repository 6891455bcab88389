"""The console channel prints what would have been sent and remembers it."""

from __future__ import annotations

import asyncio
import io

import pytest

from integrations.console import ConsoleChannel
from rota.ports import Channel, Outgoing, Sent


def _message(n: int, **kw: object) -> Outgoing:
    fields: dict[str, object] = {"channel": "sms", "address": "+447700900123", "body": f"Hello {n}"}
    fields.update(kw)
    return Outgoing(message_id=n, **fields)  # type: ignore[arg-type]


async def test_prints_and_records() -> None:
    out = io.StringIO()
    channel: Channel = ConsoleChannel("sms", stream=out)
    sent = await channel.send(_message(7))
    assert sent == Sent(provider_id="console-1")
    text = out.getvalue()
    assert "sms message 7" in text
    assert "+447700900123" in text
    assert "Hello 7" in text
    assert isinstance(channel, ConsoleChannel)
    assert channel.sent == [_message(7)]


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
    await channel.send(_message(3, channel="telegram", address="123456789", buttons=buttons))
    assert "[Claim -> claim:12] [Skip -> skip:12]" in out.getvalue()


async def test_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    channel = ConsoleChannel()
    await channel.send(_message(1))
    assert channel.name == "sms"
    assert "Hello 1" in capsys.readouterr().out
