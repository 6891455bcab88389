"""Who is asking: a Telegram user or a phone number, resolved to roles in a group."""

from __future__ import annotations

from dataclasses import dataclass

from rota.storage import repository
from rota.storage.people import Group
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


async def phone_roles(session: Session, group_id: int, phone: str) -> list[Person]:
    """Roles of a phone number within one group: organiser, volunteer, then patient."""
    organisers, volunteers, patients = await repository.people_with_phone(session, group_id, phone)
    return (
        [Person("organiser", o.id, group_id) for o in organisers]
        + [Person("volunteer", v.id, group_id) for v in volunteers]
        + [Person("patient", p.id, group_id) for p in patients]
    )
