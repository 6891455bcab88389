"""Running weeks on a simulated clock: sweeps and the dispatcher, tick by tick."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rota.outbox import Dispatcher
from rota.outbox.dispatcher import BATCH_SIZE
from rota.ports import Outgoing, Sent
from rota.services.cycle import run_due_work


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RecordingChannel:
    """Records each message with the simulated time it left."""

    name: str
    clock: Clock
    sent: list[tuple[datetime, Outgoing]] = field(default_factory=list)

    async def send(self, message: Outgoing) -> Sent:
        self.sent.append((self.clock.now, message))
        return Sent(provider_id=f"{self.name}-{len(self.sent)}")


@dataclass
class Simulation:
    db: object
    clock: Clock
    channels: dict[str, RecordingChannel]
    dispatcher: Dispatcher

    @classmethod
    def start(cls, db, at: datetime) -> Simulation:
        clock = Clock(at)
        channels = {name: RecordingChannel(name, clock) for name in ("telegram", "sms")}
        dispatcher = Dispatcher(db, channels, rate_limits=None)
        return cls(db, clock, channels, dispatcher)

    async def tick(self) -> None:
        await run_due_work(self.db, self.clock.now)
        await self.drain()

    async def drain(self) -> None:
        """As the running dispatcher does: passes follow one another while there is a backlog."""
        while (await self.dispatcher.run_once(self.clock.now)).claimed >= BATCH_SIZE:
            pass

    async def run_until(self, end: datetime, step: timedelta = timedelta(minutes=15)) -> None:
        while self.clock.now < end:
            await self.tick()
            self.clock.now += step

    def sent(self) -> list[tuple[datetime, Outgoing]]:
        return sorted(
            (item for channel in self.channels.values() for item in channel.sent),
            key=lambda item: (item[0], item[1].message_id),
        )
