"""Pacing sends per channel and per recipient, without busy-waiting.

Each pace is a GCRA ("virtual scheduling") token bucket: it remembers the theoretical time
the next message may go and books slots ahead, so concurrent senders are spaced out instead
of all waking at once. A slot is booked on the channel and the recipient together, at the
instant the message will really go. `reserve` never sleeps; the dispatcher sleeps with an injected
function, which keeps tests instant and lets a benchmark turn pacing off entirely.

Telegram allows about 30 messages a second overall and about one a second per chat; one
Twilio long code takes a handful a second (configurable).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

_PRUNE_ABOVE = 10_000  # per-recipient paces kept before idle ones are forgotten


@dataclass(frozen=True)
class RateLimit:
    per_second: float
    burst: int = 1
    per_recipient_per_second: float | None = None


DEFAULT_RATE_LIMITS: Mapping[str, RateLimit] = MappingProxyType(
    {
        "telegram": RateLimit(30.0, per_recipient_per_second=1.0),
        "sms": RateLimit(10.0),
    }
)


@dataclass(frozen=True)
class Slot:
    wait: float  # seconds from now
    booked: bool  # False: too far off, nothing was booked; send this message later


class _Pace:
    __slots__ = ("interval", "next_at", "tolerance")

    def __init__(self, per_second: float, burst: int) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")
        self.interval = 1.0 / per_second
        self.tolerance = (burst - 1) * self.interval
        self.next_at = -math.inf

    def earliest(self, t: float) -> float:
        return max(t, self.next_at - self.tolerance)

    def book(self, at: float) -> None:
        self.next_at = max(self.next_at, at) + self.interval


class RateLimiter:
    """Books send slots; channels without a configured limit are not paced."""

    def __init__(
        self,
        limits: Mapping[str, RateLimit],
        *,
        monotonic: Callable[[], float],
        max_wait: float = 1.0,
    ) -> None:
        self.max_wait = max_wait
        self._limits = dict(limits)
        self._monotonic = monotonic
        self._channels = {name: _Pace(lim.per_second, lim.burst) for name, lim in limits.items()}
        self._recipients: dict[tuple[str, str], _Pace] = {}

    def reserve(self, channel: str, recipient: str) -> Slot:
        """Book the next send slot for this recipient on this channel, if it is close enough.

        A recipient who had a message too recently is never waited for here: the caller puts
        that message back for later, so one busy chat cannot hold up everyone else's. A wait
        for the channel longer than `max_wait` is not booked either, so a dispatcher never
        holds a claimed message (and its outbox lease) for long.
        """
        limit = self._limits.get(channel)
        if limit is None:
            return Slot(0.0, booked=True)
        t = self._monotonic()
        own: _Pace | None = None
        if limit.per_recipient_per_second is not None:
            key = (channel, recipient)
            own = self._recipients.get(key)
            if own is None:
                own = self._recipients[key] = _Pace(limit.per_recipient_per_second, 1)
            if own.earliest(t) > t:
                return Slot(own.earliest(t) - t, booked=False)
        pace = self._channels[channel]
        at = pace.earliest(t)
        if at - t > self.max_wait:
            return Slot(at - t, booked=False)
        pace.book(at)
        if own is not None:
            own.book(at)
        if len(self._recipients) > _PRUNE_ABOVE:
            self._forget_idle(t)
        return Slot(at - t, booked=True)

    def _forget_idle(self, t: float) -> None:
        idle = [key for key, pace in self._recipients.items() if pace.next_at <= t]
        for key in idle:
            del self._recipients[key]
