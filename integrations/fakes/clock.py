"""A clock that moves only when told: simulated weeks, the demo and tests set `clock.now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class FixedClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now
