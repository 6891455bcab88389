"""Reading an SMS body: volunteer commands, carrier keywords, JOIN, or just words.

Pure: no database, no sender. Who sent it decides what the result means (a patient's "Done"
is a message for the organisers, a volunteer's is a command), so the parser only says what
the text *looks like*.

Forgiving where people are: case, extra spaces and punctuation ("  Claim: a3."), a space or
dash inside a call code ("done a 3", "DONE A-3"), two-word verbs ("no answer A3") and a few
synonyms. Never forgiving towards the carrier's own keywords: Twilio acts on STOP, CANCEL,
END, QUIT... itself (it blocks our texts to that phone), so none of them is ever a command.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from bot.commands import NEEDS_CODE, VERBS, Command
from rota.windows import WindowError, parse_windows

MAX_BODY = 1600  # Twilio's limit for one inbound message; more is not a real text

# Twilio's standard keywords (LIBRARY-NOTES): opt-out, opt back in, help.
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
# Only a keyword on its own: followed by more words it may not mean "stop texting me" ("stop
# calling me so early"); a patient's opt-out phrasings are read in bot/sms/patients.py.
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

# Each verb's own keyword (bot/commands.py), and synonyms: squashed (no spaces), upper case.
# None of them is a carrier keyword.
SYNONYMS: dict[str, str] = {
    **{verb.keyword: name for name, verb in VERBS.items()},
    "MYCALLS": "calls",
    "LIST": "calls",
    "OPENCALLS": "open",
    "OFFER": "swap",
    "ACCEPT": "take",
    "DROP": "release",
    "UNCLAIM": "release",
    "OK": "done",
    "ALLWELL": "done",
    "NOREPLY": "noanswer",
    "NA": "noanswer",
    "CONCERNED": "concern",
    "WORRIED": "concern",
    "EMERGENCY": "urgent",
    "DECLINE": "declined",
    "REFUSED": "declined",
    "AVAILABLE": "avail",
    "AVAILABILITY": "avail",
    "FREE": "avail",
    "AWAY": "pause",
    "BACK": "resume",
    "RINGME": "ring",
    "INFO": "help",
    "COMMANDS": "help",
    "MENU": "help",
}
assert not (set(SYNONYMS) & (OPT_OUT_WORDS | OPT_IN_WORDS)), "a command must not be a keyword"

_WORD = re.compile(r"[^\W\d_]+")  # letters only, any script
_CODE = re.compile(r"[\s:;,.#-]*([A-Za-z])[\s-]?(\d{1,3})(?![\d])")
_GROUP_CODE = re.compile(r"[A-Za-z0-9]{3,32}")
_NAME = re.compile(r"[^\W\d_]+(?:[ '.-]+[^\W\d_]+)*\.?")
_WINDOW_START = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+\d", re.IGNORECASE)
_LEADING_JUNK = " \t\r\n:;,.-"
ACK_WORDS = frozenset({"ACK", "ACKNOWLEDGE", "ACKNOWLEDGED"})
_ALERT_NUMBER = re.compile(r"[\s:;,.#-]*(\d{1,18})\b")


class Kind(StrEnum):
    COMMAND = "command"  # a volunteer verb
    STOP = "stop"
    START = "start"
    HELP = "help"  # the single word HELP / INFO
    JOIN = "join"
    ACK = "ack"  # an organiser acknowledging an alert: "ACK 12", or "ACK" for the newest
    OTHER = "other"  # words that are none of the above
    EMPTY = "empty"  # nothing readable: blank, or only emoji and punctuation
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class JoinRequest:
    code: str | None
    name: str | None
    availability: list[str]
    problem: str | None = None  # what to tell the sender instead of joining


@dataclass(frozen=True)
class Parsed:
    kind: Kind
    command: Command | None = None
    join: JoinRequest | None = None
    keyword: str | None = None  # the carrier keyword or first word as typed, upper case
    alert: int | None = None  # ACK's alert number


def normalise(body: str) -> str:
    # NFKC folds full-width letters and ligatures; curly quotes become plain ones so a
    # note typed on a smartphone keyboard reads the same as one from an old handset.
    text = unicodedata.normalize("NFKC", body)
    return text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"'}).strip()


def parse_sms(body: str | None) -> Parsed:
    text = normalise(body or "")
    if len(text) > MAX_BODY:
        return Parsed(Kind.TOO_LONG)
    words = [w.upper() for w in _WORD.findall(text)]
    if not words:
        return Parsed(Kind.EMPTY)
    first = words[0]
    keyword = _carrier_keyword(words)
    if keyword is not None:
        return Parsed(keyword, keyword=first)
    head = _WORD.search(text)
    assert head is not None  # there are words
    rest = text[head.end() :]
    if first == "JOIN":
        return Parsed(Kind.JOIN, join=parse_join(rest), keyword=first)
    if first in ACK_WORDS and text[: head.start()].strip(_LEADING_JUNK) == "":
        number = _ALERT_NUMBER.match(rest)
        return Parsed(Kind.ACK, keyword=first, alert=int(number[1]) if number else None)
    verb, rest = _verb(words, text[: head.start()], rest)
    if verb is None:
        return Parsed(Kind.OTHER, keyword=first[:16])
    return Parsed(Kind.COMMAND, command=_command(verb, rest), keyword=first)


def _carrier_keyword(words: list[str]) -> Kind | None:
    """STOP, START or HELP: only a keyword on its own counts."""
    if len(words) != 1:
        return None
    for keywords, kind in (
        (OPT_OUT_WORDS, Kind.STOP),
        (OPT_IN_WORDS, Kind.START),
        (HELP_WORDS, Kind.HELP),
    ):
        if words[0] in keywords:
            return kind
    return None


def _verb(words: list[str], before: str, rest: str) -> tuple[str | None, str]:
    """The command a text starts with, if any, and the text after it. `before` is what
    precedes the first word and `rest` what follows it."""
    first = words[0]
    if len(words) > 1 and (first + words[1]) in SYNONYMS:  # "no answer", "my calls"
        second = _WORD.search(rest)
        assert second is not None
        return SYNONYMS[first + words[1]], rest[second.end() :]
    if first in SYNONYMS and before.strip(_LEADING_JUNK) == "":
        return SYNONYMS[first], rest
    return None, rest


def _command(verb: str, rest: str) -> Command:
    code = None
    if verb in NEEDS_CODE:
        match = _CODE.match(rest)
        if match:
            code, rest = f"{match[1].upper()}{int(match[2])}", rest[match.end() :]
    note = rest.strip(_LEADING_JUNK).strip() or None
    if verb == "pause" and note:
        note = note.rstrip(".!")
    return Command(verb, code=code, text=note)


def parse_join(rest: str) -> JoinRequest:
    """'RIVERSID123 Jane Smith' or '... Jane Smith, Mon 10:00-12:00; Thu 14:00-16:00'."""
    rest = rest.strip(_LEADING_JUNK)
    parts = rest.split(None, 1)
    if not parts or not _GROUP_CODE.fullmatch(parts[0]):
        return JoinRequest(None, None, [], "Text JOIN, your group code and your name.")
    code, after = parts[0].upper(), (parts[1] if len(parts) > 1 else "")
    windows_at = _WINDOW_START.search(after)
    name_text = after[: windows_at.start()] if windows_at else after
    name = " ".join(name_text.strip(_LEADING_JUNK).split())
    if not name:
        return JoinRequest(code, None, [], f"Please add your name: JOIN {code} Jane Smith")
    if len(name) > 80 or not _NAME.fullmatch(name):
        return JoinRequest(code, None, [], f"Please send just your name: JOIN {code} Jane Smith")
    availability: list[str] = []
    if windows_at:
        try:
            windows = parse_windows(after[windows_at.start() :].replace(",", ";"))
        except WindowError as error:
            return JoinRequest(
                code, name, [], f"{error}. Example: Mon 10:00-12:00; Thu 14:00-16:00"
            )
        availability = [str(window) for window in windows]
    return JoinRequest(code, name, availability)
