"""With masked_calls on, no patient number reaches a volunteer; patients are told the number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.commands import Command, card_text, execute, outcome_actions
from rota.domain import PhoneKind
from rota.exports.rota_files import rota_csv, rota_html
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.calls import my_calls
from rota.services.cycle import run_due_work
from rota.services.groups import GroupError, describe_settings, set_setting
from rota.services.identity import who_is
from rota.storage import OutboxMessage, Patient
from tests.support.sms import GROUP_NUMBER
from tests.support.usecases import WEEK
from tests.support.voice import a_held_call


async def _patient_phones(db) -> list[str]:
    async with db.transaction() as session:
        return [p.phone for p in await session.scalars(select(Patient))]


async def test_masked_calls_is_a_group_setting_switched_on_and_off(week):
    with pytest.raises(GroupError):
        await set_setting(
            week.db, None, "masked_calls", "maybe", actor=CLI, now=week.twilio.clock.now
        )
    for value in ("on", "off", "on"):
        group = await set_setting(
            week.db, None, "masked_calls", value, actor=CLI, now=week.twilio.clock.now
        )
        assert describe_settings(group)["masked_calls"] == value
    group = await set_setting(
        week.db, None, "max_call_minutes", "45", actor=CLI, now=week.twilio.clock.now
    )
    assert describe_settings(group)["max_call_minutes"] == "45"


async def test_with_masked_calls_volunteers_see_no_patient_number_on_any_channel(week):
    phones = await _patient_phones(week.db)
    now = week.twilio.clock.now
    held = await a_held_call(week.db)
    before = card_text((await my_calls(week.db, held.volunteer.id, channel="sms", now=now))[0])
    assert any(p in before for p in phones)  # off: the card shows the number, as before
    await set_setting(week.db, None, "masked_calls", "on", actor=CLI, now=now)
    seen: list[str] = []
    for volunteer in week.world.volunteers.values():
        if volunteer.status != "active":
            continue
        asker = await who_is(week.db, "sms", volunteer.phone, group_id=volunteer.group_id)
        for verb in ("calls", "open", "help"):
            reply = await execute(week.db, asker, Command(verb), now=now)
            seen.append(reply.text)
            seen += [a.sms for row in reply.actions for a in row]
        for card in await my_calls(week.db, volunteer.id, channel="telegram", now=now):
            seen.append(card_text(card))
            assert card.patient_phone is None and card.ring_via == GROUP_NUMBER
            assert outcome_actions(card)[0][0].data == f"ring:{card.call_id}"
        # and by SMS through the real webhook
        if volunteer.channel == "sms":
            seen.append(await week.twilio.reply(volunteer.phone, "CALLS"))
    view = await rotas.show_rota(week.db, None, WEEK, actor=CLI, now=now)
    seen += [rota_csv(view, {}), rota_html(view, {}), str(view)]
    leaked = sorted({p for p in phones for text in seen if p in text or p[3:] in text})
    assert leaked == []
    assert any("RING" in text for text in seen)


async def test_the_check_in_text_names_the_number_the_call_will_come_from(week):
    await set_setting(week.db, None, "masked_calls", "on", actor=CLI, now=week.twilio.clock.now)
    held = await a_held_call(week.db)
    async with week.db.transaction() as session:
        patient = await session.get_one(Patient, held.patient.id)
        patient.sms_consent, patient.phone_kind = True, PhoneKind.MOBILE
    # the morning sweep, a little before the call
    await run_due_work(week.db, held.call.starts_at - timedelta(minutes=5))
    async with week.db.transaction() as session:
        texts = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.key.like(f"checkin:{held.call.id}%"))
            )
        ).all()
    texts = [t for t in texts if t.key.split(":")[1] == str(held.call.id)]
    assert len(texts) == 1 and "between" in texts[0].body
    assert "from 01632 960555" in texts[0].body
