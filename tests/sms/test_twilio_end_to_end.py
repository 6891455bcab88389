"""Outbox -> Dispatcher -> TwilioSmsChannel (the official client) -> Prism, over real HTTP.

Prism serves Twilio's own OpenAPI description, so a request the real API would reject for
its shape is rejected here too (422).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from integrations.twilio_sms import TwilioAiohttpClient, TwilioSmsChannel
from rota.domain import MessageStatus, RecipientKind
from rota.outbox import Dispatcher, queue_message
from rota.storage import OutboxMessage
from tests.support.prism import start_prism
from tests.support.services import SPECS

SPEC = SPECS / "twilio" / "twilio_api_v2010.json"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
FROM = "+441632960001"
BROKEN = "+447700900999"  # the client below sends this one's request without its `To`


class DropsToForOneNumber(TwilioAiohttpClient):
    """The real aiohttp client; it makes one recipient's request invalid, as a bug would."""

    async def request(
        self, method: str, url: str, params: Any = None, data: Any = None, *a: Any, **kw: Any
    ) -> Any:
        if data and data.get("To") == BROKEN:
            data = {key: value for key, value in data.items() if key != "To"}
        return await super().request(method, url, params, data, *a, **kw)


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    with start_prism(SPEC) as url:
        yield url


async def test_queued_texts_reach_twilio_and_an_invalid_request_fails_only_its_message(
    sqlite_db, now, prism_url
):
    addresses = ["+447700900011", "+447700900014", BROKEN, "+447700900017"]
    async with sqlite_db.transaction() as session:
        for i, address in enumerate(addresses):
            await queue_message(
                session,
                key=f"e2e:{i}",
                group_id=None,
                channel="sms",
                recipient_kind=RecipientKind.VOLUNTEER,
                recipient_id=i + 1,
                address=address,
                body="Your calls for Thursday are on the rota. Reply CALLS to see them.",
                now=now,
            )
    channel = TwilioSmsChannel(
        account_sid=ACCOUNT_SID,
        auth_token="test-token",
        public_base_url="https://ringround.example.org",
        from_number=FROM,
        api_base_url=prism_url,
        http_client_factory=DropsToForOneNumber,
    )
    async with channel:
        stats = await Dispatcher(sqlite_db, {"sms": channel}, rate_limits=None).run_once(now)
    assert (stats.sent, stats.failed, stats.retrying) == (3, 1, 0)
    async with sqlite_db.transaction() as session:
        rows = {m.address: m for m in await session.scalars(select(OutboxMessage))}
    for address in addresses:
        message = rows[address]
        if address == BROKEN:
            assert message.status == MessageStatus.FAILED and message.provider_id is None
            assert "422" in (message.error or "")
        else:
            assert message.status == MessageStatus.SENT and message.attempts == 1
            assert (message.provider_id or "").startswith("SM")
