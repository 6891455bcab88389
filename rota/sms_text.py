"""SMS length and encoding: how many segments (and so how much money) a text costs.

Pure functions, no I/O. A text is sent as GSM-7 when every character is in the GSM 03.38 default
alphabet (basic table, plus the extension table whose characters take an escape septet and so count
twice); otherwise the whole message falls back to UCS-2 (UTF-16 code units), which cuts the
capacity of a segment by more than half. One emoji or curly quote is enough to cause that.

Concatenated (multipart) messages lose room to the user data header: 153 septets or 67 UTF-16
units per segment instead of 160 / 70. Handsets and Twilio never split an escape sequence or a
surrogate pair across two segments, so segments are counted by packing whole characters rather
than by dividing the total; a text ending in '€' or emoji can need one more segment than the
naive division says.

Twilio's optional "Smart Encoding" may replace some Unicode look-alikes (curly quotes, long
dashes) by GSM characters; we don't assume it, so our count is an upper bound in that case.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 basic character set, in code order 0x00-0x7F. 0x1B (the escape to the extension
# table) is not a character of its own, so it is left out here.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: sent as ESC + code, i.e. two septets each. \f is the form feed (page break).
_GSM_EXTENDED = frozenset("\f^{}\\[~]|€")

GSM_SINGLE = 160
GSM_MULTI = 153
UCS2_SINGLE = 70
UCS2_MULTI = 67


@dataclass(frozen=True)
class SmsSize:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int  # 0 for an empty text: there is nothing to send
    chars: int  # Unicode code points


def is_gsm7(text: str) -> bool:
    """True when every character can be sent in the GSM 03.38 alphabet (with extensions)."""
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text)


def _gsm_cost(ch: str) -> int:
    return 2 if ch in _GSM_EXTENDED else 1


def _ucs2_cost(ch: str) -> int:
    # Characters outside the Basic Multilingual Plane need a UTF-16 surrogate pair.
    return 2 if ord(ch) > 0xFFFF else 1


def _pack(costs: list[int], per_segment: int) -> int:
    """Segments needed when each character must sit wholly inside one segment."""
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_segment:
            segments += 1
            used = 0
        used += cost
    return segments


def measure(text: str) -> SmsSize:
    """Encoding, size in units and segment count of `text` as one SMS."""
    if is_gsm7(text):
        encoding: Encoding = "GSM-7"
        costs = [_gsm_cost(ch) for ch in text]
        single, multi = GSM_SINGLE, GSM_MULTI
    else:
        encoding = "UCS-2"
        costs = [_ucs2_cost(ch) for ch in text]
        single, multi = UCS2_SINGLE, UCS2_MULTI
    units = sum(costs)
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = _pack(costs, multi)
    return SmsSize(encoding=encoding, units=units, segments=segments, chars=len(text))


def fits(text: str, max_segments: int) -> bool:
    """True when `text` can be sent in at most `max_segments` segments."""
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    return measure(text).segments <= max_segments


MAX_BODY = 1600  # Twilio refuses a longer body (error 21617); every SMS we send is cut to fit


def split_sms(text: str, limit: int = MAX_BODY) -> list[str]:
    """`text` as SMS bodies of at most `limit` characters: itself when it fits, otherwise
    numbered parts "(1/3) ..." cut at line breaks (at spaces within a line too long alone), so
    a long reply arrives whole and in order however the handset shows it."""
    if len(text) <= limit:
        return [text]
    count = 2
    while True:  # the prefix's width depends on the count of parts: settle it
        prefix = len(f"({count}/{count}) ")
        parts = _pack_lines(text, limit - prefix)
        if len(parts) <= count:
            total = len(parts)
            return [f"({i}/{total}) {part}" for i, part in enumerate(parts, start=1)]
        count = len(parts)


def _pack_lines(text: str, room: int) -> list[str]:
    pieces: list[str] = []
    for line in text.split("\n"):
        while len(line) > room:  # one line too long for a part: cut it at a space
            cut = line.rfind(" ", 0, room + 1)
            cut = cut if cut > 0 else room
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        pieces.append(line)
    parts: list[str] = []
    for piece in pieces:
        if parts and len(parts[-1]) + 1 + len(piece) <= room:
            parts[-1] += "\n" + piece
        else:
            parts.append(piece)
    return [p for p in parts if p.strip()] or [""]


def without_controls(text: str) -> str:
    """`text` with control characters removed; line breaks kept, tabs as spaces.

    A text we echo back (a PAUSE note, a name) may carry anything a phone or a forger sent.
    C0 controls other than tab and line breaks are not allowed in XML 1.0, so one of them in
    a TwiML reply makes Twilio reject the whole reply; on a terminal an ESC can rewrite the
    screen. Unpaired surrogates and U+FFFE/U+FFFF are not XML characters either.
    """
    kept = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch == "\n":
            kept.append(ch)
        elif ch == "\t":
            kept.append(" ")
        elif unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\ufffe\uffff":
            kept.append(ch)
    return "".join(kept)
