"""A patient's text, turned into the matching use-case in rota.services.patient_replies."""

from __future__ import annotations

from datetime import datetime

from bot.sms.parser import Kind, Parsed
from rota.services import patient_replies
from rota.storage.db import Database


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
    """The reply to send back, or None for none. STOP is handled before we get here."""
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
    elif parsed.kind in (Kind.EMPTY, Kind.TOO_LONG):
        return None  # nothing a person could act on; Twilio never sends more than 1,600
    return await patient_replies.pass_on(
        db, group_id=group_id, phone=phone, body=body.strip(), key=key, now=now
    )
