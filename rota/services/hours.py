"""Each person's own message settings: the hours they take messages in, and digest time.

`quiet_hours 08:00-21:00` reads as the group's setting of that name does (messages from
08:00 until before 21:00, held outside them; an urgent alert is never held); `digest_at
18:00` is when an organiser's daily digest goes, or for a volunteer the earliest time of
day for the day's bundled offer of open calls. "off" returns to the group's defaults.
"""

from __future__ import annotations

from datetime import datetime

from rota.services.audit import Actor, record
from rota.services.groups import GroupError, resolve_group
from rota.storage import repository
from rota.storage.db import Database
from rota.storage.people import Organiser, Volunteer
from rota.windows import format_clock, parse_clock

SETTINGS = ("quiet_hours", "digest_at")
OFF = "off"


def changes(setting: str, value: str) -> dict[str, int | None]:
    """The columns a person setting sets, or GroupError saying what is wrong."""
    value = value.strip()
    if setting not in SETTINGS:
        raise GroupError(f"unknown setting '{setting}'; settings are: {', '.join(SETTINGS)}")
    if setting == "digest_at":
        if value.lower() == OFF:
            return {"digest_at": None}
        try:
            return {"digest_at": parse_clock(value)}
        except ValueError as error:
            raise GroupError(f"digest_at should look like 18:00 or off ({error})") from None
    if value.lower() == OFF:
        return {"send_from": None, "send_until": None}
    try:
        start_text, end_text = value.split("-")
        start, end = parse_clock(start_text), parse_clock(end_text)
    except ValueError as error:
        raise GroupError(f"quiet_hours should look like 08:00-21:00 or off ({error})") from None
    if start == end:
        raise GroupError("quiet_hours: messages must start before they stop, e.g. 08:00-21:00")
    return {"send_from": start, "send_until": end}  # a span past midnight is allowed


def describe(person: Organiser | Volunteer) -> dict[str, str]:
    hours = "-"
    if person.send_from is not None and person.send_until is not None:
        hours = f"{format_clock(person.send_from)}-{format_clock(person.send_until)}"
    digest = format_clock(person.digest_at) if person.digest_at is not None else "-"
    return {"quiet_hours": hours, "digest_at": digest}


async def set_for_organiser(
    db: Database,
    group_name: str | None,
    *,
    telegram_id: int | None,
    phone: str | None,
    setting: str,
    value: str,
    actor: Actor,
    now: datetime,
) -> dict[str, str]:
    new = changes(setting, value)
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        found = [
            o
            for o in await repository.organisers(session, group.id)
            if (telegram_id is not None and o.telegram_id == telegram_id)
            or (phone is not None and o.phone == phone)
        ]
        if len(found) != 1:
            raise GroupError("no organiser with that --telegram-id or --phone in this group")
        organiser = found[0]
        for column, v in new.items():
            setattr(organiser, column, v)
        record(
            session,
            actor,
            "organiser.set",
            at=now,
            group_id=group.id,
            subject=f"organiser:{organiser.id}",
            detail={"setting": setting},
        )
        return describe(organiser)


async def set_for_volunteer(
    db: Database,
    volunteer_id: int,
    *,
    group_id: int,
    setting: str,
    value: str,
    actor: Actor,
    now: datetime,
) -> dict[str, str]:
    new = changes(setting, value)
    async with db.transaction() as session:
        volunteer = await session.get(Volunteer, volunteer_id)
        if volunteer is None or volunteer.group_id != group_id:
            raise GroupError("no such volunteer in this group")
        for column, v in new.items():
            setattr(volunteer, column, v)
        record(
            session,
            actor,
            "volunteer.set",
            at=now,
            group_id=group_id,
            subject=f"volunteer:{volunteer.id}",
            detail={"setting": setting},
        )
        return describe(volunteer)
