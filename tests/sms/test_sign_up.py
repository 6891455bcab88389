"""Joining by text, in one message: "JOIN <group code> <name>[, <when free>]".

One text, because a sign-up split over several would have to keep a half-made volunteer
somewhere, and a pending volunteer is already announced to the organisers.
"""

from __future__ import annotations

from sqlalchemy import select

from rota.domain import ChannelKind, VolunteerStatus
from rota.sms_text import measure
from rota.storage import Group, Volunteer
from tests.support.sms_snapshot import snapshot
from tests.support.usecases import notices

NEWCOMER = "+447700900501"
BILL = "+447700900011"


async def group_code(db) -> str:
    async with db.transaction() as session:
        return (await session.scalars(select(Group.code))).one()


async def volunteer(db, phone: str) -> Volunteer | None:
    async with db.transaction() as session:
        return (
            await session.scalars(select(Volunteer).where(Volunteer.phone == phone))
        ).one_or_none()


async def test_join_with_a_name_signs_up_a_pending_sms_volunteer_and_tells_organisers(week):
    code = await group_code(week.db)
    reply = await week.twilio.reply(NEWCOMER, f"join {code.lower()} Jane Smith")
    assert reply.startswith("Thank you, Jane! Riverside PPG will approve you soon.")
    assert "AVAIL" in reply and measure(reply).segments == 1
    jane = await volunteer(week.db, NEWCOMER)
    assert jane is not None and jane.name == "Jane Smith" and jane.consent_at is not None
    assert (jane.status, jane.channel) == (VolunteerStatus.PENDING, ChannelKind.SMS)
    [told] = [m for m in await notices(week.db) if m.key.startswith(f"pending:{jane.id}:")]
    assert "Jane Smith" in told.body and told.buttons[0][0][1] == f"approve:{jane.id}"


async def test_join_can_say_when_the_volunteer_is_free_in_the_same_text(week):
    code = await group_code(week.db)
    reply = await week.twilio.reply(
        NEWCOMER, f"JOIN {code} Mary-Jane O'Neil, Mon 10:00-12:00; thu 14:00-16:00"
    )
    assert "AVAIL" not in reply
    mary = await volunteer(week.db, NEWCOMER)
    assert mary is not None and mary.name == "Mary-Jane O'Neil"
    assert mary.availability == ["Mon 10:00-12:00", "Thu 14:00-16:00"]


async def test_a_pending_volunteer_is_asked_to_wait_for_approval(week):
    await week.twilio.reply(NEWCOMER, f"JOIN {await group_code(week.db)} Jane Smith")
    assert "approve you soon" in await week.twilio.reply(NEWCOMER, "CALLS")


async def test_join_without_a_name_or_with_a_wrong_code_signs_nobody_up(week):
    code = await group_code(week.db)
    before = await snapshot(week.db)
    assert (
        await week.twilio.reply(NEWCOMER, f"JOIN {code}")
        == f"Please add your name: JOIN {code} Jane Smith"
    )
    assert "not known" in await week.twilio.reply(NEWCOMER, "JOIN NOPE999 Jane Smith")
    assert "name" in await week.twilio.reply(NEWCOMER, f"JOIN {code} http://spam.example 123")
    assert "Example" in await week.twilio.reply(
        NEWCOMER, f"JOIN {code} Jane Smith, Mon 25:00-26:00"
    )
    assert await snapshot(week.db) == before and await volunteer(week.db, NEWCOMER) is None


async def test_an_unknown_number_gets_a_short_explanation_and_nothing_is_stored(week):
    before = await snapshot(week.db)
    reply = await week.twilio.reply(NEWCOMER, "Hello? Who is this?")
    assert "JOIN" in reply and measure(reply).segments == 1
    assert await week.twilio.reply(NEWCOMER, "STOP") == ""
    assert await snapshot(week.db) == before


async def test_a_volunteer_texting_join_is_told_they_are_already_signed_up(week):
    reply = await week.twilio.reply(BILL, f"JOIN {await group_code(week.db)} Bill Carter")
    assert reply.startswith("You are already signed up with Riverside PPG.")
