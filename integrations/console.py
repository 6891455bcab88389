"""A channel that prints instead of sending, for a laptop without Telegram or Twilio accounts.

Like a web framework's console e-mail backend: the message is written to a stream and kept in
`.sent`, so a developer (or a test) sees exactly what would have gone out. It prints bodies and
addresses on purpose; it is never wired up when a real provider is configured.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rota.ports import Outgoing, Sent


class ConsoleChannel:
    def __init__(self, name: str = "sms", stream: TextIO | None = None) -> None:
        self.name = name
        # Resolved per write when not given, so pytest's capsys / redirected stdout are honoured.
        self._stream = stream
        self.sent: list[Outgoing] = []

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout

    def render(self, message: Outgoing, provider_id: str) -> str:
        lines = [
            f"--- {self.name} message {message.message_id} ({provider_id}) to {message.address}",
            message.body,
        ]
        for row in message.buttons:
            lines.append(" ".join(f"[{label} -> {data}]" for label, data in row))
        lines.append("---")
        return "\n".join(lines) + "\n"

    async def send(self, message: Outgoing) -> Sent:
        # No await below: concurrent sends on one loop cannot interleave lines or numbering.
        self.sent.append(message)
        provider_id = f"console-{len(self.sent)}"
        self.stream.write(self.render(message, provider_id))
        self.stream.flush()
        return Sent(provider_id=provider_id)
