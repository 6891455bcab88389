"""Every text we send to patients, as templates a test can measure.

Each one is measured against `PATIENT_MAX_SEGMENTS` in tests: an over-long text is refused
in tests, never trimmed at send time. Names are greetings in plain GSM-7, not records.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.phones import national
from rota.sms_text import is_gsm7

PATIENT_MAX_SEGMENTS = 2
FIRST_NAME_MAX = 20
GROUP_NAME_MAX = 50
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "rev", "sir", "dame", "lady", "lord"})
# Letters that do not decompose to a GSM-7 letter under NFKD.
_SPELLED = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Œ": "OE", "œ": "oe"})


def gsm_plain(text: str, limit: int) -> str:
    """`text` in the GSM-7 alphabet, at most `limit` characters.

    One character outside GSM-7 (a 'ś' in a name) would send the whole text as UCS-2 and
    halve its room, so accents are dropped ('Wiśniewski' -> 'Wisniewski') and anything with
    no plain spelling is left out. Names here are greetings, not records.
    """
    plain = []
    for ch in unicodedata.normalize("NFKD", text.translate(_SPELLED)):
        if ch in "\r\n\f\t":
            plain.append(" ")  # a text's own line breaks are not for a name to make
        elif is_gsm7(ch):
            plain.append(ch)
    squashed = " ".join("".join(plain).split())
    return squashed if len(squashed) <= limit else squashed[:limit].rstrip() + "."


def greeting_name(display_name: str) -> str:
    """'Margaret Kowalski' -> 'Margaret'; 'Mrs Doris Holt' -> 'Mrs Holt'."""
    words = display_name.split()
    if len(words) >= 2 and words[0].lower().rstrip(".") in _TITLES:
        return gsm_plain(f"{words[0]} {words[-1]}", FIRST_NAME_MAX)
    return gsm_plain(words[0], FIRST_NAME_MAX) if words else ""


def _hello(display_name: str) -> str:
    name = greeting_name(display_name)
    return f"Hello {name}," if name else "Hello,"


def check_in_text(
    display_name: str,
    group_name: str,
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
    ring_from: str | None = None,
) -> str:
    """The morning text on the day of a call; `ring_from` is the group's number when calls
    come through it (masked calls), so the patient knows the call is not a stranger's."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    number = f" from {national(ring_from)}" if ring_from else ""
    return (
        f"{_hello(display_name)} a volunteer from {gsm_plain(group_name, GROUP_NAME_MAX)} "
        f"will ring you today between {start:%H:%M} and {end:%H:%M}{number}. "
        "Reply STOP to stop these texts."
    )


def zoom_invite_text(
    display_name: str, group_name: str, starts_at: datetime, tz: ZoneInfo, join_url: str
) -> str:
    """The morning text on the day of a group video session."""
    return (
        f"{_hello(display_name)} {gsm_plain(group_name, GROUP_NAME_MAX)} meets on Zoom today "
        f"at {starts_at.astimezone(tz):%H:%M}. Join here: {join_url} "
        "Reply STOP to stop these texts."
    )


def opt_out_confirmation(group_name: str) -> str:
    return (
        f"You will get no more texts from {gsm_plain(group_name, GROUP_NAME_MAX)}. "
        "Reply START to get them again."
    )


def opt_in_confirmation(group_name: str) -> str:
    return (
        f"Texts from {gsm_plain(group_name, GROUP_NAME_MAX)} are back on. Reply STOP to stop them."
    )


def help_text(group_name: str, practice_contact: str | None) -> str:
    contact = f"on {practice_contact}" if practice_contact else ""
    return (
        f"{gsm_plain(group_name, GROUP_NAME_MAX)}: for help please call your GP practice "
        f"{contact}. In an emergency call 999. Reply STOP to stop texts."
    ).replace(" .", ".")


def reply_received_text(group_name: str) -> str:
    return (
        f"Thank you. Your message has gone to the {gsm_plain(group_name, GROUP_NAME_MAX)} "
        "organisers. In an emergency call 999."
    )
