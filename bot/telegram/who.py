"""Who is asking: resolved from the Telegram account on every update, never from button data."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import ContextTypes

from bot.runtime import Runtime
from rota.domain import VolunteerStatus
from rota.services.audit import Actor
from rota.services.identity import telegram_roles
from rota.storage.db import Database
from rota.storage.people import Group, Volunteer

# A volunteer who left or was turned down is treated like a stranger.
_GONE = (VolunteerStatus.LEFT, VolunteerStatus.REJECTED)


@dataclass(frozen=True)
class Organising:
    """One group this person organises."""

    organiser_id: int
    group: Group

    def actor(self) -> Actor:
        return Actor("organiser", self.organiser_id, "organiser", "telegram")


@dataclass(frozen=True)
class Asker:
    telegram_id: int
    volunteer: Volunteer | None = None
    group: Group | None = None  # the volunteer's group
    organising: list[Organising] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.volunteer is not None or bool(self.organising)

    @property
    def organiser(self) -> Organising | None:
        # Someone organising several groups acts for the first; a rare case, said in help.
        return self.organising[0] if self.organising else None


async def who_is_asking(db: Database, telegram_id: int) -> Asker:
    """Every role of this Telegram account, loaded in one short transaction."""
    async with db.transaction() as session:
        roles = await telegram_roles(session, telegram_id)
        organising: list[Organising] = []
        volunteers: list[tuple[Volunteer, Group]] = []
        for role in roles:
            if role.id is None or role.group_id is None:
                continue
            group = await session.get_one(Group, role.group_id)
            if role.kind == "organiser":
                organising.append(Organising(role.id, group))
            elif role.kind == "volunteer":
                volunteer = await session.get_one(Volunteer, role.id)
                if volunteer.status not in _GONE:
                    volunteers.append((volunteer, group))
    # Prefer a group where the volunteer is active over one where they still wait or pause.
    volunteers.sort(key=lambda pair: pair[0].status != VolunteerStatus.ACTIVE)
    if not volunteers:
        return Asker(telegram_id, None, None, organising)
    volunteer, group = volunteers[0]
    return Asker(telegram_id, volunteer, group, organising)


def runtime_of(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    runtime: Runtime = context.application.bot_data["runtime"]
    return runtime


async def asker_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Asker:
    user = update.effective_user
    if user is None:  # channel posts and the like: nobody to answer
        return Asker(0)
    return await who_is_asking(runtime_of(context).db, user.id)
