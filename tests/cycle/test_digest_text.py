"""What a digest says: Telegram lists the notices with numbered buttons; SMS counts them."""

from __future__ import annotations

from datetime import UTC, datetime

from rota.services.digest import OPEN_CALLS_BUTTON, TELEGRAM_BUDGET, sms_digest, telegram_digest
from rota.services.notify import at_once
from rota.storage import DigestItem

AT = datetime(2026, 12, 1, 7, tzinfo=UTC)


def item(purpose: str, body: str, buttons=()) -> DigestItem:
    return DigestItem(purpose=purpose, body=body, buttons=[list(b) for b in buttons], created_at=AT)


def test_only_what_needs_a_person_now_skips_the_digest():
    for purpose in ("urgent", "escalation", "patient-reply", "high-risk-missed", "report"):
        assert at_once(purpose), purpose
    for purpose in ("chase-organisers", "open-call", "draft", "undeliverable", "pending", "paused"):
        assert not at_once(purpose), purpose


def test_the_sms_digest_counts_by_kind_and_links_the_console_only_when_set():
    items = [item("open-call", "Call A1 open")] * 3 + [item("chase-organisers", "No outcome")]
    items.append(item("paused", "Ann is pausing"))
    text = sms_digest(items)
    assert text.startswith("Ringround daily digest: 5 notices (3 open calls due within a day,")
    assert "1 calls with no outcome logged" in text and "1 other notices" in text
    assert "http" not in text
    assert text.endswith(" https://console.example.org") is False
    linked = sms_digest(items, "https://console.example.org")
    assert linked.endswith(" https://console.example.org")


def test_the_telegram_digest_numbers_notices_and_their_buttons_within_one_message():
    items = [
        item("pending", "New volunteer Nia", [[("Approve", "approve:7"), ("Reject", "reject:7")]]),
        item("open-call", "Call B2 is still open"),
    ] + [item("chase-organisers", "No outcome logged for call C3 " + "x" * 200)] * 40
    text, rows = telegram_digest(items)
    assert text.startswith("Your daily digest: 42 notices.\n1. New volunteer Nia\n2. Call B2")
    assert len(text) < 4096 and "more: see /alerts" in text
    assert rows[0] == [OPEN_CALLS_BUTTON]
    assert rows[1] == [("1: Approve", "approve:7"), ("1: Reject", "reject:7")]
    assert TELEGRAM_BUDGET < 4096
