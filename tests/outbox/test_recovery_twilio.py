"""Issue 13 point 5: after a crash, a message is matched to Twilio's record of *it*, not to
any text with the same recipient and body, however long after the crash we restart."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import update
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from integrations.twilio_sms import TwilioSmsChannel
from rota.domain import MessageStatus
from rota.outbox import Dispatcher
from rota.outbox.recovery import NOT_FOUND_NOTE
from rota.ports import Outgoing, Sent
from rota.storage import OutboxMessage
from tests.support.outbox_fakes import messages, queue_volunteer_note

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
FROM = "+447700900999"
ORGANISER = "+447700900321"


class TwilioInMemory(AsyncHttpClient):
    """Twilio's Messages create and list, in memory; `date_created` from the test's clock."""

    def __init__(self, clock: list[datetime]) -> None:
        super().__init__(logging.getLogger("tests.twilio"), True)
        self.clock = clock
        self.created: list[dict[str, Any]] = []

    async def request(self, method: str, url: str, params=None, data=None, **kw: Any) -> Response:
        if method == "POST":
            sid = f"SM{len(self.created) + 1:032d}"
            self.created.append({
                "sid": sid, "to": data["To"], "from": data["From"], "body": data["Body"],
                "direction": "outbound-api", "status": "queued",
                "date_created": format_datetime(self.clock[0]),
            })  # fmt: skip
            return Response(201, json.dumps(self.created[-1]))
        query = {**parse_qs(urlparse(url).query), **{k: [v] for k, v in (params or {}).items()}}
        to = query.get("To", [None])[0]
        listed = [m for m in reversed(self.created) if to in (None, m["to"])]
        page = {"messages": listed, "next_page_uri": None, "page": 0, "page_size": 50}
        return Response(200, json.dumps(page))


class Crashes(TwilioSmsChannel):
    """Dies on the nth send: before Twilio gets it, or just after Twilio accepted it."""

    def __init__(self, *, die_on: set[int], after_accepting: bool, **kw: Any) -> None:
        super().__init__(**kw)
        self.die_on, self.after, self.calls = die_on, after_accepting, 0
        self.dying = asyncio.Event()

    async def send(self, message: Outgoing) -> Sent:
        self.calls += 1
        if self.calls not in self.die_on:
            return await super().send(message)
        if self.after:
            await super().send(message)
        self.dying.set()
        await asyncio.Event().wait()  # the kill arrives here
        raise AssertionError("unreachable")


def channel(twilio: TwilioInMemory, cls: type[TwilioSmsChannel] = TwilioSmsChannel, **kw: Any):
    return cls(
        account_sid=ACCOUNT_SID, auth_token="t", public_base_url="https://ppg.example",
        from_number=FROM, api_base_url="http://twilio.invalid",
        http_client_factory=lambda: twilio, **kw,
    )  # fmt: skip


async def crash(db, dying: Crashes, now: datetime) -> None:
    await dying.open()
    outbox = Dispatcher(db, {"sms": dying}, rate_limits=None, concurrency=1)
    task = asyncio.create_task(outbox.run_once(now))
    await asyncio.wait_for(dying.dying.wait(), 5)
    await asyncio.sleep(0.05)  # let the sends before it be recorded
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def restart(db, twilio: TwilioInMemory, now: datetime) -> None:
    async with channel(twilio) as sms:
        await Dispatcher(db, {"sms": sms}, rate_limits=None).run_once(now)


async def test_two_same_body_texts_with_a_crash_during_the_second_both_arrive(db):
    start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    twilio = TwilioInMemory([start])
    for key in ("chase-organisers:42", "chase-organisers:43"):
        await queue_volunteer_note(db, None, start, key=key, channel="sms", address=ORGANISER)
    async with db.transaction() as session:  # two different messages, word for word the same
        await session.execute(update(OutboxMessage).values(body="No outcome logged for A2."))
    await crash(db, channel(twilio, Crashes, die_on={2}, after_accepting=False), start)
    assert len(twilio.created) == 1

    await restart(db, twilio, start + timedelta(minutes=3))

    first, second = await messages(db)
    assert len(twilio.created) == 2  # the second was sent again, not taken for the first
    assert first.provider_id != second.provider_id
    assert (second.status, second.error) == (MessageStatus.SENT, NOT_FOUND_NOTE)


async def test_a_restart_hours_after_a_crash_finds_the_texts_twilio_had_and_sends_none_twice(db):
    crashed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    twilio = TwilioInMemory([crashed_at])
    for n in range(5):
        await queue_volunteer_note(db, None, crashed_at, key=f"reminder:{n}:evening",
                                   channel="sms", address=f"+44770090040{n}")  # fmt: skip
    dying = channel(twilio, Crashes, die_on={1, 2, 3, 4, 5}, after_accepting=True,
                    timeout=60.0)  # fmt: skip
    outbox = Dispatcher(db, {"sms": dying}, rate_limits=None, concurrency=5)
    await dying.open()
    task = asyncio.create_task(outbox.run_once(crashed_at))
    for _ in range(100):
        if len(twilio.created) == 5:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(twilio.created) == 5

    twilio.clock[0] = crashed_at + timedelta(hours=3)
    await restart(db, twilio, crashed_at + timedelta(hours=3))

    rows = await messages(db)
    assert len(twilio.created) == 5  # nothing sent twice
    assert {m.status for m in rows} == {MessageStatus.SENT}
    assert {m.provider_id for m in rows} == {m["sid"] for m in twilio.created}
    assert all(m.error is None for m in rows)  # never "provider has no record"
