"""Who may see a patient: every role, on Telegram and by SMS, with zero disclosures.

A patient's name and number may reach only the volunteer who holds their call, in a
private chat or a text to that volunteer's own phone, while the call is current.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from rota.domain import VolunteerStatus
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.availability import pause
from rota.services.calls import NOT_AVAILABLE
from rota.services.groups import add_organiser, create_group
from rota.storage import Call, Patient, Volunteer
from rota.storage.rota_queries import CURRENT_FOR
from tests.support.sms import route_group_number, twilio_app
from tests.support.telegram import ORGANISER, Harness, link_telegram, running_bot
from tests.support.usecases import published_week

# Telegram ids per role
HOLDER, OTHER, PAUSED, LEFT = 5_000_000_001, 5_000_000_002, 5_000_000_003, 5_000_000_004
OTHER_GROUP_ORGANISER, STRANGER = 5_000_000_005, 5_000_000_006
# SMS volunteers of the sample
BILL, ELLEN, HELEN = "+447700900011", "+447700900014", "+447700900017"
UNKNOWN_PHONE = "+447700900999"


async def secrets_except(db, volunteer_id: int | None) -> list[str]:
    """Names and numbers of every patient this volunteer does not hold a call for."""
    async with db.transaction() as session:
        patients = (await session.scalars(select(Patient))).all()
        calls = (await session.scalars(select(Call))).all()
    allowed = {c.patient_id for c in calls if volunteer_id and c.volunteer_id == volunteer_id}
    return [s for p in patients if p.id not in allowed for s in (p.name, p.phone)]


def disclosed(texts: list[str], secrets: list[str]) -> list[str]:
    return sorted({s for s in secrets for t in texts if s in t})


async def set_status(db, volunteer_id: int, status: VolunteerStatus) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Volunteer).where(Volunteer.id == volunteer_id).values(status=status)
        )


async def test_telegram_roles_see_only_what_they_hold(sqlite_db, now) -> None:
    async with running_bot(sqlite_db, now) as bot:
        await _telegram_matrix(bot, now)


async def _telegram_matrix(bot: Harness, now) -> None:
    world = await published_week(bot.db, now)
    volunteers = sorted(world.volunteers.values(), key=lambda v: v.id)
    telegram_volunteers = [v for v in volunteers if v.channel == "telegram"]
    holder, other, paused, left = telegram_volunteers[:4]
    for volunteer, telegram_id in zip(
        (holder, other, paused, left), (HOLDER, OTHER, PAUSED, LEFT), strict=True
    ):
        await link_telegram(bot.db, volunteer.id, telegram_id)
    other_group = await create_group(
        bot.db, "Hilltop PPG", timezone="Europe/London", actor=CLI, now=now
    )
    await add_organiser(
        bot.db,
        "Hilltop PPG",
        telegram_id=OTHER_GROUP_ORGANISER,
        phone=None,
        name=None,
        actor=CLI,
        now=now,
    )
    await pause(bot.db, paused.id, until=date(2026, 12, 31), channel="telegram", now=now)
    await set_status(bot.db, left.id, VolunteerStatus.LEFT)
    held = [c for c in await _calls(bot.db) if c.volunteer_id == holder.id]
    assert held and other_group
    first = held[0]
    bot.clock.now = first.starts_at
    async with bot.db.transaction() as session:
        first_patient = await session.get_one(Patient, first.patient_id)
    await bot.send(HOLDER, "/calls")
    assert any(first_patient.name in t for t in bot.texts(HOLDER))  # the holder may see them
    everyone = (HOLDER, OTHER, PAUSED, LEFT, ORGANISER, OTHER_GROUP_ORGANISER, STRANGER)
    for user in everyone:
        await bot.send(user, "/calls")
        await bot.send(user, "/open")
        await bot.post(bot.server.make_callback_update(user, f"claim:{first.id}", 999_999_999))
        if user == HOLDER:  # the real button under the holder's own card
            await bot.tap(HOLDER, f"done:{first.id}")
        else:  # a forged tap: no such button was ever sent to them
            await bot.post(bot.server.make_callback_update(user, f"done:{first.id}", 999_999_999))
    roles = {HOLDER: holder.id, OTHER: other.id, PAUSED: paused.id, LEFT: left.id}
    for user in everyone:
        assert disclosed(bot.texts(user), await secrets_except(bot.db, roles.get(user))) == [], user
    async with bot.db.transaction() as session:
        after = await session.get_one(Call, first.id)
    assert (after.volunteer_id, after.status) == (holder.id, "done")  # only the holder logged it


async def _calls(db) -> list[Call]:
    async with db.transaction() as session:
        return list(await session.scalars(select(Call).order_by(Call.starts_at)))


@pytest.mark.parametrize("role", ["holder", "not_holding", "paused", "left", "unknown"])
async def test_sms_roles_see_only_what_they_hold(sqlite_db, now, role) -> None:
    world = await published_week(sqlite_db, now)
    await route_group_number(sqlite_db, now)
    calls = await _calls(sqlite_db)
    sms_holders = [
        p for p in (BILL, ELLEN, HELEN) if any(c.volunteer_id == world.vid(p) for c in calls)
    ]
    holder_phone = sms_holders[0]
    phone = {
        "holder": holder_phone,
        "not_holding": next(p for p in (BILL, ELLEN, HELEN) if p != holder_phone),
        "paused": holder_phone,
        "left": holder_phone,
        "unknown": UNKNOWN_PHONE,
    }[role]
    first = next(c for c in calls if c.volunteer_id == world.vid(holder_phone))
    if role == "paused":
        await pause(sqlite_db, world.vid(phone), until=date(2026, 12, 31), channel="sms", now=now)
    if role == "left":
        await set_status(sqlite_db, world.vid(phone), VolunteerStatus.LEFT)
    async with twilio_app(sqlite_db, first.starts_at) as twilio:
        replies = [
            await twilio.reply(phone, text)
            for text in ("CALLS", "OPEN", f"CLAIM {first.code}", f"DONE {first.code}", "HELP")
        ]
    role_volunteer = world.vid(phone) if role in ("holder", "not_holding") else None
    if role == "holder":
        async with sqlite_db.transaction() as session:
            first_patient = await session.get_one(Patient, first.patient_id)
        assert any(first_patient.name in r for r in replies)
    assert disclosed(replies, await secrets_except(sqlite_db, role_volunteer)) == []


# --- forged buttons: a draft's calls, walking ids, calls that are over ---------------------------

VERBS = ("claim", "take", "swap", "done", "noanswer", "declined", "concern", "urgent", "ring")


async def _snapshot(db) -> list[tuple[object, ...]]:
    return [(c.id, c.volunteer_id, c.status, c.swap_offered_at) for c in await _calls(db)]


async def _walk(bot: Harness, user: int, call_ids: list[int]) -> list[str]:
    """Every verb on every id, as a modified client could send them; the replies."""
    before = len(bot.texts(user))
    for call_id in call_ids:
        for verb in VERBS:
            await bot.post(bot.server.make_callback_update(user, f"{verb}:{call_id}", 999_999_999))
    return bot.texts(user)[before:]


async def test_forged_buttons_for_a_draft_rota_disclose_nothing_and_change_nothing(
    sqlite_db, now
) -> None:
    async with running_bot(sqlite_db, now) as bot:
        world = await published_week(bot.db, now)
        await rotas.build_rota(bot.db, None, "2026-W50", actor=CLI, now=now, time_limit_s=5)
        draft = [c for c in await _calls(bot.db) if c.starts_at.isocalendar().week == 50]
        assert draft and any(c.volunteer_id is None for c in draft)
        walker = next(v for v in world.volunteers.values() if v.status == "active")
        await link_telegram(bot.db, walker.id, OTHER)
        before = await _snapshot(bot.db)
        replies = await _walk(bot, OTHER, [c.id for c in draft])
        assert await _snapshot(bot.db) == before  # nobody was given a draft's call
        assert set(replies) == {NOT_AVAILABLE}  # the same words for every id and verb
        assert disclosed(bot.texts(OTHER), await secrets_except(bot.db, None)) == []
        assert not any(c.code in r for c in draft for r in replies)


async def test_walking_call_ids_gets_the_same_reply_whatever_is_behind_them(sqlite_db, now) -> None:
    """Missing ids, another holder's calls and a draft's calls all answer alike."""
    async with running_bot(sqlite_db, now) as bot:
        world = await published_week(bot.db, now)
        await rotas.build_rota(bot.db, None, "2026-W50", actor=CLI, now=now, time_limit_s=5)
        walker = next(v for v in world.volunteers.values() if v.status == "active")
        await link_telegram(bot.db, walker.id, OTHER)
        everything = await _calls(bot.db)
        others = [c for c in everything if c.volunteer_id not in (None, walker.id)]
        draft = [c for c in everything if c.starts_at.isocalendar().week == 50]
        missing = max(c.id for c in everything) + 1
        replies = {
            kind: set(await _walk(bot, OTHER, ids))
            for kind, ids in {
                "missing": [missing, missing + 1],
                "someone else's": [c.id for c in others[:3]],
                "draft": [c.id for c in draft[:3]],
            }.items()
        }
        assert replies == {kind: {NOT_AVAILABLE} for kind in replies}
        assert disclosed(bot.texts(OTHER), await secrets_except(bot.db, walker.id)) == []


async def test_a_call_that_is_over_cannot_be_acted_on_even_by_its_holder(sqlite_db, now) -> None:
    async with running_bot(sqlite_db, now) as bot:
        world = await published_week(bot.db, now)
        holder = next(v for v in world.volunteers.values() if v.status == "active")
        held = [c for c in await _calls(bot.db) if c.volunteer_id == holder.id]
        await link_telegram(bot.db, holder.id, HOLDER)
        bot.clock.now = held[-1].ends_at + CURRENT_FOR + timedelta(minutes=1)
        before = await _snapshot(bot.db)
        replies = await _walk(bot, HOLDER, [c.id for c in held])
        assert set(replies) == {NOT_AVAILABLE}
        assert await _snapshot(bot.db) == before
        await bot.send(HOLDER, "/calls")
        assert disclosed(bot.texts(HOLDER), await secrets_except(bot.db, None)) == []


# --- the voice routes: who can be connected to whom ----------------------------------------------


async def test_voice_routes_connect_only_the_holder_to_their_own_patient(sqlite_db, now) -> None:
    """Every role rings the group's number, presses every key and replays the connect step
    of another's call: only a holder is ever connected, and only to their own patient; and
    only that patient, ringing back, is put through to them (and the whisper is theirs alone)."""
    from rota.services.patient_texts import greeting_name
    from tests.support.voice import call_sid, dial_in, dialled_leg, rung, spoken, twiml

    world = await published_week(sqlite_db, now)
    await route_group_number(sqlite_db, now)
    volunteers = sorted(world.volunteers.values(), key=lambda v: v.id)
    everything = await _calls(sqlite_db)
    first = min((c for c in everything if c.volunteer_id), key=lambda c: c.starts_at)
    holder = next(v for v in volunteers if v.id == first.volunteer_id)
    others = [v for v in volunteers if v.id != holder.id]
    paused, left, other = others[0], others[1], others[2]
    await set_status(sqlite_db, paused.id, VolunteerStatus.PAUSED)
    await set_status(sqlite_db, left.id, VolunteerStatus.LEFT)
    async with sqlite_db.transaction() as session:
        patients = {p.id: p for p in await session.scalars(select(Patient))}
    callers = {
        "holder": (holder.phone, holder.id),
        "other": (other.phone, other.id),
        "paused": (paused.phone, paused.id),
        "left": (left.phone, None),
        "patient": (patients[first.patient_id].phone, None),
        "unknown": (UNKNOWN_PHONE, None),
    }
    async with twilio_app(sqlite_db, first.starts_at) as twilio:
        for role, (phone, volunteer_id) in callers.items():
            allowed = {
                c.patient_id
                for c in everything
                if volunteer_id is not None and c.volunteer_id == volunteer_id
            }
            sid = call_sid()
            answers = [await twilio.post("/twilio/voice", dial_in(phone, sid))]
            for key in "0123456789":
                answers.append(
                    await twilio.post("/twilio/voice?step=pick", dial_in(phone, sid, Digits=key))
                )
            for step in ("ring", "connect"):  # a forged "Ring me now" for the first call
                answers.append(
                    await twilio.post(
                        f"/twilio/voice?step={step}&call={first.id}",
                        rung(phone, call_sid(), Digits="1"),
                    )
                )
            whisper = await twilio.post(
                f"/twilio/voice?step=whisper&call={first.id}", dialled_leg(phone, call_sid(), sid)
            )
            heard = spoken(twiml(whisper.text))
            assert (f"call {first.code} is calling back" in heard) == (role == "holder"), role
            roots = [twiml(a.text) for a in answers]
            dialled = {n.text for root in roots for n in root.iter("Number")}
            volunteer_phones = {v.phone for v in volunteers}
            put_through = {holder.phone} if role == "patient" else set()
            assert dialled & volunteer_phones == put_through, role
            allowed_phones = {patients[p].phone for p in allowed}
            patient_phones = {p.phone for p in patients.values()}
            assert dialled & patient_phones <= allowed_phones, role
            said = " ".join(spoken(root) for root in roots)
            allowed_names = {greeting_name(patients[p].name) for p in allowed}
            for patient in patients.values():
                if patient.id not in allowed:
                    assert patient.phone not in said, role
                    first_name = greeting_name(patient.name)
                    if first_name not in allowed_names:
                        assert f"to {first_name}," not in said, (role, first_name)
            if role == "holder":
                assert patients[first.patient_id].phone in dialled
            else:
                assert patients[first.patient_id].phone not in dialled, role
