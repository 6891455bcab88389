"""The outbox dispatcher: sends what use-cases queued, at least once, never to the wrong person.

One pass (`run_once`):
1. take over messages left `sending` by a dispatcher that died (see `recovery.py`);
2. claim a batch of due messages atomically, most urgent first (`priority.py`), and, in the
   same transaction, re-check each one against the recipient's record *now*: a patient who
   opted out, withdrew consent or has a landline is suppressed; a patient text outside the
   group's texting hours is deferred to the next opening; a Telegram volunteer who blocked the
   bot is suppressed; a notice about calls is re-worded from the calls as they are now, or
   dropped when it is no longer true (`reword`);
3. send the rest through their channel, paced per channel and per recipient, a few at a time;
   a patient text is checked once more immediately before it goes, so a STOP confirmed while
   the batch is being paced stops it;
4. record each chunk's outcomes at once: sent with the provider id, retried with exponential
   backoff (or the provider's retry-after), or failed, with opt-outs and unreachable
   volunteers recorded in the same transaction.

Logs carry message ids only: never phones, names or bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

import rota.outbox.store as store
from rota.domain import ChannelKind, MessageStatus, RecipientKind
from rota.outbox.delivery import mark_number_undeliverable
from rota.outbox.hooks import default_rewording, default_undeliverable_hook
from rota.outbox.models import (
    Claimed,
    DispatchStats,
    Outcome,
    Recipients,
    Reword,
    UndeliverableHook,
    UnreachableHook,
    VolunteerUnreachable,
)
from rota.outbox.queue import split_for
from rota.outbox.ratelimit import DEFAULT_RATE_LIMITS, RateLimit, RateLimiter
from rota.outbox.recovery import SendWindow, settle_interrupted
from rota.outbox.rules import next_allowed_send, suppression_reason
from rota.ports import Channel, SendFailed
from rota.storage.db import Database
from rota.storage.opt_outs import opt_out_phone
from rota.storage.repository import Session

log = logging.getLogger(__name__)


# A pass claims at most this many; at 10 SMS a second it lasts ~2 s, so an urgent alert
# raised while a pass is under way waits at most that long (benchmarks/urgent_latency.py).
BATCH_SIZE = 20


class Dispatcher:
    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        *,
        rate_limits: Mapping[str, RateLimit] | None = DEFAULT_RATE_LIMITS,
        max_attempts: int = 8,
        base_backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(hours=1),
        batch_size: int = BATCH_SIZE,
        concurrency: int = 8,
        sending_lease: timedelta = timedelta(minutes=2),
        max_pacing_wait: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_unreachable: UnreachableHook | None = None,
        on_undeliverable: UndeliverableHook | None = None,
        reword: Mapping[str, Reword] | None = None,
    ) -> None:
        if max_attempts < 1 or batch_size < 1 or concurrency < 1:
            raise ValueError("max_attempts, batch_size and concurrency must be at least 1")
        self._db = db
        self._channels = dict(channels)
        self._limiter = (
            RateLimiter(rate_limits, monotonic=monotonic, max_wait=max_pacing_wait)
            if rate_limits is not None
            else None
        )
        self.max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._batch_size = batch_size
        self._concurrency = concurrency
        self.sending_lease = sending_lease
        self._sleep = sleep
        self._on_unreachable = on_unreachable
        self._on_undeliverable = on_undeliverable or default_undeliverable_hook()
        self._reword = dict(default_rewording() if reword is None else reword)
        self._paused_until: dict[str, datetime] = {}  # channel -> end of a provider's retry-after
        self._next_recovery: datetime | None = None

    async def run(
        self, stop: asyncio.Event, clock: Callable[[], datetime], idle: float = 1.0
    ) -> None:
        """Dispatch until `stop` is set; waits `idle` seconds whenever the queue is drained."""
        while not stop.is_set():
            try:
                stats = await self.run_once(clock())
                busy = stats.claimed >= self._batch_size
            except Exception as exc:  # e.g. the database restarting: try again shortly
                # Only the type: database errors can quote statement parameters (phones, bodies).
                log.error("outbox dispatch pass failed: %s", type(exc).__name__)
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle)

    async def run_once(self, now: datetime) -> DispatchStats:
        stats = DispatchStats()
        if self._next_recovery is None or now >= self._next_recovery:
            await self._recover(now, stats)
            self._next_recovery = now + self.sending_lease / 4
        ready = await self._claim(now, stats)
        for start in range(0, len(ready), self._concurrency):
            chunk = ready[start : start + self._concurrency]
            outcomes = await asyncio.gather(*(self._attempt(m, now) for m in chunk))
            await self._record(outcomes, now, stats)
        return stats

    async def _recover(self, now: datetime, stats: DispatchStats) -> None:
        async with self._db.transaction() as session:
            stuck = await store.claim_interrupted(
                session, leased_before=now - self.sending_lease, now=now, limit=self._batch_size
            )
            windows = {m.id: await self._window(session, m) for m in stuck}
        outcomes: list[Outcome] = []
        found: dict[str, set[str]] = {}  # address -> provider ids matched in this round
        for message in stuck:
            window = windows[message.id]
            if window is not None:
                taken = frozenset(found.get(message.address, ()))
                window = replace(window, owned_by_others=window.owned_by_others | taken)
            outcome = await settle_interrupted(
                message, self._channels.get(message.channel), now, self.max_attempts, window
            )
            if outcome is not None:
                outcomes.append(outcome)
                if outcome.status == MessageStatus.SENT:
                    stats.recovered_sent += 1
                    if outcome.provider_id:
                        found.setdefault(message.address, set()).add(outcome.provider_id)
                else:
                    stats.requeued += 1
        if outcomes:
            async with self._db.transaction() as session:
                await store.record_outcomes(session, outcomes)

    async def _window(self, session: Session, message: Claimed) -> SendWindow | None:
        """The interrupted attempt's own time window; None for a row without its start."""
        if message.sending_since is None:
            return None
        start = message.sending_since
        others = await store.provider_ids_to(
            session, message.address, since=start - timedelta(days=2), other_than=message.id
        )
        return SendWindow(start, start + self.sending_lease, others)

    async def _claim(self, now: datetime, stats: DispatchStats) -> list[Claimed]:
        paused = [name for name, until in self._paused_until.items() if until > now]
        async with self._db.transaction() as session:
            claimed = await store.claim_due(
                session, now=now, limit=self._batch_size, skip_channels=paused
            )
            if not claimed:
                return []
            facts = await store.recipients(session, claimed)
            held: list[Outcome] = []
            ready: list[Claimed] = []
            for message in claimed:
                checked = self._check(message, facts, now)
                if isinstance(checked, Outcome):
                    held.append(checked)
                    continue
                if checked.address != message.address:
                    await store.readdress(session, message.id, checked.address)
                worded = await self._reworded(session, checked, now)
                if isinstance(worded, Outcome):
                    held.append(worded)
                    continue
                ready.append(worded)
            await store.record_outcomes(session, held)
        stats.claimed += len(claimed)
        for outcome in held:
            self._count(outcome, stats)
        return ready

    async def _reworded(
        self, session: Session, message: Claimed, now: datetime
    ) -> Claimed | Outcome:
        """The message as true now: re-worded by its purpose's rule, or dropped."""
        rule = self._reword.get(message.purpose or "")
        if rule is None:
            return message
        body: str | None = message.body
        try:
            async with session.begin_nested():
                body = await rule(session, message, now)
        except Exception as exc:  # a wording bug must not stop the message: send it as queued
            log.error("outbox message %s: re-wording failed: %s", message.id, type(exc).__name__)
        if body is None:
            return Outcome(message, MessageStatus.SUPPRESSED, error="no longer true when sent")
        # Worded now, so split now: the rest of a long text follows as parts of this message.
        parts = split_for(message.channel, body)
        for number, part in enumerate(parts[1:], start=2):
            await store.queue_part(session, message.id, number, part, now=now)
        if parts[0] != message.body:
            await store.reword(session, message.id, parts[0])
            return replace(message, body=parts[0])
        return message

    def _check(self, message: Claimed, facts: Recipients, now: datetime) -> Claimed | Outcome:
        """The send-time re-check: the recipient's record now, not when the text was queued."""
        if message.channel not in self._channels:
            log.error("outbox message %s: no channel named %r", message.id, message.channel)
            error = f"no channel named {message.channel!r} is configured"
            return Outcome(message, MessageStatus.FAILED, error=error)
        if message.to_patient:
            patient = facts.patients.get(message.recipient_id or -1)
            reason = "patient not found" if patient is None else suppression_reason(patient)
            if patient is None or reason is not None:
                return Outcome(message, MessageStatus.SUPPRESSED, error=reason)
            hours = facts.hours[patient.group_id]
            opening = next_allowed_send(now, hours.timezone, hours.quiet_start, hours.quiet_end)
            if opening > now:
                return Outcome(message, MessageStatus.DEFERRED, not_before=opening)
            if message.channel == ChannelKind.SMS:
                # Text the number on the record now: it may have changed since queueing.
                return replace(message, address=patient.phone)
            return message
        if (
            message.channel == ChannelKind.TELEGRAM
            and message.recipient_kind == RecipientKind.VOLUNTEER
            and message.recipient_id in facts.unreachable_volunteers
        ):
            return Outcome(message, MessageStatus.SUPPRESSED, error="volunteer unreachable")
        return message

    async def _attempt(self, message: Claimed, now: datetime) -> Outcome:
        paused = self._paused_until.get(message.channel)
        if paused is not None and paused > now:
            return Outcome(message, MessageStatus.QUEUED, not_before=paused)
        if self._limiter is not None:
            slot = self._limiter.reserve(message.channel, message.address)
            if not slot.booked:
                later = now + timedelta(seconds=slot.wait)
                return Outcome(message, MessageStatus.QUEUED, not_before=later)
            if slot.wait > 0:
                await self._sleep(slot.wait)
        if message.to_patient:
            stopped = await self._stopped_since_claim(message)
            if stopped is not None:
                return stopped
        try:
            sent = await self._channels[message.channel].send(message.outgoing())
        except SendFailed as failure:
            return self._after_failure(message, failure, now)
        except Exception as exc:  # a channel bug must not lose the message: retry it
            log.warning("outbox message %s: channel raised %s", message.id, type(exc).__name__)
            bug = SendFailed(f"channel error: {type(exc).__name__}")
            return self._after_failure(message, bug, now)
        return Outcome(
            message, MessageStatus.SENT, attempted=True, provider_id=sent.provider_id, sent_at=now
        )

    async def _stopped_since_claim(self, message: Claimed) -> Outcome | None:
        """Consent and opt-out once more, immediately before this one text goes.

        A batch is paced over seconds; a STOP confirmed in between must stop what is left.
        """
        async with self._db.transaction() as session:
            patient = await store.patient_now(session, message)
        if patient is None:
            return Outcome(message, MessageStatus.SUPPRESSED, error="patient not found")
        reason = suppression_reason(patient)
        if reason is not None:
            log.info("outbox message %s: suppressed just before sending", message.id)
            return Outcome(message, MessageStatus.SUPPRESSED, error=reason)
        return None

    def _after_failure(self, message: Claimed, failure: SendFailed, now: datetime) -> Outcome:
        attempts = message.attempts + 1
        final = failure.permanent or failure.opted_out or failure.unreachable
        final = final or failure.undeliverable
        if final or attempts >= self.max_attempts:
            error = failure.reason
            if not final:
                error = f"gave up after {attempts} attempts: {error}"
            log.warning("outbox message %s failed (code %s)", message.id, failure.code)
            return Outcome(
                message,
                MessageStatus.FAILED,
                attempted=True,
                error=error,
                opted_out=failure.opted_out,
                unreachable=failure.unreachable,
                undeliverable_code=(failure.code or "?") if failure.undeliverable else None,
            )
        if failure.retry_after is not None:
            # A provider's flood control covers the whole channel, not just this message.
            delay = timedelta(seconds=failure.retry_after)
            self._paused_until[message.channel] = now + delay
        else:
            delay = min(self._base_backoff * 2 ** (attempts - 1), self._max_backoff)
        return Outcome(
            message,
            MessageStatus.QUEUED,
            attempted=True,
            not_before=now + delay,
            error=failure.reason,
        )

    async def _record(self, outcomes: list[Outcome], now: datetime, stats: DispatchStats) -> None:
        async with self._db.transaction() as session:
            await store.record_outcomes(session, outcomes)
            for outcome in outcomes:
                message = outcome.message
                if outcome.opted_out:
                    await opt_out_phone(
                        session,
                        group_id=message.group_id,
                        phone=message.address,
                        now=now,
                        detail={"message_id": message.id, "source": "provider opt-out"},
                        by=store.OPT_OUT_ACTOR,
                    )
                if outcome.unreachable and message.recipient_kind == RecipientKind.VOLUNTEER:
                    await self._mark_unreachable(session, message, now)
                if outcome.undeliverable_code and message.to_patient:
                    await mark_number_undeliverable(
                        session, message, outcome.undeliverable_code, now, self._on_undeliverable
                    )
        for outcome in outcomes:
            self._count(outcome, stats)

    async def _mark_unreachable(self, session: Session, message: Claimed, now: datetime) -> None:
        if message.recipient_id is None:
            return
        group_id = await store.mark_volunteer_unreachable(session, message.recipient_id, now)
        if group_id is None or self._on_unreachable is None:
            return  # already known to be unreachable: organisers were told then
        event = VolunteerUnreachable(message.recipient_id, group_id, message.id, now)
        try:
            async with session.begin_nested():
                await self._on_unreachable(session, event)
        except Exception as exc:
            name = type(exc).__name__
            log.error("on_unreachable hook failed for message %s: %s", message.id, name)

    @staticmethod
    def _count(outcome: Outcome, stats: DispatchStats) -> None:
        status = outcome.status
        if status == MessageStatus.SENT:
            stats.sent += 1
        elif status == MessageStatus.DEFERRED:
            stats.deferred += 1
        elif status == MessageStatus.SUPPRESSED:
            stats.suppressed += 1
        elif status == MessageStatus.FAILED:
            stats.failed += 1
        elif outcome.attempted:
            stats.retrying += 1
        else:
            stats.paced += 1
