"""Twilio's webhooks: inbound SMS (answered with TwiML) and delivery status callbacks.

Both are refused with 403 unless X-Twilio-Signature proves Twilio sent them, checked against
the configured public URL (what Twilio requested, not what the app sees behind a proxy)
before anything is stored or acted on. Without an auth token nothing is accepted: an unsigned
webhook could claim calls or opt patients out in someone else's name.

Logs carry our ids only: never a phone number, a name or a message body.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.twiml.messaging_response import MessagingResponse

from bot.runtime import Runtime
from bot.sms.conversation import respond
from bot.sms.parser import parse_sms
from bot.twilio_signature import is_valid_twilio_request, public_url
from config import Settings
from rota.outbox import apply_delivery_status
from rota.services.identity import group_for_number
from rota.sms_text import split_sms, without_controls
from rota.storage import inbound

log = logging.getLogger(__name__)

# A genuine SMS webhook is a few KB even for 1,600 emoji percent-encoded; more is not Twilio.
MAX_REQUEST_BYTES = 64 * 1024
MAX_FIELDS = 200
_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_MESSAGE_ID = re.compile(r"[1-9]\d{0,17}")
FORM = "application/x-www-form-urlencoded"


async def _body(request: Request) -> bytes | None:
    """The raw body, or None past the limit (read in chunks so a huge one is never held)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def verified_form(request: Request, settings: Settings) -> dict[str, str] | None:
    """The form fields if Twilio signed this request, else None (refuse it)."""
    token, base = settings.twilio.auth_token, settings.public_base_url
    if token is None or not token.get_secret_value() or base is None:
        log.warning("twilio webhook refused: auth token or public base URL not configured")
        return None
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return None
    raw = await _body(request)
    if raw is None:
        return None
    try:
        # Every pair, repeated keys too: the signature covers all of them.
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:  # not UTF-8 (UnicodeDecodeError is one) or too many fields
        return None
    valid = is_valid_twilio_request(
        auth_token=token.get_secret_value(),
        url=public_url(str(base), request.url.path, request.url.query),
        params=pairs,
        signature=request.headers.get("x-twilio-signature"),
        signature_settings_header=request.headers.get("x-twilio-webhooks-signature-settings"),
    )
    if not valid:
        log.warning("twilio webhook refused: signature does not match (%s)", request.url.path)
        return None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


def twiml(text: str | None) -> Response:
    """Every SMS reply, built by Twilio's own library (which escapes <, & and quotes).

    It does not remove characters XML cannot carry at all, and replies echo what was texted
    (a PAUSE note, a JOIN name), so control characters are stripped here, for every path.
    """
    response = MessagingResponse()
    safe = without_controls(text or "").strip()
    for part in split_sms(safe) if safe else []:  # one <Message> per part of a long reply
        response.message(part)
    return Response(str(response), media_type="application/xml")


def routes(runtime: Runtime) -> list[Route]:
    settings = runtime.settings

    async def inbound_sms(request: Request) -> Response:
        form = await verified_form(request, settings)
        if form is None:
            return Response(status_code=403)
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        sender, to, body = form.get("From", ""), form.get("To"), form.get("Body", "")
        if not _SID.fullmatch(sid):
            return Response(status_code=400)
        if not _E164.fullmatch(sender):
            return twiml(None)  # e.g. a WhatsApp or short-code sender: not ours to answer
        now = runtime.clock()
        group = await group_for_number(runtime.db, to)
        inbound_id = await inbound.claim(
            runtime.db, "sms", sid, group_id=group.id if group else None, now=now
        )
        if inbound_id is None:
            log.info("sms duplicate delivery ignored")
            return twiml(None)
        try:
            text = await respond(
                runtime.db,
                group=group,
                sender=sender,
                parsed=parse_sms(body),
                body=body,
                key=f"sms-in:{inbound_id}",
                now=now,
                allow_fictional=settings.allow_fictional_numbers,
                ringer=runtime.voice,
            )
        except Exception as exc:  # the use-case rolled back: let a retry have another go
            await inbound.withdraw(runtime.db, inbound_id)
            log.error("inbound sms %s failed: %s", inbound_id, type(exc).__name__)
            return Response(status_code=500)
        await inbound.handled(runtime.db, inbound_id, now=now)
        log.info("inbound sms %s handled", inbound_id)
        return twiml(text)

    async def delivery_status(request: Request) -> Response:
        form = await verified_form(request, settings)
        if form is None:
            return Response(status_code=403)
        message_id = request.query_params.get("m", "")
        status = form.get("MessageStatus") or form.get("SmsStatus") or ""
        if _MESSAGE_ID.fullmatch(message_id) and status:
            await apply_delivery_status(
                runtime.db,
                message_id=int(message_id),
                provider_id=form.get("MessageSid") or None,
                status=status,
                error_code=form.get("ErrorCode") or None,
                now=runtime.clock(),
            )
        return Response(status_code=204)  # anything else is news we can't use: don't retry

    return [
        Route("/twilio/sms", inbound_sms, methods=["POST"]),
        Route("/twilio/status", delivery_status, methods=["POST"]),
    ]
