"""Which messages go first: decided here, once, from what a message is for.

A message's purpose is the first part of its key ("escalation:12:organiser:3" is an
"escalation") unless the use-case names one (an URGENT outcome's alert is "urgent"). The
dispatcher claims the most urgent due messages first, so an urgent alert queued behind a
thousand routine texts still goes in the next pass, within the channels' rate limits.
"""

from __future__ import annotations

from enum import IntEnum


class Priority(IntEnum):
    URGENT = 0  # a safeguarding alert: someone may be in danger now
    PERSONAL = 1  # concerns, and replies to a person who is waiting for them
    ROUTINE = 2  # rota notices, reminders, check-ins, offers


PRIORITY_BY_PURPOSE: dict[str, Priority] = {
    "urgent": Priority.URGENT,  # URGENT outcomes and their unacknowledged repeats
    "escalation": Priority.PERSONAL,  # concerns and patients not reached
    "declined": Priority.PERSONAL,
    "patient-reply": Priority.PERSONAL,  # a patient's own words, passed to organisers
    "sms-in": Priority.PERSONAL,  # the answer to someone's text command
    "sms-stop": Priority.PERSONAL,
    "unreachable": Priority.PERSONAL,
    "undeliverable": Priority.PERSONAL,
    "swapped": Priority.PERSONAL,
    "released": Priority.PERSONAL,
    "decided": Priority.PERSONAL,
}


def purpose_of(key: str, purpose: str | None = None) -> str:
    return (purpose or key.split(":", 1)[0])[:32]


def priority_of(purpose: str) -> Priority:
    return PRIORITY_BY_PURPOSE.get(purpose, Priority.ROUTINE)
