"""Who is asking: one value per request, plain values only, the same rules on every channel."""

from __future__ import annotations

import dataclasses

from rota.services.audit import CLI
from rota.services.groups import add_organiser
from rota.services.identity import Asker, GroupRef, Organising, Volunteering, who_is
from rota.storage.base import Base
from tests.support.usecases import published_week

OLIVE_TG = 900001
STRANGER_TG = 4_400_000_999


def rows_in(value: object) -> list[object]:
    """Any ORM row reachable from the value (there must be none)."""
    if isinstance(value, Base):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [r for f in dataclasses.fields(value) for r in rows_in(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [r for item in value for r in rows_in(item)]
    return []


async def test_a_volunteer_texting_their_group_is_a_volunteer_of_it(sqlite_db, now) -> None:
    world = await published_week(sqlite_db, now)
    phone, volunteer = next(iter(world.volunteers.items()))
    asker = await who_is(sqlite_db, "sms", phone, group_id=world.group_id)
    assert asker.kind == "volunteer" and asker.channel == "sms"
    assert asker.volunteer is not None and asker.volunteer.id == volunteer.id
    assert asker.group == GroupRef(world.group_id, "Riverside PPG", "Europe/London")
    assert rows_in(asker) == []


async def test_an_organiser_on_telegram_acts_as_themselves_there(sqlite_db, now) -> None:
    world = await published_week(sqlite_db, now, organiser_telegram=OLIVE_TG)
    asker = await who_is(sqlite_db, "telegram", OLIVE_TG)
    assert asker.kind == "organiser" and asker.volunteer is None
    assert asker.organiser is not None and asker.organiser.group.id == world.group_id
    assert asker.organiser.actor().channel == "telegram"
    assert rows_in(asker) == []


async def test_an_organiser_texting_has_their_role_by_phone(sqlite_db, now) -> None:
    world = await published_week(sqlite_db, now)
    await add_organiser(
        sqlite_db,
        None,
        telegram_id=None,
        phone="07700 900321",
        name=None,
        actor=CLI,
        now=now,
        allow_fictional=True,
    )
    asker = await who_is(sqlite_db, "sms", "+447700900321", group_id=world.group_id)
    assert asker.kind == "organiser"
    assert isinstance(asker.organiser, Organising) and asker.organiser.actor().channel == "sms"


async def test_strangers_are_strangers_on_every_channel(sqlite_db, now) -> None:
    world = await published_week(sqlite_db, now)
    for asker in (
        await who_is(sqlite_db, "telegram", STRANGER_TG),
        await who_is(sqlite_db, "sms", "+447700900999", group_id=world.group_id),
        await who_is(sqlite_db, "sms", "+447700900999"),  # a number no group answers
    ):
        assert asker.kind == "stranger" and not asker.known
        assert asker == Asker(asker.channel)


def test_the_value_objects_cannot_be_changed():
    for cls in (Asker, GroupRef, Organising, Volunteering):
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
