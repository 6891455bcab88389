"""What each person saw and did during the demo, printed person by person in plain English.

Messages are recorded as they leave (the fake Bot API, the SMS channel, TwiML replies), in
local simulated time. Routine ones (reminders, call cards, "logged" thank-yous) are shown
once and then counted, so a week stays readable.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WIDTH = 100


def volunteer_key(volunteer_id: int) -> str:
    return f"volunteer-{volunteer_id}"


def patient_key(patient_id: int) -> str:
    return f"patient-{patient_id}"


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # "volunteer on Telegram", "patient", ...
    order: int  # organiser first, then volunteers, patients, practice


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str  # key into Transcript.people
    text: str
    own: bool = False  # something the person did rather than received
    buttons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Routine:
    """Messages alike enough that one example and then a count say it all."""

    one: str
    many: str
    pattern: re.Pattern[str]
    own: bool = False

    def count(self, n: int) -> str:
        return f"{n} {self.one if n == 1 else self.many}"


ROUTINE = (
    Routine(
        "evening-before reminder",
        "evening-before reminders",
        re.compile(r"^Reminder: (your )?(\d+ )?calls?"),
    ),
    Routine(
        "'due now' reminder", "'due now' reminders", re.compile(r"^Calls? .+ (is|are) due now")
    ),
    Routine("call card", "call cards", re.compile(r"^[A-Z]+\d+ \w{3} \d+ \w{3} [\d:-]+: ")),
    Routine("list of calls", "lists of calls", re.compile(r"^Your calls:")),
    Routine("'logged' thank-you", "'logged' thank-yous", re.compile(r"Logged as all well")),
    Routine(
        "offer of an open call",
        "offers of open calls",
        re.compile(r"^(Call \S+ \(.*\) (still )?needs someone|Th(is call|ese calls) still need)"),
    ),
    Routine("swap offer", "swap offers", re.compile(r"^Can you take call")),
    Routine("open-call alert", "open-call alerts", re.compile(r"is still open and due within")),
    Routine("check-in text", "check-in texts", re.compile(r"will ring you today between")),
    Routine(
        "look at their calls",
        "looks at their calls",
        re.compile(r"^(/calls|texts: CALLS)$"),
        own=True,
    ),
    Routine("tap of 'All well'", "taps of 'All well'", re.compile(r"^taps 'All well'"), own=True),
    Routine("DONE text", "DONE texts", re.compile(r"^texts: DONE "), own=True),
)
# Long messages shown by their first line only, with why.
SHORTENED = ((re.compile(r"^Week \d{4}-W\d\d: "), "(the full report is printed at the end)"),)


@dataclass
class Transcript:
    clock: Callable[[], datetime]
    tz: ZoneInfo
    week_start: datetime  # local Monday 00:00 of the simulated week: days in it need no date
    people: dict[str, Person] = field(default_factory=dict)
    chats: dict[int, str] = field(default_factory=dict)  # Telegram chat -> person
    phones: dict[str, str] = field(default_factory=dict)  # E.164 -> person
    entries: list[Entry] = field(default_factory=list)
    hidden: int = 0  # messages of the set-up (invite links), summarised instead
    quiet: bool = False
    shown: set[Routine] = field(default_factory=set)  # routine kinds already shown in full
    notes: dict[str, str] = field(default_factory=dict)  # person -> why they got nothing

    def add(
        self, key: str, person: Person, *, chat: int | None = None, phone: str | None = None
    ) -> None:
        self.people[key] = person
        if chat is not None:
            self.chats[chat] = key
        if phone is not None:
            self.phones[phone] = key

    def _log(self, who: str, text: str, own: bool = False, buttons: tuple[str, ...] = ()) -> None:
        if self.quiet:
            self.hidden += 1
            return
        self.entries.append(Entry(self.clock(), who, text.strip(), own, buttons))

    def did(self, who: str, text: str) -> None:
        self._log(who, text, own=True)

    def saw(self, who: str, text: str, buttons: tuple[str, ...] = ()) -> None:
        self._log(who, text, buttons=buttons)

    def telegram(self, chat: int, text: str, rows: list[list[tuple[str, str]]]) -> None:
        self.saw(
            self.chats.get(chat, f"telegram {chat}"), text, tuple(b for r in rows for b, _ in r)
        )

    def toast(self, chat: int, text: str) -> None:
        self.saw(self.chats.get(chat, f"telegram {chat}"), f"(pop-up) {text}")

    def sms(self, phone: str, text: str) -> None:
        self.saw(self.phones.get(phone, phone), text)

    # --- printing ---------------------------------------------------------------------------

    def when(self, at: datetime) -> str:
        local = at.astimezone(self.tz)
        if self.week_start <= local < self.week_start + timedelta(days=7):
            return f"{local:%a %H:%M}"
        return f"{local:%a} {local.day} {local:%b %H:%M}"

    def line(self, entry: Entry) -> str:
        person = self.people.get(entry.who)
        text = entry.text
        for pattern, why in SHORTENED:
            if pattern.search(text):
                text = f"{text.splitlines()[0]} {why}"
        if entry.own:
            first = person.name.split()[0] if person else entry.who
            said = f"{first}: {text}" if text.startswith("/") else f"{first} {text}"
        else:
            said = f"{_sender(person)}: {text}"
        if entry.buttons:
            said += " " + " ".join(f"[{b}]" for b in entry.buttons)
        said = " / ".join(part.strip() for part in said.splitlines() if part.strip())
        head = f"  {self.when(entry.at):>16}  "
        return textwrap.fill(said, WIDTH, initial_indent=head, subsequent_indent=" " * len(head))

    def section(self, key: str) -> list[str]:
        """Notable messages in full; routine ones in full only the first time in the demo."""
        person = self.people[key]
        lines: list[str] = []
        counts: dict[Routine, int] = {}
        for entry in (e for e in self.entries if e.who == key):
            routine = routine_of(entry)
            if routine is not None and routine in self.shown:
                counts[routine] = counts.get(routine, 0) + 1
                continue
            if routine is not None:
                self.shown.add(routine)
            lines.append(self.line(entry))
        heading = f"{person.name} - {person.role}"
        summary = ", ".join(r.count(n) for r, n in counts.items())
        if not lines:  # routine only, or nothing: one line says it
            return [f"{heading}: {summary or self.notes.get(key, 'nothing')}"]
        if summary:
            lines.append(
                textwrap.fill(
                    f"Also: {summary}.", WIDTH, initial_indent=" " * 4, subsequent_indent=" " * 4
                )
            )
        return [heading, *lines]

    def sections(self, keys: list[str]) -> list[str]:
        lines: list[str] = []
        for key in sorted(keys, key=lambda k: (self.people[k].order, self.people[k].name)):
            lines += ["", *self.section(key)]
        return lines

    def keys_with_entries(self) -> set[str]:
        return {e.who for e in self.entries}

    def has_news(self, key: str) -> bool:
        """Anything beyond routine messages for this person."""
        return any(e.who == key and routine_of(e) is None for e in self.entries)


def routine_of(entry: Entry) -> Routine | None:
    return next((r for r in ROUTINE if r.own == entry.own and r.pattern.search(entry.text)), None)


def _sender(person: Person | None) -> str:
    if person is not None and "Telegram" in person.role:
        return "bot"
    return "text"
