"""A patient's text, turned into the matching use-case in rota.services.patient_replies.

Every patient text has an effect a person sees: an opt-out (confirmed once), an opt-in, the
HELP reply, or an alert the organisers acknowledge. Nothing is dropped for looking odd: "👍",
"?", a ring-back number, an empty text or one that NFKC normalisation made longer than 1,600
characters is still someone reaching out, so it goes to the organisers like any other words.

This module is also the patient-reply parser's one rule for opt-out *phrasings*
(`asks_to_stop`). The carrier's own keywords (a text that is just STOP, CANCEL, ...) are read
in bot/sms/parser.py for every sender, because the carrier acts on them for every sender; a
sentence such as "Please stop texting me" is ours to read, and only a patient's.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from bot.sms.parser import Kind, Parsed, normalise
from rota.services import patient_replies
from rota.storage.db import Database

STOP_SIGN = "\N{OCTAGONAL SIGN}"  # 🛑

# Opt-out phrasings, matched against the *whole* text once politeness is set aside, so that
# any other word ("stop calling me so early", "don't stop", "stop texting me before 9") leaves
# the text for a person to read. A clear request to stop texting, nothing more: conservative.
_TEXTS = (
    r"(?:(?:these|those|the|your|all|all the|all your|all these|any|any more|any of these)\s)?"
    r"(?:(?:text|sms)\s)?(?:texts?|messages?|sms|smses|reminders?)"
)
_THEM = r"(?:\s(?:them|these|those|this|it))"
_NOT = r"(?:do\snot|dont|don't)"
# Only before "opt out" / "unsubscribe": "I want to stop" may well mean the calls.
_I_WANT = r"(?:i\s(?:want|wish|would\slike)\sto\s|i'?d\slike\sto\s)"
_STOP_PHRASES = re.compile(
    "|".join(
        [
            r"stop(?:\s(?:it|this|that|them|now|all|stop))*",
            rf"stop\s(?:texting|messaging|sending|sending\sme)(?:\s(?:to\s)?me)?(?:\s{_TEXTS}|{_THEM})?",
            rf"stop\s{_TEXTS}",
            rf"(?:no\smore|not\sany\smore|no)\s{_TEXTS}",
            rf"{_NOT}\s(?:text|message|sms)\sme(?:\s(?:again|anymore|any\smore|any\slonger))?",
            rf"{_NOT}\ssend\s(?:me\s)?{_TEXTS}(?:\s(?:again|anymore|any\smore))?",
            rf"(?:i\s)?(?:do\snot|dont|don't)\swant\s{_TEXTS}(?:\s(?:anymore|any\smore))?",
            rf"{_I_WANT}?opt\s?(?:me\s)?out(?:\sof\s(?:{_TEXTS}|this|these|them))?",
            rf"{_I_WANT}?unsubscribe(?:\sme)?",
            rf"(?:remove|take)\sme\s(?:off|from)\s(?:the|your|this)\s(?:(?:text|sms)\s)?(?:list|{_TEXTS})",
        ]
    )
)
# Words around the request that do not change it: "Please stop texting me, thank you".
_BEFORE = re.compile(
    r"^(?:(?:hi|hello|sorry|please|pls|plz|kindly|just|can\syou|could\syou|would\syou|"
    r"will\syou|i\swant\syou\sto)\s)+"
)
_AFTER = re.compile(
    r"(?:\s(?:please|pls|plz|thanks|thank\syou|thankyou|ta|now|x+|asap|immediately))+$"
)


def _plain_words(text: str) -> str:
    """Lower case words (apostrophes kept), everything else a single space."""
    cleaned = "".join(
        ch if ch.isalnum() or ch == "'" else " "
        for ch in unicodedata.normalize("NFKC", text).lower()
    )
    return " ".join(cleaned.split())


def asks_to_stop(body: str) -> bool:
    """True for a text that is clearly and only a request to stop texting this phone.

    "Please stop", "opt out", "no more texts", "🛑", "Stop texting me please". Anything with
    more in it, a negation or calls rather than texts ("stop calling me so early", "don't
    stop", "no more calls") is not: a person reads it instead.
    """
    words = _plain_words(normalise(body).replace(STOP_SIGN, " stop "))
    words = _AFTER.sub("", _BEFORE.sub("", words + " ").strip()).strip()
    return bool(words) and _STOP_PHRASES.fullmatch(words) is not None


async def answer_patient(
    db: Database,
    *,
    group_id: int,
    phone: str,
    parsed: Parsed,
    body: str,
    key: str,
    now: datetime,
) -> str | None:
    """The reply to send back, or None for none. The carrier's STOP is handled before here."""
    if parsed.kind == Kind.START:
        # "Yes" from someone still receiving texts answers the check-in: pass it on below.
        only_if_out = parsed.keyword == "YES"
        reply = await patient_replies.opt_in(
            db, group_id=group_id, phone=phone, now=now, only_if_opted_out=only_if_out
        )
        if reply is not None:
            return reply
    elif parsed.kind == Kind.HELP:
        return await patient_replies.help_reply(db, group_id=group_id, phone=phone, now=now)
    elif parsed.kind in (Kind.OTHER, Kind.COMMAND, Kind.EMPTY) and asks_to_stop(body):
        # Confirmed once, like STOP: a second request finds the phone already out.
        return await patient_replies.opt_out(
            db, group_id=group_id, phone=phone, key=key, now=now, source="opt-out phrase"
        )
    return await patient_replies.pass_on(
        db, group_id=group_id, phone=phone, body=body, key=key, now=now
    )
