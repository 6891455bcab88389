"""Placing a "Ring me now" call through Twilio's official helper library, on our own loop.

The volunteer is rung first, from the group's number; the TwiML at `/twilio/voice?step=ring`
(bot/voice/webhook.py) asks them to press a key and only then dials the patient, so a
voicemail never gets connected. Only our call id goes into the URLs (never a phone number),
and nothing here logs a number: Twilio's error text often quotes one.

Lifecycle as for SMS: `TwilioClient` in integrations/twilio_sms.py.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from twilio.http import AsyncHttpClient

from integrations.twilio_sms import TwilioClient, map_twilio_error
from rota.ports import SendFailed

log = logging.getLogger(__name__)

_E164 = re.compile(r"\+[1-9]\d{6,14}")
ANSWER_SECONDS = 25  # how long the volunteer's phone rings before Twilio gives up


class TwilioVoice(TwilioClient):
    """The `Ringer` port: rings a volunteer for one call. Safe for concurrent use."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        public_base_url: str,
        from_number: str | None = None,
        api_base_url: str | None = None,
        timeout: float = 15.0,
        http_client_factory: Callable[[], AsyncHttpClient] | None = None,
    ) -> None:
        super().__init__(
            account_sid=account_sid,
            auth_token=auth_token,
            api_base_url=api_base_url,
            timeout=timeout,
            http_client_factory=http_client_factory,
        )
        self._base = public_base_url.rstrip("/")
        self._from = from_number  # used when the group has no number of its own

    def create_params(
        self, *, volunteer_phone: str, group_number: str, call_id: int
    ) -> dict[str, Any]:
        """Keyword arguments for `calls.create_async`: our call id in the URLs, nothing else."""
        return {
            "to": volunteer_phone,
            "from_": group_number,
            "url": f"{self._base}/twilio/voice?step=ring&call={call_id}",
            "method": "POST",
            "status_callback": f"{self._base}/twilio/voice/status?call={call_id}",
            "status_callback_method": "POST",
            "timeout": ANSWER_SECONDS,
        }

    async def ring_volunteer(
        self, *, volunteer_phone: str, group_number: str | None, call_id: int
    ) -> str:
        """Twilio's CallSid of the call now ringing the volunteer; SendFailed if refused."""
        if self._client is None:
            raise RuntimeError("TwilioVoice.open() was not called")
        group_number = group_number or self._from or ""
        if not (_E164.fullmatch(volunteer_phone) and _E164.fullmatch(group_number)):
            raise SendFailed("number is not E.164", permanent=True, code="address")
        params = self.create_params(
            volunteer_phone=volunteer_phone, group_number=group_number, call_id=call_id
        )
        try:
            async with asyncio.timeout(self._timeout):  # the async client has no timeout
                created = await self._client.calls.create_async(**params)
        except Exception as exc:
            failure = map_twilio_error(exc)
            if failure is None:
                raise
            log.warning("ring-me for call %s failed: %s", call_id, failure.reason)
            raise failure from None  # the chained exception may quote a number
        log.info("ring-me for call %s placed as %s", call_id, created.sid)
        return str(created.sid)
