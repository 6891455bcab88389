"""One group's pass of the scheduler's sweep: what every time-driven rule is given.

Its own module so the rules (reminders, chasers, re-offers, Zoom invites) and the cycle that
runs them all import it, and none of them imports another's module for its type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.services.notify import Buttons, tell_organisers, tell_volunteer
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call


@dataclass
class CycleStats:
    queued: dict[str, int] = field(default_factory=dict)

    def add(self, rule: str, count: int | bool) -> None:
        if count:
            self.queued[rule] = self.queued.get(rule, 0) + int(count)


@dataclass
class Sweep:
    """One group's pass, with what is already queued so rules are checked cheaply."""

    session: Session
    group: Group
    now: datetime
    stats: CycleStats
    done: set[str]
    volunteers: dict[int, Volunteer]
    patients: dict[int, Patient]
    made_up: set[int] = field(default_factory=set)  # missed calls with a make-up booked
    open_calls: list[Call] = field(default_factory=list)  # offered together after the pass
    # The run of back-to-back calls each held call is part of (rota/services/reminders.py
    # `runs`, whatever their state): one "due now" and one chaser a run, not one a call.
    runs: dict[int, list[Call]] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.group.timezone)

    async def volunteer(
        self,
        rule: str,
        key: str,
        volunteer: Volunteer,
        text: str,
        sms: str,
        buttons: Buttons = (),
    ) -> bool:
        if key in self.done:
            return False
        queued = await tell_volunteer(
            self.session,
            volunteer,
            key=key,
            now=self.now,
            text=text,
            sms_text=sms,
            buttons=buttons,
        )
        self.stats.add(rule, queued)
        return queued

    async def organisers(
        self,
        rule: str,
        key: str,
        text: str,
        buttons: Buttons = (),
        *,
        backups: bool = False,
        purpose: str | None = None,
    ) -> None:
        if key not in self.done:
            queued = await tell_organisers(
                self.session,
                self.group,
                key=key,
                now=self.now,
                text=text,
                buttons=buttons,
                include_backups=backups,
                purpose=purpose,
            )
            self.stats.add(rule, queued)
