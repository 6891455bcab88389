"""The phone side of the demo: phones that text in (and ring the group's number) like Twilio
(texts out are recorded by the shipped RecordingChannel, integrations/fakes).

Inbound texts go through the real Starlette app (bot.web.create_app) with a valid
X-Twilio-Signature, computed the way Twilio does over the public URL, so the signature check,
duplicate detection and the SMS conversation all run as in production.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "d" * 32  # shaped like Twilio's, belongs to no one
_MESSAGE = re.compile(r"<Message>(.*?)</Message>", re.S)


@dataclass
class Twilio:
    """Posts signed inbound-SMS webhooks to the app; returns the TwiML reply's text."""

    client: httpx.AsyncClient
    auth_token: str
    public_base_url: str
    to_number: str  # the group's SMS number
    _sids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def text(self, sender: str, body: str) -> str:
        sid = f"SM{next(self._sids):032x}"
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "To": self.to_number,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        path = "/twilio/sms"
        url = self.public_base_url.rstrip("/") + path
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        response = await self.client.post(
            path,
            content=urlencode(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        if response.status_code != 200:
            raise RuntimeError(f"the SMS webhook answered {response.status_code}")
        return "\n".join(html.unescape(m) for m in _MESSAGE.findall(response.text))

    async def voice(self, path: str, params: dict[str, str]) -> str:
        """Post a signed voice webhook (path with its query) as Twilio would; the TwiML."""
        url = self.public_base_url.rstrip("/") + path
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        response = await self.client.post(
            path,
            content=urlencode(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        if response.status_code not in (200, 204):
            raise RuntimeError(f"the voice webhook answered {response.status_code}")
        return response.text

    def local(self, url: str) -> str:
        """The path and query of one of our public URLs, as the app is posted to."""
        base = self.public_base_url.rstrip("/")
        if not url.startswith(base + "/"):
            raise RuntimeError("TwiML named a URL that is not ours")
        return url[len(base) :]
