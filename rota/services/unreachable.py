"""A volunteer who blocked the bot cannot be reached: organisers must know at once."""

from __future__ import annotations

from rota.outbox import VolunteerUnreachable
from rota.services.notify import tell_organisers
from rota.storage.people import Group, Volunteer
from rota.storage.repository import Session


async def tell_organisers_unreachable(session: Session, event: VolunteerUnreachable) -> None:
    """The dispatcher's hook: runs in the transaction that marks the volunteer."""
    volunteer = await session.get_one(Volunteer, event.volunteer_id)
    group = await session.get_one(Group, event.group_id)
    await tell_organisers(
        session,
        group,
        key=f"unreachable:{volunteer.id}:{event.at:%Y%m%d}",
        now=event.at,
        text=f"{volunteer.name} can no longer be reached on Telegram (they may have blocked "
        "the bot). Their calls may need someone else: check /open.",
    )
