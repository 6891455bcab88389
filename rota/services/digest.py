"""Each organiser's one daily digest: every notice that did not need a person at once.

rota/services/notify.py keeps such notices as digest items; the sweep calls
`send_digests` and, from each organiser's digest time (theirs, or the group's
`digest_at`, default 08:00 local), queues one message with what waited since the last one.
The digest's outbox key names the organiser and the local day, and the items it carries
are marked in the same transaction, so repeated sweeps, a restart or a sweep running late
send it once a day. Telegram organisers get the notices with their buttons; SMS
organisers get one short text with the count and what to do (and the console's address
when the group has set `console_url`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from rota.domain import RecipientKind
from rota.outbox import queue_message
from rota.services.notify import own_hours
from rota.storage import digest_queries, repository
from rota.storage.messages import DigestItem
from rota.storage.people import Group, Organiser
from rota.storage.repository import Session
from rota.windows import local_to_utc, parse_clock

DEFAULT_DIGEST_AT = 8 * 60
TELEGRAM_BUDGET = 3500  # characters of notices; Telegram allows 4,096 in one message
MAX_BUTTON_ROWS = 8  # a keyboard longer than a phone's screen is not read
# Notices about calls still needing someone get one button to see them (and assign or ring).
ABOUT_OPEN_CALLS = frozenset({"open-call", "holder-inactive", "swap-untaken", "released"})
OPEN_CALLS_BUTTON = ("Open calls", "open-calls")  # bot/telegram/organiser.py
# What each kind of notice is called in the SMS digest's count; others are "other notices".
NAMES = {
    "chase-organisers": "calls with no outcome logged",
    "open-call": "open calls due within a day",
    "holder-inactive": "calls reopened by a pause",
    "swap-untaken": "swaps nobody took",
    "draft": "draft rota ready",
    "pending": "volunteers to approve",
    "undeliverable": "numbers that cannot get texts",
    "unreachable": "volunteers we cannot reach",
    "declined": "patients who asked not to be called",
}


def digest_time(organiser: Organiser, group: Group) -> int:
    """Local minutes after midnight: the organiser's own, else the group's, else 08:00."""
    if organiser.digest_at is not None:
        return organiser.digest_at
    setting = (group.settings or {}).get("digest_at")
    return parse_clock(setting) if isinstance(setting, str) else DEFAULT_DIGEST_AT


async def send_digests(session: Session, group: Group, now: datetime) -> int:
    """Queue today's digest for each organiser whose digest time has come; how many."""
    tz = ZoneInfo(group.timezone)
    today = now.astimezone(tz).date()
    sent = 0
    for organiser in await repository.organisers(session, group.id):
        due = local_to_utc(today, digest_time(organiser, group), tz)
        if now < due:
            continue
        # Notices that came after today's digest time wait for tomorrow's.
        items = await digest_queries.waiting(session, organiser.id, before=due)
        if not items:
            continue
        key = f"digest:{group.id}:{today:%Y%m%d}:organiser:{organiser.id}"
        if await _queue(session, group, organiser, key, items, now, tz):
            await digest_queries.mark_sent(session, [i.id for i in items], key)
            sent += 1
    return sent


async def _queue(
    session: Session,
    group: Group,
    organiser: Organiser,
    key: str,
    items: Sequence[DigestItem],
    now: datetime,
    tz: ZoneInfo,
) -> bool:
    if organiser.telegram_id is not None:
        channel, address = "telegram", str(organiser.telegram_id)
        body, buttons = telegram_digest(items)
    elif organiser.phone is not None:
        channel, address, buttons = "sms", organiser.phone, []
        body = sms_digest(items, (group.settings or {}).get("console_url"))
    else:
        return False
    return await queue_message(
        session,
        key=key,
        group_id=group.id,
        channel=channel,
        recipient_kind=RecipientKind.ORGANISER,
        recipient_id=organiser.id,
        address=address,
        body=body,
        buttons=buttons,
        now=now,
        not_before=own_hours(organiser, now, tz),
        purpose="digest",
    )


def telegram_digest(items: Sequence[DigestItem]) -> tuple[str, list[list[tuple[str, str]]]]:
    """The notices numbered, as many as a message allows, with their buttons ("2: Approve")."""
    lines: list[str] = []
    used = 0
    for number, item in enumerate(items, start=1):
        line = f"{number}. {item.body}"
        if used + len(line) > TELEGRAM_BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
    head = f"Your daily digest: {_count(len(items))}."
    rest = len(items) - len(lines)
    tail = [f"...and {rest} more: see /alerts and /rota."] if rest else []
    rows: list[list[tuple[str, str]]] = []
    if any(item.purpose in ABOUT_OPEN_CALLS for item in items):
        rows.append([OPEN_CALLS_BUTTON])
    for number, item in enumerate(items[: len(lines)], start=1):
        for row in item.buttons:
            pairs = [(f"{number}: {label}", str(data)) for label, data in row]
            if pairs and len(rows) < MAX_BUTTON_ROWS:
                rows.append(pairs)
    return "\n".join([head, *lines, *tail]), rows


def sms_digest(items: Sequence[DigestItem], console_url: object = None) -> str:
    """One text: how many of what, and where to see them."""
    counts = Counter(NAMES.get(item.purpose, "other notices") for item in items)
    parts = [f"{n} {name}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    where = f" {console_url}" if isinstance(console_url, str) and console_url else ""
    return (
        f"Ringround daily digest: {_count(len(items))} ({', '.join(parts)}). "
        f"See them with the ringround command or ask a Telegram organiser.{where}"
    )


def _count(n: int) -> str:
    return f"{n} notice{'s' if n != 1 else ''}"
