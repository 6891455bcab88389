"""Button data, built and read here only: `verb:value`, at most 64 bytes.

Buttons come under replies (bot/) and under notices the core queues in the outbox (a Claim
under an offer, a Take under a swap, outcomes after a dialled call); the Telegram front-end
routes taps by `pattern` and reads them with `read`. Pure: no database, no Telegram.

A tapped button comes back as our own callback data, which a modified client may change at
will. So it says which button, never who tapped (that is rota.services.identity.who_is), and
it is read strictly: a verb we know, a value of that verb's shape, nothing more. Anything
else reads as None, which the front-end answers as a stale button, with nothing changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback data

ROW_ID = r"[1-9]\d{0,17}"  # a row id: a hint only, re-checked by the use-case
WEEK = r"\d{4}-W\d{2}"
PENDING_FILE = r"[0-9a-f]{8}"  # a pending import, kept in the organiser's own chat data


@dataclass(frozen=True)
class Button:
    verb: str
    shape: str  # the value's regular expression

    def data(self, value: int | str) -> str:
        text = f"{self.verb}:{value}"
        if not re.fullmatch(self.shape, str(value)) or len(text.encode()) > MAX_BYTES:
            raise ValueError(f"not {self.verb} button data")
        return text


@dataclass(frozen=True)
class Tapped:
    verb: str
    value: str

    @property
    def id(self) -> int:
        return int(self.value)


def read(data: str | None, among: Iterable[Button]) -> Tapped | None:
    """The tapped button, or None for data none of `among` can have carried."""
    if data is None or len(data.encode()) > MAX_BYTES:
        return None
    verb, colon, value = data.partition(":")
    for button in among:
        if colon and button.verb == verb and re.fullmatch(button.shape, value):
            return Tapped(verb, value)
    return None


def pattern(among: Iterable[Button]) -> str:
    """An anchored pattern matching exactly the data `read` accepts (for routing a tap)."""
    alternatives = "|".join(f"{re.escape(b.verb)}:{b.shape}" for b in among)
    return rf"\A(?:{alternatives})\Z"


# Volunteers' buttons: each carries a call id, and is the button of a verb of the same name
# (bot/commands.py VERBS); the use-case re-checks the call is theirs to act on.
CLAIM = Button("claim", ROW_ID)
TAKE = Button("take", ROW_ID)
SWAP = Button("swap", ROW_ID)
RING = Button("ring", ROW_ID)
DONE = Button("done", ROW_ID)
NO_ANSWER = Button("noanswer", ROW_ID)
CONCERN = Button("concern", ROW_ID)
URGENT = Button("urgent", ROW_ID)
DECLINED = Button("declined", ROW_ID)

# Organisers' buttons.
APPROVE = Button("approve", ROW_ID)
REJECT = Button("reject", ROW_ID)
ACKNOWLEDGE = Button("ack", ROW_ID)
BUILD = Button("build", WEEK)
PUBLISH = Button("publish", WEEK)
IMPORT = Button("import", PENDING_FILE)
NO_IMPORT = Button("noimport", PENDING_FILE)
