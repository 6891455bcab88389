"""Who is asking: a Telegram user or a phone number, resolved to roles in a group.

Front-ends call `who_is` once per request and get an `Asker`: plain values, never rows, so
the front-end needs no transaction of its own."""

from __future__ import annotations

from dataclasses import dataclass

from rota.domain import VolunteerStatus
from rota.services.audit import Actor
from rota.storage import repository
from rota.storage.db import Database
from rota.storage.people import Group, Volunteer
from rota.storage.repository import Session


@dataclass(frozen=True)
class Person:
    """One role of a person in one group. Carries ids only, never names or numbers."""

    kind: str  # volunteer | organiser | patient | unknown
    id: int | None
    group_id: int | None

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind


async def telegram_roles(session: Session, telegram_id: int) -> list[Person]:
    """Every role this Telegram account holds, organiser roles first."""
    roles = [
        Person("organiser", o.id, o.group_id)
        for o in await repository.organisers_with_telegram(session, telegram_id)
    ]
    roles += [
        Person("volunteer", v.id, v.group_id)
        for v in await repository.volunteers_with_telegram(session, telegram_id)
    ]
    return roles


async def group_for_inbound_number(session: Session, to_number: str | None) -> Group | None:
    """Inbound SMS is routed by the number it was sent to; a lone group needs no number."""
    if to_number:
        group = await repository.group_by_sms_number(session, to_number)
        if group is not None:
            return group
    groups = await repository.groups(session)
    return groups[0] if len(groups) == 1 else None


@dataclass(frozen=True)
class GroupRef:
    """What a front-end may know of a group: enough to word a reply and pick a week."""

    id: int
    name: str
    timezone: str


@dataclass(frozen=True)
class Volunteering:
    """The asker as a volunteer of one group."""

    id: int
    group: GroupRef
    status: VolunteerStatus
    availability: tuple[str, ...]


@dataclass(frozen=True)
class Organising:
    """One group the asker organises."""

    organiser_id: int
    group: GroupRef
    channel: str

    def actor(self) -> Actor:
        return Actor("organiser", self.organiser_id, "organiser", self.channel)


@dataclass(frozen=True)
class Asker:
    """Who is asking, on one channel: every role they hold, as plain values (no rows)."""

    channel: str
    volunteer: Volunteering | None = None
    organising: tuple[Organising, ...] = ()
    patient_id: int | None = None

    @property
    def kind(self) -> str:
        """volunteer | organiser | patient | stranger: the role a plain request is for."""
        if self.volunteer is not None:
            return "volunteer"
        if self.organising:
            return "organiser"
        return "patient" if self.patient_id is not None else "stranger"

    @property
    def group(self) -> GroupRef | None:
        """The volunteer's group."""
        return self.volunteer.group if self.volunteer is not None else None

    @property
    def known(self) -> bool:
        return self.volunteer is not None or bool(self.organising)

    @property
    def organiser(self) -> Organising | None:
        # Someone organising several groups acts for the first; a rare case, said in help.
        return self.organising[0] if self.organising else None


# A volunteer who left or was turned down is treated like a stranger on Telegram.
_GONE = (VolunteerStatus.LEFT, VolunteerStatus.REJECTED)


def _group_ref(group: Group) -> GroupRef:
    return GroupRef(group.id, group.name, group.timezone)


def _volunteering(volunteer: Volunteer, group: Group) -> Volunteering:
    return Volunteering(
        volunteer.id, _group_ref(group), volunteer.status, tuple(volunteer.availability)
    )


async def who_is(
    db: Database, channel: str, sender: int | str, *, group_id: int | None = None
) -> Asker:
    """Every role of a Telegram account (sender: its user id) or of a phone number within
    the group it texted (sender: the E.164 number, group_id: the group), in one transaction."""
    async with db.transaction() as session:
        if channel == "telegram":
            return await _telegram_asker(session, int(sender))
        if group_id is None:
            return Asker(channel)
        return await _phone_asker(session, channel, group_id, str(sender))


async def _telegram_asker(session: Session, telegram_id: int) -> Asker:
    organising: list[Organising] = []
    volunteers: list[tuple[Volunteer, Group]] = []
    for role in await telegram_roles(session, telegram_id):
        if role.id is None or role.group_id is None:
            continue
        group = await session.get_one(Group, role.group_id)
        if role.kind == "organiser":
            organising.append(Organising(role.id, _group_ref(group), "telegram"))
        elif role.kind == "volunteer":
            volunteer = await session.get_one(Volunteer, role.id)
            if volunteer.status not in _GONE:
                volunteers.append((volunteer, group))
    # Prefer a group where the volunteer is active over one where they still wait or pause.
    volunteers.sort(key=lambda pair: pair[0].status != VolunteerStatus.ACTIVE)
    volunteering = _volunteering(*volunteers[0]) if volunteers else None
    return Asker("telegram", volunteering, tuple(organising))


async def _phone_asker(session: Session, channel: str, group_id: int, phone: str) -> Asker:
    organisers, volunteers, patients = await repository.people_with_phone(session, group_id, phone)
    group = await session.get_one(Group, group_id)
    # The first of each kind wins, as one phone rarely holds two roles of a kind.
    return Asker(
        channel,
        _volunteering(volunteers[0], group) if volunteers else None,
        tuple(Organising(o.id, _group_ref(group), channel) for o in organisers[:1]),
        patients[0].id if patients else None,
    )


async def group_for_number(db: Database, to_number: str | None) -> Group | None:
    """The group an inbound text or call is for, by the number it was sent to."""
    async with db.transaction() as session:
        return await group_for_inbound_number(session, to_number)


async def group_of(db: Database, group_id: int) -> GroupRef:
    async with db.transaction() as session:
        return _group_ref(await session.get_one(Group, group_id))
