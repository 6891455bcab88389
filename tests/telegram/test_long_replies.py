"""Replies that fit Telegram: at most 4,096 characters a message, valid HTML in every part,
a few messages per request however many calls, and a flood-control 429 waited out."""

from __future__ import annotations

import time

from sqlalchemy import update

from bot.telegram import organiser
from integrations.fakes.telegram_html import parse_telegram_html
from integrations.telegram_text import MAX_TEXT, split_html
from rota.services.audit import CLI
from rota.services.report import weekly_report
from rota.storage import Call
from tests.support.telegram import ORGANISER, Harness, link_telegram
from tests.support.usecases import calls, published_week

ANN, ANN_TG = "+447700900010", 4_400_000_010


def test_a_long_pre_block_is_split_at_lines_with_the_pre_closed_and_reopened():
    lines = [f"RP{i:04d}  no answer (2 attempts)  &lt;see notes&gt;" for i in range(600)]
    parts = split_html("<b>Week 2026-W49</b>\n<pre>" + "\n".join(lines) + "</pre>")
    assert len(parts) > 1
    for part in parts:
        _plain, entities = parse_telegram_html(part)  # raises on unbalanced markup
        assert len(part) <= MAX_TEXT and entities
    assert [p.count("<pre>") for p in parts[1:]] == [1] * (len(parts) - 1)
    texts = "\n".join(parse_telegram_html(p)[0] for p in parts)
    assert all(line.replace("&lt;", "<").replace("&gt;", ">") in texts for line in lines)


async def test_the_report_for_a_600_patient_practice_arrives_in_valid_parts(
    bot: Harness, now, monkeypatch
) -> None:
    await published_week(bot.db, now)
    real = await weekly_report(bot.db, None, "2026-W49", actor=CLI, now=now)
    big = {
        **real,
        "patients_due": 600,
        "reached": 480,
        "not_reached": [
            {"patient_ref": f"RP{i:04d}", "reason": "no answer (3 attempts)"} for i in range(120)
        ],
    }

    async def report_of_600(*_args, **_kw):
        return big

    monkeypatch.setattr(organiser, "weekly_report", report_of_600)
    await bot.send(ORGANISER, "/report")
    texts = [m for m in bot.server.messages if m.chat_id == ORGANISER and m.method == "sendMessage"]
    assert len(texts) > 1  # the server refuses any part over 4,096 after parsing
    for message in texts:
        parse_telegram_html(message.text)
    whole = "\n".join(parse_telegram_html(m.text)[0] for m in texts)
    assert all(f"RP{i:04d}" in whole for i in range(120))


async def _fifteen_calls_for_ann(bot: Harness, now) -> list[Call]:
    world = await published_week(bot.db, now)
    await link_telegram(bot.db, world.vid(ANN), ANN_TG)
    chosen = [c for c in await calls(bot.db) if c.starts_at > now][:15]
    async with bot.db.transaction() as session:
        await session.execute(
            update(Call)
            .where(Call.id.in_([c.id for c in chosen]))
            .values(volunteer_id=world.vid(ANN))
        )
    return chosen


async def test_calls_for_fifteen_calls_sends_a_few_messages_with_every_call(
    bot: Harness, now
) -> None:
    mine = await _fifteen_calls_for_ann(bot, now)
    await bot.send(ANN_TG, "/calls")
    sent = bot.texts(ANN_TG)
    assert len(sent) <= 5
    assert all(any(t.startswith(c.code) or f"\n{c.code} " in t for t in sent) for c in mine)


async def test_a_429_on_an_interactive_reply_is_waited_out_and_the_reply_arrives(
    bot: Harness, now
) -> None:
    await _fifteen_calls_for_ann(bot, now)
    bot.server.fail_next("sendMessage", 429, retry_after=1, chat_id=ANN_TG)
    started = time.monotonic()
    await bot.send(ANN_TG, "/calls")
    assert time.monotonic() - started >= 1  # waited as Telegram asked
    assert bot.texts(ANN_TG) and not any("went wrong" in t for t in bot.texts(ANN_TG))
