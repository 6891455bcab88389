import asyncio

import pytest

from rota.errors import Refused
from rota.services.calls import (
    claim_call,
    list_open_calls,
    my_calls,
    offer_swap,
    release_call,
    take_swap,
)
from tests.support.usecases import add_volunteers, calls, outbox, published_week

ANN, BILL, IAN = "+447700900010", "+447700900011", "+447700900018"


async def open_call(db):
    return next(c for c in await calls(db) if c.volunteer_id is None)


async def test_fifty_volunteers_claiming_one_call_at_once_leaves_exactly_one_holder(db, now):
    world = await published_week(db, now)
    target = await open_call(db)
    crowd = await add_volunteers(db, world.group_id, 50, now)

    async def attempt(volunteer_id):
        try:
            await claim_call(db, volunteer_id, call_id=target.id, channel="sms", now=now)
            return "won"
        except Refused as refusal:
            return str(refusal)

    results = await asyncio.gather(*(attempt(v) for v in crowd))
    assert results.count("won") == 1
    assert all("already been taken" in r for r in results if r != "won")
    holder = next(c for c in await calls(db) if c.id == target.id).volunteer_id
    assert holder == crowd[results.index("won")]


async def test_a_claimed_call_shows_the_patient_to_its_new_holder_only(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    target = await open_call(sqlite_db)
    first, second = await add_volunteers(sqlite_db, world.group_id, 2, now)
    card = await claim_call(sqlite_db, first, call_id=target.id, channel="telegram", now=now)
    assert card.code == target.code and card.patient_phone.startswith("+44")
    assert target.code in [
        c.code for c in await my_calls(sqlite_db, first, channel="telegram", now=now)
    ]
    assert target.code not in [
        c.code for c in await my_calls(sqlite_db, second, channel="sms", now=now)
    ]
    with pytest.raises(Refused, match="already been taken"):
        await claim_call(sqlite_db, second, code=target.code, channel="sms", now=now)


async def test_open_calls_list_hides_patient_details(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    listed = await list_open_calls(sqlite_db, world.vid(IAN), now=now)
    assert listed and all(not hasattr(c, "patient_name") for c in listed)


async def test_a_call_of_another_group_cannot_be_claimed_by_id(sqlite_db, now):
    from rota.services.audit import CLI
    from rota.services.groups import create_group

    world = await published_week(sqlite_db, now)
    other = await create_group(
        sqlite_db, "Hilltop PPG", timezone="Europe/London", actor=CLI, now=now
    )
    outsider = (await add_volunteers(sqlite_db, other.id, 1, now))[0]
    target = await open_call(sqlite_db)
    with pytest.raises(Refused, match="not available to you"):
        await claim_call(sqlite_db, outsider, call_id=target.id, channel="telegram", now=now)
    assert (await open_call(sqlite_db)).id == target.id and world


async def test_a_swap_offer_keeps_the_call_until_someone_takes_it(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    mine = next(c for c in await calls(sqlite_db) if c.volunteer_id == world.vid(ANN))
    await add_volunteers(sqlite_db, mine.group_id, 2, now)  # free on Mondays: two to ask
    asked = await offer_swap(sqlite_db, world.vid(ANN), code=mine.code, channel="telegram", now=now)
    assert asked > 1
    offers = [m for m in await outbox(sqlite_db) if m.key.startswith(f"swap:{mine.id}:")]
    assert len(offers) == asked and all(
        f"TAKE {mine.code}" in m.body or m.channel == "telegram" for m in offers
    )
    assert next(c for c in await calls(sqlite_db) if c.id == mine.id).volunteer_id == world.vid(ANN)
    taker, late = offers[0].recipient_id, offers[1].recipient_id
    card = await take_swap(sqlite_db, taker, code=mine.code, channel="sms", now=now)
    assert card.code == mine.code
    assert next(c for c in await calls(sqlite_db) if c.id == mine.id).volunteer_id == taker
    with pytest.raises(Refused, match="already been taken"):
        await take_swap(sqlite_db, late, code=mine.code, channel="sms", now=now)
    told = [
        m
        for m in await outbox(sqlite_db)
        if m.key == f"swapped:{mine.id}:volunteer:{world.vid(ANN)}"
    ]
    assert len(told) == 1


async def test_only_the_holder_can_offer_or_release_a_call(sqlite_db, now):
    world = await published_week(sqlite_db, now)
    annes = next(c for c in await calls(sqlite_db) if c.volunteer_id == world.vid(ANN))
    with pytest.raises(Refused, match="not yours"):
        await offer_swap(sqlite_db, world.vid(BILL), code=annes.code, channel="sms", now=now)
    with pytest.raises(Refused, match="not yours"):
        await release_call(sqlite_db, world.vid(BILL), code=annes.code, channel="sms", now=now)
    with pytest.raises(Refused, match="already been taken"):
        await take_swap(sqlite_db, world.vid(BILL), code=annes.code, channel="sms", now=now)
    await release_call(sqlite_db, world.vid(ANN), code=annes.code, channel="sms", now=now)
    assert next(c for c in await calls(sqlite_db) if c.id == annes.id).volunteer_id is None


async def test_a_paused_volunteer_cannot_take_a_swap(sqlite_db, now):
    from datetime import date

    from rota.services.availability import pause

    world = await published_week(sqlite_db, now)
    mine = next(c for c in await calls(sqlite_db) if c.volunteer_id == world.vid(ANN))
    await offer_swap(sqlite_db, world.vid(ANN), code=mine.code, channel="telegram", now=now)
    taker = next(
        m for m in await outbox(sqlite_db) if m.key.startswith(f"swap:{mine.id}:")
    ).recipient_id
    await pause(sqlite_db, taker, until=date(2026, 12, 31), channel="sms", now=now)
    with pytest.raises(Refused, match="You are paused"):
        await take_swap(sqlite_db, taker, code=mine.code, channel="sms", now=now)
    assert next(c for c in await calls(sqlite_db) if c.id == mine.id).volunteer_id == world.vid(ANN)


async def test_a_swap_is_offered_only_to_volunteers_free_then_and_to_few_of_them(sqlite_db, now):
    """Issue 19's budget: a swap asked of every volunteer cost 33 texts and few could say yes."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from rota.services.availability import set_availability
    from rota.services.calls import SWAP_ASKS
    from rota.services.offers import Load, free_for
    from rota.storage import Volunteer

    world = await published_week(sqlite_db, now)
    everyone = await calls(sqlite_db)
    mine = next(c for c in everyone if c.volunteer_id == world.vid(ANN))
    # Twelve more volunteers who speak every language; three of them are free all week.
    crowd = await add_volunteers(sqlite_db, mine.group_id, 12, now)
    for volunteer_id in crowd[:3]:
        await set_availability(
            sqlite_db,
            volunteer_id,
            "; ".join(f"{day} 07:00-21:00" for day in ("Mon", "Tue", "Wed", "Thu", "Fri")),
            channel="sms",
            now=now,
        )
    elsewhere = "Sat 10:00-12:00"  # the others are never free at a weekday call's time
    for volunteer_id in crowd[3:]:
        await set_availability(sqlite_db, volunteer_id, elsewhere, channel="sms", now=now)
    asked = await offer_swap(sqlite_db, world.vid(ANN), code=mine.code, channel="sms", now=now)
    offers = [m for m in await outbox(sqlite_db) if m.key.startswith(f"swap:{mine.id}:")]
    assert 0 < asked == len(offers) <= SWAP_ASKS
    async with sqlite_db.transaction() as session:
        volunteers = {v.id: v for v in (await session.scalars(select(Volunteer))).all()}
    load = Load.of(c for c in everyone if c.rota_id == mine.rota_id)
    tz = ZoneInfo("Europe/London")
    free = {
        v.id
        for v in volunteers.values()
        if v.id != mine.volunteer_id and free_for(v, mine, load, tz, within_max=False)
    }
    assert set(crowd[:3]) <= free  # whoever is asked could say yes
    assert {m.recipient_id for m in offers} <= free
