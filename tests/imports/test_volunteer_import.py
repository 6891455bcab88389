from rota.domain import ChannelKind, VolunteerStatus
from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_volunteers
from rota.storage.repository import volunteers_by_phone

HEADER = "name,phone,channel,availability,max_calls,languages,zoom_host"


async def run(db, now, body: str, group_id=None):
    if group_id is None:
        group_id = (
            await create_group(db, "Riverside", timezone="Europe/London", actor=CLI, now=now)
        ).id
    data = (HEADER + "\n" + body).encode()
    result = await import_volunteers(
        db, group_id=group_id, data=data, actor=CLI, now=now, allow_fictional=True
    )
    return result, group_id


async def test_imported_volunteers_are_active_at_once_with_their_windows(db, now):
    result, group_id = await run(
        db, now, "Ann,07700 900010,telegram,Mon 10:00-12:00,,Polish; en,yes\n"
    )
    assert result.ok, result.problems
    async with db.transaction() as session:
        ann = (await volunteers_by_phone(session, group_id))["+447700900010"]
    assert ann.status == VolunteerStatus.ACTIVE and ann.channel == ChannelKind.TELEGRAM
    assert ann.max_calls == 5 and ann.languages == ["pl", "en"] and ann.zoom_host
    assert ann.availability == ["Mon 10:00-12:00"]


async def test_an_sms_volunteer_needs_a_mobile(db, now):
    result, _ = await run(db, now, "Bob,01632 960001,sms,,,,\n")
    assert not result.ok and result.problems[0].row == 2 and "mobile" in result.problems[0].message


async def test_bad_cells_are_reported_by_row(db, now):
    result, _ = await run(
        db,
        now,
        "Ann,07700 900010,pigeon,,,,\nBob,07700 900011,sms,Mon 9-5,,,\nCat,07700 900012,sms,,many,,\n",
    )
    assert [(p.row, p.message.split(":")[0]) for p in result.problems] == [
        (2, "channel"),
        (3, "availability"),
        (4, "max_calls"),
    ]
