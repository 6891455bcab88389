"""An outbox channel that keeps what it would have sent instead of sending it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rota.ports import Outgoing, Sent


class RecordingChannel:
    """`sent` holds every message in order; with a clock, `sent_at` holds its reading at each
    send (a simulated datetime, or monotonic seconds). `on_send` lets a caller show a message
    as it goes (the demo's transcript)."""

    def __init__(
        self,
        name: str = "sms",
        clock: Callable[[], Any] | None = None,
        *,
        on_send: Callable[[Outgoing], None] | None = None,
    ) -> None:
        self.name = name
        self.clock = clock
        self.on_send = on_send
        self.sent: list[Outgoing] = []
        self.sent_at: list[Any] = []

    async def send(self, message: Outgoing) -> Sent:
        self.sent.append(message)
        if self.clock is not None:
            self.sent_at.append(self.clock())
        if self.on_send is not None:
            self.on_send(message)
        return Sent(provider_id=f"{self.name}-{len(self.sent)}")

    def timed(self, start: int = 0) -> list[tuple[Any, Outgoing]]:
        """(clock reading, message) for each message from `start` on."""
        return list(zip(self.sent_at[start:], self.sent[start:], strict=True))
