""" "Ring me now" from the button under a Telegram call card, with masked calls on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from rota.ports import SendFailed
from rota.services.audit import CLI
from rota.services.groups import set_setting
from rota.storage import Patient
from tests.support.sms import GROUP_NUMBER, route_group_number
from tests.support.telegram import link_telegram, running_bot
from tests.support.usecases import calls, published_week

ANN, ANN_TG = "+447700900010", 4_400_000_010


@dataclass
class Ringer:
    """Stands in for integrations/twilio_voice.py (tested against Prism in test_ring_me.py)."""

    rung: list[dict[str, object]] = field(default_factory=list)
    fail: bool = False

    async def ring_volunteer(
        self, *, volunteer_phone: str, group_number: str | None, call_id: int
    ) -> str:
        if self.fail:
            raise SendFailed("twilio HTTP 503", code="503")
        self.rung.append({"to": volunteer_phone, "from": group_number, "call": call_id})
        return "CA" + "0" * 32


async def test_the_ring_me_button_rings_the_volunteer_and_the_card_shows_no_number(sqlite_db, now):
    async with running_bot(sqlite_db, now) as bot:
        world = await published_week(bot.db, now)
        await route_group_number(bot.db, now)
        await set_setting(bot.db, None, "masked_calls", "on", actor=CLI, now=now)
        await link_telegram(bot.db, world.vid(ANN), ANN_TG)
        ringer = Ringer()
        bot.runtime.voice = ringer
        mine = [c for c in await calls(bot.db) if c.volunteer_id == world.vid(ANN)]
        first = mine[0]
        async with bot.db.transaction() as session:
            patient = await session.get_one(Patient, first.patient_id)
        await bot.send(ANN_TG, "/calls")
        assert all(patient.phone not in t and patient.phone[3:] not in t for t in bot.texts(ANN_TG))
        card = bot.message_with(ANN_TG, f"ring:{first.id}")
        assert "01632" in (card.text or "") or GROUP_NUMBER in (card.text or "")
        # too early: outside the window nobody is rung
        await bot.tap(ANN_TG, f"ring:{first.id}")
        assert ringer.rung == [] and "not due now" in bot.last(ANN_TG)
        bot.clock.now = first.starts_at + timedelta(minutes=2)
        await bot.tap(ANN_TG, f"ring:{first.id}")
        assert ringer.rung == [{"to": ANN, "from": GROUP_NUMBER, "call": first.id}]
        assert f"Ringing you now for call {first.code}" in bot.last(ANN_TG)
        ringer.fail = True
        await bot.tap(ANN_TG, f"ring:{first.id}")
        assert "could not ring you" in bot.last(ANN_TG)
