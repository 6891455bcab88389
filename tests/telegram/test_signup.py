"""Sign-up by deep link and linking an imported volunteer, end to end over the Bot API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rota.sample import SAMPLE_DIR
from rota.services.audit import CLI
from rota.services.cycle import run_due_work
from rota.services.groups import add_organiser, create_group
from rota.services.importing import import_patients, import_volunteers
from rota.services.signup import create_invite
from rota.storage.db import Database
from tests.support.telegram import ORGANISER, Harness, group_code, volunteer
from tests.support.usecases import published_week

NEWBIE = 5_000_000_001  # Telegram ids exceed 32 bits
ANN = "+447700900010"
LONDON = ZoneInfo("Europe/London")
WEEKDAY_BLOCKS = [f"av:{d}:{b}" for d in ("Mon", "Tue", "Wed", "Thu", "Fri") for b in ("am", "pm")]


def next_digest(after: datetime) -> datetime:
    """The group's default digest time (08:00 London) after `after`."""
    local = after.astimezone(LONDON)
    day = local.date() + timedelta(days=1 if local.hour >= 8 else 0)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=LONDON)


async def group_without_rota(db: Database, now: datetime) -> int:
    group = await create_group(db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now)
    for kind, use_case in (("volunteers", import_volunteers), ("patients", import_patients)):
        data = (SAMPLE_DIR / f"{kind}.csv").read_bytes()
        result = await use_case(
            db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
        )
        assert result.ok
    await add_organiser(
        db, None, telegram_id=ORGANISER, phone=None, name="Olive", actor=CLI, now=now
    )
    return group.id


async def test_a_new_volunteer_signs_up_is_approved_and_gets_calls_once_the_rota_is_published(
    bot: Harness, now: datetime
) -> None:
    await group_without_rota(bot.db, now)
    await bot.send(NEWBIE, f"/start {await group_code(bot.db)}")
    assert "How we use your data" in bot.last(NEWBIE)
    await bot.tap(NEWBIE, "consent:yes")
    await bot.send(NEWBIE, "Zoë <b>Bold</b> & Co")
    keyboard = bot.server.last_message(NEWBIE).reply_markup
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_contact"] is True
    await bot.share_contact(NEWBIE, "447700900777")  # Telegram leaves out the plus sign
    for block in WEEKDAY_BLOCKS:
        await bot.tap(NEWBIE, block)
    assert "✅ Fri 14-16" in str(bot.server.last_message(NEWBIE).reply_markup)
    await bot.tap(NEWBIE, "av:done")
    await bot.tap(NEWBIE, "max:10")
    await bot.tap(NEWBIE, "lang:pl")
    await bot.tap(NEWBIE, "lang:done")
    assert "An organiser will look at your offer soon" in bot.last(NEWBIE)
    assert "Zoë &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in bot.last(NEWBIE)

    newbie = await volunteer(bot.db, telegram_id=NEWBIE)
    assert (newbie.status, newbie.phone, newbie.max_calls) == ("pending", "+447700900777", 10)
    assert newbie.languages == ["en", "pl"] and len(newbie.availability) == 10
    assert newbie.consent_at == now
    await bot.send(NEWBIE, "/calls")
    assert "approve you soon" in bot.last(NEWBIE)

    # The organisers' "new volunteer" notice waits for their daily digest (issue 19), which
    # carries its Approve button numbered; the digest goes through the outbox.
    bot.clock.now = next_digest(now)
    await run_due_work(bot.db, bot.clock.now)
    await bot.dispatch()
    alert = bot.server.last_message(ORGANISER)
    assert alert.text is not None and "Zoë &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in alert.text
    assert alert.text.startswith("Your daily digest: 1 notice.")
    assert f"approve:{newbie.id}" in bot.server.buttons(alert)
    assert "1: Approve" in str(alert.reply_markup)
    await bot.tap(ORGANISER, f"approve:{newbie.id}")
    assert "is now <b>active</b>" in bot.last(ORGANISER)
    assert bot.server.buttons(alert) == []  # decided: the buttons are gone
    await bot.dispatch()
    assert "You are approved" in bot.last(NEWBIE)

    await bot.send(ORGANISER, "/rota")
    assert "no rota for 2026-W49 yet" in bot.last(ORGANISER)
    await bot.tap(ORGANISER, "build:2026-W49")
    assert "<b>Rota 2026-W49</b> (draft)" in bot.last(ORGANISER)
    await bot.tap(ORGANISER, "publish:2026-W49")
    assert "Published" in bot.last(ORGANISER)
    await bot.dispatch()
    announcement = bot.last(NEWBIE)
    assert "rota for 2026-W49 is out. Your calls:" in announcement

    await bot.send(NEWBIE, "/calls")
    cards = [m for m in bot.server.messages if m.chat_id == NEWBIE][-1:]
    assert cards and any(d.startswith("done:") for d in bot.server.buttons(cards[0]))
    code = cards[0].text.split()[0] if cards[0].text else ""
    assert code and code in announcement


async def test_declining_consent_keeps_nothing(bot: Harness, now: datetime) -> None:
    await group_without_rota(bot.db, now)
    await bot.send(NEWBIE, f"/start {await group_code(bot.db)}")
    await bot.tap(NEWBIE, "consent:no")
    assert "nothing about you has been kept" in bot.last(NEWBIE)
    await bot.send(NEWBIE, "Zoë")  # no longer in the conversation: not taken as a name
    assert "To volunteer, ask your group's organiser" in bot.last(NEWBIE)


async def test_an_unknown_group_code_is_refused_politely(bot: Harness, now: datetime) -> None:
    await group_without_rota(bot.db, now)
    await bot.send(NEWBIE, "/start NOSUCH123")
    assert "sign-up link is not right" in bot.last(NEWBIE)


async def test_only_the_users_own_contact_is_accepted(bot: Harness, now: datetime) -> None:
    await group_without_rota(bot.db, now)
    await bot.send(NEWBIE, f"/start {await group_code(bot.db)}")
    await bot.tap(NEWBIE, "consent:yes")
    await bot.send(NEWBIE, "Zed")
    await bot.share_contact(NEWBIE, "447700900777", contact_user_id=NEWBIE + 1)
    assert "share your own number" in bot.last(NEWBIE)
    await bot.send(NEWBIE, "07700 900777")  # typed numbers are not proof of ownership
    assert "Share my phone number" in bot.last(NEWBIE)


async def test_an_imported_volunteer_links_telegram_with_their_invite_and_matching_phone(
    bot: Harness, now: datetime
) -> None:
    world = await published_week(bot.db, now)
    payload = await create_invite(bot.db, world.group_id, ANN, actor=CLI, now=now)
    await bot.send(NEWBIE, f"/start {payload}")
    await bot.share_contact(NEWBIE, "447700900999")  # their own contact, but not Ann's number
    assert "different phone number" in bot.last(NEWBIE)
    await bot.send(NEWBIE, f"/start {payload}")
    await bot.share_contact(NEWBIE, "+447700900010")
    assert "you are linked" in bot.texts(NEWBIE)[-2]
    ann = await volunteer(bot.db, phone=ANN)
    assert (ann.telegram_id, ann.telegram_chat_id, ann.channel) == (NEWBIE, NEWBIE, "telegram")
    await bot.send(NEWBIE, "/calls")
    assert bot.server.buttons(bot.server.last_message(NEWBIE))  # her calls, with buttons
    await bot.send(NEWBIE + 1, f"/start {payload}")
    await bot.share_contact(NEWBIE + 1, "+447700900010")
    assert "expired or was already used" in bot.last(NEWBIE + 1)
