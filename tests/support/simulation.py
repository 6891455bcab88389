"""Running weeks on a simulated clock: sweeps and the dispatcher, tick by tick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from integrations.fakes.channels import RecordingChannel
from integrations.fakes.clock import FixedClock
from rota.outbox import Dispatcher
from rota.outbox.dispatcher import BATCH_SIZE
from rota.ports import Outgoing
from rota.services.cycle import run_due_work


@dataclass
class Simulation:
    db: object
    clock: FixedClock
    channels: dict[str, RecordingChannel]
    dispatcher: Dispatcher

    @classmethod
    def start(cls, db, at: datetime) -> Simulation:
        clock = FixedClock(at)
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
            (item for channel in self.channels.values() for item in channel.timed()),
            key=lambda item: (item[0], item[1].message_id),
        )
