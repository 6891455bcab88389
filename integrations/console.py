"""A channel that prints instead of sending, for a laptop without Telegram or Twilio accounts.

Like a web framework's console e-mail backend: the message is written to a stream and kept in
`.sent`, so a developer (or a test) sees what would have gone out. `ringround serve` without
accounts prints to its own output, which ends up in terminals, scroll-back and log files, and
its messages carry patients' names, numbers and notes. So by default a message is printed
redacted: which channel, which message, how long, how many segments, which buttons. Only a
caller that asks (`full_text=True`, for a developer's own fixtures) gets bodies and addresses.
`.sent` always keeps the whole message, in memory only.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

from rota.ports import Outgoing, Sent
from rota.sms_text import measure, without_controls

_KIND = re.compile(r"[a-z_]{1,16}")


def _kind(data: str) -> str:
    kind = data.split(":", 1)[0]
    return kind if _KIND.fullmatch(kind) else "other"


class ConsoleChannel:
    def __init__(
        self, name: str = "sms", stream: TextIO | None = None, *, full_text: bool = False
    ) -> None:
        self.name = name
        # Resolved per write when not given, so pytest's capsys / redirected stdout are honoured.
        self._stream = stream
        self.full_text = full_text
        self.sent: list[Outgoing] = []

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout

    def render(self, message: Outgoing, provider_id: str) -> str:
        heading = f"--- {self.name} message {message.message_id} ({provider_id})"
        if not self.full_text:
            return f"{heading}: {self.summary(message)}\n"
        # Full text on request only; controls stripped so a text cannot drive the terminal.
        lines = [f"{heading} to {message.address}", without_controls(message.body)]
        for row in message.buttons:
            lines.append(" ".join(f"[{label} -> {data}]" for label, data in row))
        lines.append("---")
        return without_controls("\n".join(lines)) + "\n"

    def summary(self, message: Outgoing) -> str:
        """What was sent, without who to or what it said: sizes and the buttons' kinds.

        A button's kind is its callback data up to the first ':' ("ack", "claim"), which says
        which template sent it; ids, tokens and labels are left out.
        """
        size = measure(message.body)
        parts = [f"{size.chars} characters"]
        if self.name == "sms":
            parts.append(f"{size.segments} segment(s) {size.encoding}")
        kinds = sorted({_kind(data) for row in message.buttons for _, data in row})
        if kinds:
            parts.append("buttons " + ", ".join(kinds))
        if message.extra.get("photo"):
            parts.append("a picture")
        return "; ".join(parts) + " (text and recipient withheld)"

    async def send(self, message: Outgoing) -> Sent:
        # No await below: concurrent sends on one loop cannot interleave lines or numbering.
        self.sent.append(message)
        provider_id = f"console-{len(self.sent)}"
        self.stream.write(self.render(message, provider_id))
        self.stream.flush()
        return Sent(provider_id=provider_id)
