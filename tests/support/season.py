"""A spring season at one practice on a simulated clock, through the real use-cases and sweeps.

`run_season(config)` seeds one group (patients, volunteers, organisers) through the import and
invite use-cases, then runs the weeks tick by tick: the scheduler's sweeps (`run_due_work`,
`weekly_work`) and the outbox `Dispatcher` into recording channels. People are simulated agents
who act only on what the service told them (a message that reached their phone, or the reply to
their own command) or on their own diary of held calls: volunteers ring, log late, forget, claim
open calls when offered, swap, release, pause and leave; organisers publish the draft and
acknowledge alerts; a few patients reply or text STOP. Nobody reads the database to decide what
to do. Only the measuring at the end does (`SeasonFigures`), besides what the agents saw.

Randomness is seeded per person, so a change to one rule moves the figures it touches rather
than reshuffling the whole season. `benchmarks/season.py` prints the figures; the smoke test in
tests/cycle runs one small week through the same code.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from integrations.fakes.channels import RecordingChannel
from integrations.fakes.clock import FixedClock
from rota.codes import LETTER_SETS
from rota.domain import CallStatus, OutcomeKind, RecipientKind
from rota.errors import Refused
from rota.outbox import Dispatcher
from rota.phones import parse_phone
from rota.ports import Outgoing
from rota.services import availability, calls, outcomes, patient_replies, rotas
from rota.services.audit import CLI, Actor
from rota.services.cycle import run_due_work
from rota.services.groups import add_organiser, create_group, set_setting
from rota.services.importing import import_patients, import_volunteers
from rota.services.privacy import erase_volunteer, purge
from rota.services.signup import create_invite, redeem_invite
from rota.services.weekly import weekly_work
from rota.storage import Base, repository
from rota.storage.db import Database
from rota.storage.messages import DigestItem, Escalation, OutboxMessage
from rota.storage.people import Organiser, Patient
from rota.storage.rotas import Call, Rota
from rota.windows import WeeklyWindow, local_to_utc, parse_windows, week_bounds, week_label

LONDON = ZoneInfo("Europe/London")
GROUP = "Riverside PPG"
CALL_MINUTES = 20  # the group's default call length
DAY_TICK = timedelta(minutes=15)  # the scheduler's pace from 08:00 to 21:00 local
NIGHT_TICK = timedelta(hours=1)  # nothing is due at night but the dispatcher's retries
DUPLICATE_WITHIN = timedelta(minutes=10)  # same text to the same person this close: sent twice
TAIL = timedelta(hours=36)  # run past the season so its last calls can be chased and escalated

# ---- the practice's people ---------------------------------------------------------------

FIRST = [
    "Ann",
    "Barry",
    "Carol",
    "Derek",
    "Edna",
    "Frank",
    "Gwen",
    "Harold",
    "Irene",
    "Jack",
    "Kath",
    "Len",
    "Mavis",
    "Norman",
    "Olive",
    "Percy",
    "Queenie",
    "Ron",
    "Sheila",
    "Ted",
    "Una",
    "Vera",
    "Walter",
    "Yvonne",
    "Alf",
    "Beryl",
    "Cyril",
    "Dot",
    "Ernie",
    "Flo",
]
LAST = [
    "Abbott",
    "Baines",
    "Cooper",
    "Dunn",
    "Ellis",
    "Fenwick",
    "Gill",
    "Hale",
    "Ingram",
    "Jarvis",
    "Kemp",
    "Lowe",
    "Marsh",
    "Nash",
    "Owen",
    "Pike",
    "Quinn",
    "Rudd",
    "Shaw",
    "Tate",
    "Usher",
    "Vance",
    "Webb",
    "Yates",
    "Ashby",
    "Boyle",
    "Crane",
    "Dale",
    "Eaton",
    "Frost",
]
PATIENT_WINDOWS = (
    *tuple(
        f"{day} {span}"
        for day in ("Mon", "Tue", "Wed", "Thu", "Fri")
        for span in ("10:00-12:00", "14:00-16:30")
    ),
    "Sat 10:00-12:00",
    "Tue 18:00-19:30",
    "Thu 18:00-19:30",
)
VOLUNTEER_STARTS = (9 * 60 + 30, 10 * 60, 11 * 60, 13 * 60 + 30, 14 * 60, 15 * 60, 17 * 60 + 30)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class SeasonConfig:
    seed: int = 1
    weeks: int = 8
    patients: int = 300
    volunteers: int = 40
    first_monday: date = date(2027, 3, 1)  # 2027-W09; the clocks go forward on Sun 28 Mar
    no_show: float = 0.15  # held calls whose volunteer never rings and ignores the chasers
    churn: float = 0.02  # volunteers who pause or leave, each week
    urgent: int = 2  # URGENT outcomes in the season
    stops: int = 3  # patients who text STOP to a check-in
    database_url: str | None = None  # default: a fresh SQLite file under `folder`


@dataclass(frozen=True)
class PatientSeed:
    ref: str
    name: str
    phone: str  # national format, as the practice's spreadsheet has it
    risk: str
    windows: tuple[str, ...]
    language: str
    sms_consent: bool
    no_answer: float  # how often they don't pick up


@dataclass(frozen=True)
class VolunteerSeed:
    name: str
    phone: str
    channel: str  # telegram | sms
    windows: tuple[str, ...]
    max_calls: int
    languages: tuple[str, ...]


def _numbers(rng: random.Random, prefix: str, count: int) -> list[str]:
    """Numbers from an Ofcom drama range; 990-999 are kept for the organisers and practice."""
    found = [f"{prefix}{n:03d}" for n in range(990)]
    rng.shuffle(found)
    if count > len(found):
        raise ValueError(f"Ofcom's drama range {prefix}xxx has only 990 numbers for people")
    return found[:count]


@functools.lru_cache(maxsize=4096)
def _windows(windows: tuple[str, ...]) -> tuple[WeeklyWindow, ...]:
    return parse_windows("; ".join(windows))


def _slots(windows: tuple[str, ...]) -> int:
    return sum(w.minutes // CALL_MINUTES for w in _windows(windows))


def _overlap(patient: PatientSeed, volunteer: VolunteerSeed) -> bool:
    """Whether this volunteer could ring this patient in some week (language and windows)."""
    return _fits(patient.language, patient.windows, volunteer.languages, volunteer.windows)


@functools.lru_cache(maxsize=65536)
def _fits(
    language: str, wanted: tuple[str, ...], speaks: tuple[str, ...], free: tuple[str, ...]
) -> bool:
    if language not in speaks:
        return False
    mine = _windows(free)
    if not wanted:
        return bool(mine)
    return any(
        a.weekday == b.weekday and min(a.end, b.end) - max(a.start, b.start) >= CALL_MINUTES
        for a in mine
        for b in _windows(wanted)
    )


def calls_due(risk: str) -> int:
    """Calls a week the planner owes a patient (low risk: one a fortnight, counted as one)."""
    return 2 if risk == "high" else 1


def high_risk_capacity(patients: list[PatientSeed], volunteers: list[VolunteerSeed]) -> int:
    """How many of the high-risk patients' weekly calls these volunteers could make at most:
    a max-flow bound (language, overlapping windows, max_calls, slots; not day spacing)."""
    high = [p for p in patients if p.risk == "high"]
    cap_v = [min(v.max_calls, _slots(v.windows)) for v in volunteers]
    edges = [[j for j, v in enumerate(volunteers) if _overlap(p, v)] for p in high]
    # Unit-capacity augmenting paths: each high-risk call is one unit, each volunteer a bin.
    load = [0] * len(volunteers)
    holders: list[list[int]] = [[] for _ in volunteers]  # patient index per unit held

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if load[j] < cap_v[j]:
                load[j] += 1
                holders[j].append(i)
                return True
            for k, other in enumerate(holders[j]):
                if augment(other, seen):
                    holders[j][k] = i
                    return True
        return False

    return sum(1 for i, p in enumerate(high) for _ in range(calls_due(p.risk)) if augment(i, set()))


def make_people(config: SeasonConfig) -> tuple[list[PatientSeed], list[VolunteerSeed]]:
    """300 patients (20% high, 40% medium, 40% low risk), 40 volunteers (30% SMS-only), with
    windows and max_calls topped up until they can make every high-risk call with room to spare,
    while staying short of high plus medium (so the low-risk rotation and priorities matter)."""
    rng = random.Random(f"people:{config.seed}")
    n = config.patients
    high, medium = round(n * 0.2), round(n * 0.4)
    risks = ["high"] * high + ["medium"] * medium + ["low"] * (n - high - medium)
    rng.shuffle(risks)
    landlines = [rng.random() < 0.2 for _ in range(n)]
    mobiles = _numbers(rng, "07700 900", sum(not x for x in landlines) + config.volunteers)
    fixed = _numbers(rng, "01632 960", sum(landlines))
    patients = []
    for i, risk in enumerate(risks):
        windows: tuple[str, ...] = ()
        if rng.random() < 0.45:
            k = 2 if risk == "high" else 1
            windows = tuple(sorted(rng.sample(PATIENT_WINDOWS, rng.randint(k, 3))))
        roll = rng.random()
        language = "pl" if roll < 0.05 else "ur" if roll < 0.08 else "en"
        patients.append(
            PatientSeed(
                ref=f"RP{2001 + i}",
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                phone=fixed.pop() if landlines[i] else mobiles.pop(),
                risk=risk,
                windows=windows,
                language=language,
                sms_consent=not landlines[i] and rng.random() < 0.75,
                no_answer=0.35 if rng.random() < 0.2 else 0.10,  # 15% on average
            )
        )
    volunteers = []
    for i in range(config.volunteers):
        windows_list = []
        days = rng.sample(range(5), rng.choice((1, 2, 2, 3)))
        if rng.random() < 0.08:
            days.append(5)  # a Saturday-morning helper
        for day in sorted(days):
            start = rng.choice(VOLUNTEER_STARTS)
            length = 90 if start >= 17 * 60 else rng.choice((90, 120, 150, 180))
            windows_list.append(str(WeeklyWindow(day, start, start + length)))
        languages = ["en"]
        other = {1: "pl", 4: "pl", 7: "ur"}.get(i % 10)  # a few more than the patients need
        if other:
            languages.append(other)
        volunteers.append(
            VolunteerSeed(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                phone=mobiles.pop(),
                channel="sms" if i % 10 < 3 else "telegram",
                windows=tuple(windows_list),
                max_calls=rng.randint(3, 7),
                languages=tuple(languages),
            )
        )
    return patients, _top_up(rng, patients, volunteers)


def _top_up(
    rng: random.Random, patients: list[PatientSeed], volunteers: list[VolunteerSeed]
) -> list[VolunteerSeed]:
    """More calls or another window until every high-risk call could be made even without
    the tenth of volunteers who could make most, and the group can make 60% of the high and
    medium-risk calls (never all of them: the low-risk rotation and priorities must matter)."""
    high = [p for p in patients if p.risk == "high"]
    high_calls = sum(calls_due(p.risk) for p in high)
    due = sum(calls_due(p.risk) for p in patients if p.risk != "low")
    wanted = min(max(high_calls * 1.25, due * 0.6), due - 1)  # short of high plus medium
    spare = max(1, len(volunteers) // 10)

    def busiest_away() -> list[VolunteerSeed]:  # the tenth who could make most calls
        ranked = sorted(volunteers, key=lambda v: min(v.max_calls, _slots(v.windows)))
        return ranked[: len(ranked) - spare]

    for _ in range(2000):
        short = high_risk_capacity(patients, busiest_away()) < high_calls
        if not short and sum(min(v.max_calls, _slots(v.windows)) for v in volunteers) >= wanted:
            break
        j = rng.randrange(len(volunteers))
        if short:  # help the high-risk patient fewest volunteers can ring
            patient = min(high, key=lambda p: (sum(_overlap(p, v) for v in volunteers), p.ref))
            speakers = [
                k
                for k, v in enumerate(volunteers)
                if patient.language in v.languages and (v.max_calls < 8 or not _overlap(patient, v))
            ]
            if not speakers:  # a new bilingual volunteer, in effect
                v = volunteers[j]
                volunteers[j] = replace(v, languages=(*v.languages, patient.language))
                continue
            j = rng.choice(speakers)
            v = volunteers[j]
            if patient.windows and not _overlap(patient, v) and len(v.windows) < 5:
                window = parse_windows(rng.choice(patient.windows))[0]
                extra = str(
                    WeeklyWindow(window.weekday, window.start, min(window.end, window.start + 120))
                )
                volunteers[j] = replace(v, windows=(*v.windows, extra))
                continue
        v = volunteers[j]
        if v.max_calls < 8:
            volunteers[j] = replace(v, max_calls=v.max_calls + 1)
        if _slots(volunteers[j].windows) < volunteers[j].max_calls and len(v.windows) < 5:
            day = rng.randrange(5)
            start = rng.choice(VOLUNTEER_STARTS[:5])
            volunteers[j] = replace(
                volunteers[j],
                windows=(*volunteers[j].windows, str(WeeklyWindow(day, start, start + 120))),
            )
    return volunteers


def patients_csv(patients: list[PatientSeed]) -> bytes:
    lines = ["ref,name,phone,risk,call_windows,language,sms_consent"]
    for p in patients:
        lines.append(
            f"{p.ref},{p.name},{p.phone},{p.risk},{'; '.join(p.windows)},{p.language},"
            f"{'yes' if p.sms_consent else 'no'}"
        )
    return ("\n".join(lines) + "\n").encode()


def volunteers_csv(volunteers: list[VolunteerSeed]) -> bytes:
    lines = ["name,phone,channel,availability,max_calls,languages"]
    for v in volunteers:
        lines.append(
            f"{v.name},{v.phone},sms,{'; '.join(v.windows)},{v.max_calls},{'; '.join(v.languages)}"
        )
    return ("\n".join(lines) + "\n").encode()


def e164(national: str) -> str:
    return parse_phone(national, allow_fictional=True).e164


# ---- reading what people were told -------------------------------------------------------

CODE = rf"[{''.join(LETTER_SETS)}]\d+"  # every week's day letters (rota/codes.py)
SLOT = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d\d:\d\d-\d\d:\d\d"
CALL_IN_LIST = re.compile(rf"\b({CODE}) ({SLOT})")
CALL_CODE = re.compile(rf"\b[Cc]all ({CODE})\b")
SLOT_RE = re.compile(SLOT)
ASK_TO_CLAIM = re.compile(rf"ask a volunteer to claim ({CODE})\b")
ACK_BY_TEXT = re.compile(r"Reply ACK (\d+) to acknowledge")
# Outbox (or digest item) keys that tell someone about a call still needing a person.
TOLD = (
    "chase-organisers", "open-call", "swap-untaken", "released", "reoffer", "high-risk-missed",
)  # fmt: skip
ORGANISER_FINDS_SOMEONE = 0.8  # how often an organiser acts on "ask a volunteer to claim"
MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def parse_slot(text: str, near: datetime) -> tuple[datetime, datetime]:
    """'Tue 2 Mar 10:00-10:20' (the group's local time) -> UTC instants, in the year that puts
    the day nearest to `near` (messages never say the year)."""
    _, day, month, span = text.split()
    start_text, end_text = span.split("-")
    today = near.astimezone(LONDON).date()
    candidates = [date(today.year + k, MONTHS[month], int(day)) for k in (-1, 0, 1)]
    on = min(candidates, key=lambda d: abs((d - today).days))

    def minutes(clock: str) -> int:
        hours, mins = clock.split(":")
        return int(hours) * 60 + int(mins)

    return local_to_utc(on, minutes(start_text), LONDON), local_to_utc(
        on, minutes(end_text), LONDON
    )


def code_and_slot(body: str, near: datetime) -> tuple[str, tuple[datetime, datetime]] | None:
    code, slot = CALL_CODE.search(body), SLOT_RE.search(body)
    if code is None or slot is None:
        return None
    return code.group(1), parse_slot(slot.group(0), near)


def button(outgoing: Outgoing, action: str) -> int | None:
    for row in outgoing.buttons:
        for _label, data in row:
            if data.startswith(f"{action}:"):
                return int(data.split(":", 1)[1])
    return None


def awake(at: datetime, rng: random.Random, delay: timedelta) -> datetime:
    """When someone told something at `at` gets round to it: after `delay`, but not at night."""
    then = (at + delay).astimezone(LONDON)
    if 8 <= then.hour < 21 or (then.hour == 21 and then.minute < 30):
        return then.astimezone(UTC)
    day = then.date() if then.hour < 8 else then.date() + timedelta(days=1)
    return local_to_utc(day, 8 * 60 + rng.randint(0, 90), LONDON)


def reaction(rng: random.Random) -> timedelta:
    """Minutes to hours: most people look at their phone soon, some much later."""
    return timedelta(minutes=min(rng.expovariate(1 / 50), 8 * 60) + 2)


# ---- what happened, as the simulated people know it ---------------------------------------


@dataclass
class Ring:
    call_id: int
    patient_id: int
    volunteer_id: int
    at: datetime
    kind: OutcomeKind
    answered: bool


@dataclass
class Ledger:
    """Ground truth kept by the simulation: what people did, when."""

    rings: list[Ring] = field(default_factory=list)
    no_shows: dict[int, int] = field(default_factory=dict)  # call id -> volunteer id
    holder_at_start: dict[int, int | None] = field(default_factory=dict)
    offering: dict[str, set[int]] = field(default_factory=dict)  # week -> volunteer ids
    stops: dict[int, datetime] = field(default_factory=dict)  # patient id -> STOP
    urgent_rung: list[tuple[int, datetime]] = field(default_factory=list)
    actions: Counter[str] = field(default_factory=Counter)
    direct_replies: Counter[str] = field(default_factory=Counter)  # answers to own commands


@dataclass
class Agenda:
    code: str
    starts_at: datetime
    ends_at: datetime


@dataclass
class VolunteerAgent:
    id: int
    seed: VolunteerSeed
    rng: random.Random
    channel: str  # as they use it: telegram (linked) or sms
    windows: tuple[WeeklyWindow, ...]
    status: str = "active"  # active | paused | left
    diary: dict[tuple[str, datetime], Agenda] = field(default_factory=dict)
    rung: set[tuple[str, datetime]] = field(default_factory=set)
    pending_logs: dict[int, tuple[OutcomeKind, str | None, str]] = field(default_factory=dict)

    def free_at(self, starts_at: datetime, ends_at: datetime) -> bool:
        start, end = starts_at.astimezone(LONDON), ends_at.astimezone(LONDON)
        minute = start.hour * 60 + start.minute
        span = WeeklyWindow(
            start.weekday(), minute, minute + int((end - start).total_seconds() // 60)
        )
        return any(w.contains(span) for w in self.windows)

    def load(self, starts_at: datetime) -> int:
        week = starts_at.astimezone(LONDON).isocalendar()[:2]
        return sum(
            1
            for a in self.diary.values()
            if a.starts_at.astimezone(LONDON).isocalendar()[:2] == week
        )


@dataclass
class Person:
    kind: str  # volunteer | organiser | practice | patient
    id: int


# ---- the season ---------------------------------------------------------------------------


class Season:
    def __init__(
        self, db: Database, config: SeasonConfig, progress: Callable[[str], None] | None = None
    ) -> None:
        self.db = db
        self.config = config
        self.progress = progress
        monday = config.first_monday
        self.weeks = [
            week_label(*(monday + timedelta(days=7 * i)).isocalendar()[:2])
            for i in range(config.weeks)
        ]
        self.start = local_to_utc(monday - timedelta(days=4), 9 * 60, LONDON)  # the Thursday before
        self.season_start = week_bounds(self.weeks[0], LONDON)[0]
        self.season_end = week_bounds(self.weeks[-1], LONDON)[1]
        self.end = self.season_end + TAIL
        self.clock = FixedClock(self.start)
        self.channels = {name: RecordingChannel(name, self.clock) for name in ("telegram", "sms")}
        # Nothing crashes mid-send here, so the recovery pass (a transaction a run) rarely runs.
        self.dispatcher = Dispatcher(
            db, self.channels, rate_limits=None, sending_lease=timedelta(hours=4)
        )
        self.ledger = Ledger()
        self.events: list[tuple[datetime, int, Callable[[], Awaitable[None]], bool]] = []
        self.order = itertools.count()
        self.seen = {name: 0 for name in self.channels}
        self.addresses: dict[tuple[str, str], Person] = {}
        self.volunteers: dict[int, VolunteerAgent] = {}
        self.patients: dict[int, PatientSeed] = {}
        self.patient_by_phone: dict[str, int] = {}
        self.organisers: dict[int, str] = {}  # id -> telegram | sms
        self.acked: set[int] = set()
        self.asked: set[str] = set()  # codes an organiser has already rung round about
        self.stoppers: set[int] = set()
        self.urgent_at: list[datetime] = []
        self.group_id = 0
        self.rng = random.Random(f"season:{config.seed}")
        # wall seconds by part, for the benchmark's footnote
        self.timings: dict[str, float] = defaultdict(float)
        self.counts: Counter[str] = Counter()

    # -- scheduling -------------------------------------------------------------------------

    def at(
        self, when: datetime, action: Callable[[], Awaitable[None]], *, queues: bool = True
    ) -> None:
        """Do `action` at `when`. Actions that queue no message (`queues=False`: ringing,
        looking at /calls or /open, claiming) skip the dispatcher pass after them."""
        item = (max(when, self.clock.now), next(self.order), action, queues)
        heapq.heappush(self.events, item)

    def _next_tick(self, now: datetime) -> datetime:
        hour = now.astimezone(LONDON).hour
        step = DAY_TICK if 8 <= hour < 21 else NIGHT_TICK
        return now + step

    async def run(self) -> None:
        await self.setup()
        tick = self.start
        for i, week in enumerate(self.weeks):
            monday = week_bounds(week, LONDON)[0]
            self.at(monday, self._week_starts(week, i))
        day = self.start.astimezone(LONDON).date()
        while (night := local_to_utc(day, 3 * 60 + 30, LONDON)) < self.end:
            self.at(night, self._purge)  # the scheduler's nightly retention job
            day += timedelta(days=1)
        while self.clock.now < self.end:
            if self.events and self.events[0][0] <= tick:
                when, _, action, queues = heapq.heappop(self.events)
                self.clock.now = when
                await self._timed("people", action())
                if queues:  # the real dispatcher runs all the time: what was queued leaves now
                    await self._timed("dispatcher", self.dispatch())
                continue
            self.clock.now = tick
            await self._timed("run_due_work", run_due_work(self.db, tick))
            if tick.minute == 0:  # its rules fall due on the hour (Thu 10:00, Mon 09:00)
                await self._timed("weekly_work", weekly_work(self.db, tick))
            await self._timed("dispatcher", self.dispatch())
            if tick.minute == 0:
                await self._timed("measuring", self._note_holders(tick))
            tick = self._next_tick(tick)

    async def _timed(self, what: str, work: Awaitable[Any]) -> None:
        started = time.perf_counter()
        await work
        self.timings[what] += time.perf_counter() - started
        self.counts[what] += 1

    async def dispatch(self) -> None:
        while (await self.dispatcher.run_once(self.clock.now)).claimed:
            pass
        for name, channel in self.channels.items():
            new = channel.timed(self.seen[name])
            self.seen[name] = len(channel.sent)
            for at, outgoing in new:
                person = self.addresses.get((name, outgoing.address))
                if person is not None:
                    self._deliver(person, at, outgoing)

    async def _note_holders(self, now: datetime) -> None:
        """Measuring only: who held each call when its time came (nobody acts on it)."""
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(Call.id, Call.volunteer_id).where(
                    Call.starts_at <= now, Call.starts_at > now - 2 * NIGHT_TICK
                )
            )
            for call_id, holder in rows.all():
                self.ledger.holder_at_start.setdefault(call_id, holder)

    async def _purge(self) -> None:
        await purge(self.db, self.clock.now)

    # -- setting up the practice ------------------------------------------------------------

    async def setup(self) -> None:
        now = self.start
        patients, volunteers = make_people(self.config)
        group = await create_group(self.db, GROUP, timezone="Europe/London", actor=CLI, now=now)
        self.group_id = group.id
        for data, use_case in (
            (patients_csv(patients), import_patients),
            (volunteers_csv(volunteers), import_volunteers),
        ):
            result = await use_case(
                self.db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
            )
            if not result.ok:
                raise RuntimeError(f"seed import failed: {result.problems[:3]}")
        # The practice's duty mobile: an alert texted to a landline would be read out, or lost.
        await set_setting(
            self.db,
            None,
            "practice_contact",
            "07700 900999",
            actor=CLI,
            now=now,
            allow_fictional=True,
        )
        olive = await add_organiser(
            self.db, None, telegram_id=900001, phone=None, name="Olive", actor=CLI, now=now
        )
        sam = await add_organiser(
            self.db,
            None,
            telegram_id=None,
            phone="07700 900998",
            name="Sam",
            actor=CLI,
            now=now,
            allow_fictional=True,
        )
        bea = await add_organiser(
            self.db, None, telegram_id=900003, phone=None, name="Bea", actor=CLI, now=now
        )
        async with self.db.transaction() as session:
            # No use-case marks a backup organiser (the CLI has no flag for it yet): seeded.
            (await session.get_one(Organiser, bea.id)).backup = True
            ids = {p.ref: p.id for p in await session.scalars(select(Patient))}
            by_phone = await repository.volunteers_by_phone(session, group.id)
        self.organisers = {olive.id: "telegram", sam.id: "sms", bea.id: "telegram"}
        self.addresses[("telegram", "900001")] = Person("organiser", olive.id)
        self.addresses[("sms", e164("07700 900998"))] = Person("organiser", sam.id)
        self.addresses[("telegram", "900003")] = Person("organiser", bea.id)
        self.addresses[("sms", e164("07700 900999"))] = Person("practice", group.id)
        for seed in patients:
            pid = ids[seed.ref]
            self.patients[pid] = seed
            self.patient_by_phone[e164(seed.phone)] = pid
            self.addresses[("sms", e164(seed.phone))] = Person("patient", pid)
        textable = sorted(pid for pid, p in self.patients.items() if p.sms_consent)
        self.stoppers = set(self.rng.sample(textable, min(self.config.stops, len(textable))))
        for i, volunteer in enumerate(volunteers):
            phone = e164(volunteer.phone)
            vid = by_phone[phone].id
            channel = "sms"
            if volunteer.channel == "telegram":  # they follow their personal invite link
                payload = await create_invite(self.db, group.id, phone, actor=CLI, now=now)
                chat = 700000 + i
                await redeem_invite(
                    self.db, payload, telegram_id=chat, chat_id=chat, phone=phone, now=now
                )
                channel = "telegram"
                self.addresses[("telegram", str(chat))] = Person("volunteer", vid)
            self.addresses[("sms", phone)] = Person("volunteer", vid)
            self.volunteers[vid] = VolunteerAgent(
                id=vid,
                seed=volunteer,
                rng=random.Random(f"volunteer:{self.config.seed}:{i}"),
                channel=channel,
                windows=parse_windows("; ".join(volunteer.windows)),
            )
        # The season's two urgent calls: the first answered call after each of these moments.
        span = (self.season_end - self.season_start).total_seconds()
        for k in range(self.config.urgent):
            offset = span * (k + 0.5) / max(self.config.urgent, 1)
            self.urgent_at.append(self.season_start + timedelta(seconds=offset))

    # -- each week: who is offering, who pauses or leaves -----------------------------------

    def _week_starts(self, week: str, index: int) -> Callable[[], Awaitable[None]]:
        async def begin() -> None:
            if self.progress is not None:
                self.progress(f"{week} begins ({sum(self.timings.values()):.0f} s so far)")
            self.ledger.offering[week] = {
                v.id for v in self.volunteers.values() if v.status == "active"
            }
            for agent in self.volunteers.values():
                if agent.status == "active" and agent.rng.random() < self.config.churn:
                    when = self.clock.now + timedelta(hours=agent.rng.uniform(8, 6 * 24))
                    when = awake(when, agent.rng, timedelta())
                    if agent.rng.random() < 0.65:
                        self.at(when, self._pause(agent))
                    else:
                        self.at(when, self._leave(agent))

        return begin

    def _pause(self, agent: VolunteerAgent) -> Callable[[], Awaitable[None]]:
        async def pause() -> None:
            if agent.status != "active":
                return
            today = self.clock.now.astimezone(LONDON).date()
            until = today + timedelta(days=agent.rng.randint(6, 20))
            await availability.pause(
                self.db, agent.id, until=until, channel=agent.channel, now=self.clock.now
            )
            agent.status = "paused"
            agent.diary = {k: a for k, a in agent.diary.items() if a.starts_at <= self.clock.now}
            self.ledger.actions["pause"] += 1
            back = local_to_utc(
                until + timedelta(days=1), 9 * 60 + agent.rng.randint(0, 600), LONDON
            )
            self.at(back, self._resume(agent))

        return pause

    def _resume(self, agent: VolunteerAgent) -> Callable[[], Awaitable[None]]:
        async def resume() -> None:
            if agent.status != "paused":
                return
            await availability.resume(self.db, agent.id, channel=agent.channel, now=self.clock.now)
            agent.status = "active"
            self.ledger.actions["resume"] += 1

        return resume

    def _leave(self, agent: VolunteerAgent) -> Callable[[], Awaitable[None]]:
        async def leave() -> None:
            if agent.status == "left":
                return
            # Leaving is the organiser's `ringround erase volunteer`, the only way out today.
            await erase_volunteer(
                self.db, None, e164(agent.seed.phone), actor=CLI, now=self.clock.now
            )
            agent.status = "left"
            agent.diary.clear()
            self.ledger.actions["leave"] += 1

        return leave

    # -- messages reaching people -----------------------------------------------------------

    def _deliver(self, person: Person, at: datetime, outgoing: Outgoing) -> None:
        if person.kind == "volunteer":
            agent = self.volunteers.get(person.id)
            if agent is not None and agent.status != "left":
                self._volunteer_told(agent, at, outgoing)
        elif person.kind == "organiser":
            self._organiser_told(person.id, at, outgoing)
        elif person.kind == "patient":
            self._patient_told(person.id, at, outgoing)

    def _volunteer_told(self, agent: VolunteerAgent, at: datetime, message: Outgoing) -> None:
        body = message.body
        if " rota for " in body and " is out." in body:
            self._rota_out(agent, at, body)
            return
        found = code_and_slot(body, at)
        if body.startswith("Reminder: call") or (
            body.startswith("Call ") and " is due now" in body
        ):
            if found:
                self._learn(agent, found[0], found[1])
            return
        if "still needs someone" in body or "needs someone. Reply CLAIM" in body:
            self._open_call_offered(agent, at, message, found)
            return
        if body.startswith("Can you take call"):
            self._swap_asked(agent, at, message, found)
            return
        if " has taken call " in body:
            self._call_taken_by_another(agent, at, body)
            return
        if body.startswith("How did call"):
            self._outcome_asked(agent, at, body)

    def _rota_out(self, agent: VolunteerAgent, at: datetime, body: str) -> None:
        """The published rota: the agent notes their calls, and some browse the open ones."""
        for code, slot in CALL_IN_LIST.findall(body):
            self._learn(agent, code, parse_slot(slot, at), planned=True)
        if "still need someone" in body and agent.status == "active" and agent.rng.random() < 0.12:
            when = awake(at, agent.rng, reaction(agent.rng))
            self.at(when, self._browse_open(agent), queues=False)

    def _open_call_offered(
        self,
        agent: VolunteerAgent,
        at: datetime,
        message: Outgoing,
        found: tuple[str, tuple[datetime, datetime]] | None,
    ) -> None:
        """Some claim an open call, mostly when it fits their day."""
        if not (found and agent.status == "active"):
            return
        fits = agent.free_at(*found[1]) and agent.load(found[1][0]) < agent.seed.max_calls + 1
        if agent.rng.random() < (0.3 if fits else 0.03):
            call_id = button(message, "claim")
            when = awake(at, agent.rng, reaction(agent.rng))
            self.at(when, self._claim(agent, found[0], call_id), queues=False)

    def _swap_asked(
        self,
        agent: VolunteerAgent,
        at: datetime,
        message: Outgoing,
        found: tuple[str, tuple[datetime, datetime]] | None,
    ) -> None:
        """Some take a call another volunteer offers, mostly when they are free then."""
        if not (found and agent.status == "active"):
            return
        fits = agent.free_at(*found[1])
        if agent.rng.random() < (0.25 if fits else 0.02):
            call_id = button(message, "take")
            self.at(
                awake(at, agent.rng, reaction(agent.rng)),
                self._take(agent, found[0], call_id),
            )

    def _call_taken_by_another(self, agent: VolunteerAgent, at: datetime, body: str) -> None:
        """A call now someone else's leaves the agent's diary."""
        code = CALL_CODE.search(body)
        if code:
            agent.diary = {
                k: a
                for k, a in agent.diary.items()
                if not (a.code == code.group(1) and a.starts_at > at)
            }

    def _outcome_asked(self, agent: VolunteerAgent, at: datetime, body: str) -> None:
        """Asked how a call went, the agent logs the outcome it has in mind."""
        code = CALL_CODE.search(body)
        if code:
            for call_id, (_kind, _note, logged_code) in list(agent.pending_logs.items()):
                if logged_code == code.group(1):
                    self.at(awake(at, agent.rng, reaction(agent.rng)), self._log(agent, call_id))

    def _learn(
        self,
        agent: VolunteerAgent,
        code: str,
        slot: tuple[datetime, datetime],
        *,
        planned: bool = False,
    ) -> None:
        key = (code, slot[0])
        if key in agent.diary or slot[0] <= self.clock.now or agent.status != "active":
            return
        agenda = Agenda(code, *slot)
        agent.diary[key] = agenda
        when = slot[0] + timedelta(minutes=agent.rng.uniform(0, 8))
        self.at(when, self._ring(agent, agenda), queues=False)
        if not planned:
            return
        roll = agent.rng.random()
        latest = slot[0] - timedelta(hours=30)
        if roll < 0.05 and latest > self.clock.now + timedelta(hours=2):
            when = self.clock.now + (latest - self.clock.now) * agent.rng.random()
            action = self._offer_swap if roll < 0.03 else self._release
            self.at(awake(when, agent.rng, timedelta()), action(agent, agenda))

    # -- what volunteers do -----------------------------------------------------------------

    def _ring(self, agent: VolunteerAgent, agenda: Agenda) -> Callable[[], Awaitable[None]]:
        async def ring() -> None:
            key = (agenda.code, agenda.starts_at)
            if agent.status != "active" or key in agent.rung or key not in agent.diary:
                return
            agent.rung.add(key)
            try:  # /calls or CALLS: the number to ring, and whether it is still theirs
                cards = await calls.my_calls(
                    self.db, agent.id, channel=agent.channel, now=self.clock.now
                )
            except Refused:
                return
            self.ledger.direct_replies["calls"] += 1
            card = next(
                (
                    c
                    for c in cards
                    if c.code == agenda.code
                    and parse_slot(c.when, agenda.starts_at)[0] == agenda.starts_at
                ),
                None,
            )
            if card is None:
                return  # taken over, released or paused away since
            if agent.rng.random() < self.config.no_show:
                self.ledger.no_shows[card.call_id] = agent.id
                return  # forgot it, and will ignore the chasers
            pid = self.patient_by_phone[card.patient_phone]
            kind, note = self._patient_answers(pid)
            answered = kind not in (OutcomeKind.NO_ANSWER,)
            self.ledger.rings.append(
                Ring(card.call_id, pid, agent.id, self.clock.now, kind, answered)
            )
            agent.pending_logs[card.call_id] = (kind, note, agenda.code)
            roll = agent.rng.random()
            end = agenda.ends_at
            if kind == OutcomeKind.URGENT:
                when = self.clock.now + timedelta(minutes=agent.rng.uniform(1, 4))
            elif roll < 0.6:
                when = end + timedelta(minutes=agent.rng.uniform(2, 30))
            elif roll < 0.8:
                when = awake(end, agent.rng, timedelta(hours=agent.rng.uniform(1, 6)))
            elif roll < 0.92:
                next_day = end.astimezone(LONDON).date() + timedelta(days=1)
                when = local_to_utc(next_day, 9 * 60 + agent.rng.randint(0, 180), LONDON)
            else:
                return  # logs only when chased
            self.at(when, self._log(agent, card.call_id))

        return ring

    def _patient_answers(self, pid: int) -> tuple[OutcomeKind, str | None]:
        seed = self.patients[pid]
        rng = self.rng
        if self.urgent_at and self.clock.now >= self.urgent_at[0]:
            self.urgent_at.pop(0)
            self.ledger.urgent_rung.append((pid, self.clock.now))
            return OutcomeKind.URGENT, "Fell this morning, can't get up, confused"
        roll = rng.random()
        if roll < seed.no_answer:
            return OutcomeKind.NO_ANSWER, None
        roll = rng.random()
        if roll < 0.06:
            return OutcomeKind.NO_ANSWER, "Left a message"
        if roll < 0.12:
            return OutcomeKind.CONCERN, "Sounded low and not eating much"
        if roll < 0.13:
            return OutcomeKind.DECLINED, None
        if roll < 0.18:
            return OutcomeKind.OK, "Short chat, was on the way out"
        return OutcomeKind.OK, None

    def _log(self, agent: VolunteerAgent, call_id: int) -> Callable[[], Awaitable[None]]:
        async def log() -> None:
            pending = agent.pending_logs.pop(call_id, None)
            if pending is None or agent.status == "left":
                return
            kind, note, code = pending
            by = {"call_id": call_id} if agent.channel == "telegram" else {"code": code}
            try:
                logged = await outcomes.record_outcome(
                    self.db,
                    agent.id,
                    kind=kind,
                    channel=agent.channel,
                    now=self.clock.now,
                    note=note,
                    **by,
                )
            except Refused:
                self.ledger.actions["log refused"] += 1
                return
            self.ledger.actions["logged"] += 1
            self.ledger.direct_replies["outcome"] += 1
            found = code_and_slot(logged.follow_up, self.clock.now)
            if found and "Please try again" in logged.follow_up:
                self._learn(agent, found[0], found[1])

        return log

    def _claim(
        self, agent: VolunteerAgent, code: str, call_id: int | None
    ) -> Callable[[], Awaitable[None]]:
        return self._say_yes(agent, "claim", calls.claim_call, code, call_id)

    def _say_yes(
        self,
        agent: VolunteerAgent,
        what: str,
        use_case: Callable[..., Awaitable[calls.CallCard]],
        code: str,
        call_id: int | None,
    ) -> Callable[[], Awaitable[None]]:
        """Claiming an open call or taking a swap: by its button if there was one, else by code;
        a call won goes in the volunteer's diary."""

        async def say_yes() -> None:
            if agent.status != "active":
                return
            by = {"call_id": call_id} if call_id is not None else {"code": code}
            self.ledger.actions[f"{what} tried"] += 1
            try:
                card = await use_case(
                    self.db, agent.id, channel=agent.channel, now=self.clock.now, **by
                )
            except Refused:
                return
            self.ledger.actions[f"{what} won"] += 1
            self._learn(agent, card.code, parse_slot(card.when, self.clock.now))

        return say_yes

    def _browse_open(self, agent: VolunteerAgent) -> Callable[[], Awaitable[None]]:
        async def browse() -> None:
            if agent.status != "active":
                return
            try:
                found = await calls.list_open_calls(self.db, agent.id, now=self.clock.now)
            except Refused:
                return
            self.ledger.direct_replies["open"] += 1
            for open_call in found:
                slot = parse_slot(open_call.when, self.clock.now)
                if agent.free_at(*slot) and agent.load(slot[0]) < agent.seed.max_calls:
                    await self._claim(agent, open_call.code, open_call.call_id)()
                    break

        return browse

    def _take(
        self, agent: VolunteerAgent, code: str, call_id: int | None
    ) -> Callable[[], Awaitable[None]]:
        return self._say_yes(agent, "take", calls.take_swap, code, call_id)

    def _offer_swap(self, agent: VolunteerAgent, agenda: Agenda) -> Callable[[], Awaitable[None]]:
        async def offer() -> None:
            if agent.status != "active" or (agenda.code, agenda.starts_at) not in agent.diary:
                return
            try:
                await calls.offer_swap(
                    self.db, agent.id, code=agenda.code, channel=agent.channel, now=self.clock.now
                )
            except Refused:
                return
            self.ledger.actions["swap offered"] += 1

        return offer

    def _release(self, agent: VolunteerAgent, agenda: Agenda) -> Callable[[], Awaitable[None]]:
        async def release() -> None:
            key = (agenda.code, agenda.starts_at)
            if agent.status != "active" or key not in agent.diary:
                return
            try:
                await calls.release_call(
                    self.db, agent.id, code=agenda.code, channel=agent.channel, now=self.clock.now
                )
            except Refused:
                return
            del agent.diary[key]
            self.ledger.actions["released"] += 1

        return release

    # -- organisers and patients ------------------------------------------------------------

    def _organiser_told(self, organiser_id: int, at: datetime, message: Outgoing) -> None:
        rng = self.rng
        body = message.body
        channel = self.organisers[organiser_id]
        actor = Actor("organiser", organiser_id, "organiser", channel)
        # At once or inside the daily digest, where routine notices now wait (issue 19).
        draft = re.search(r"The draft rota for (\d{4}-W\d\d) is ready", body)
        if draft and organiser_id == min(self.organisers):  # Olive reviews and publishes
            when = awake(at, rng, timedelta(minutes=rng.uniform(30, 240)))
            self.at(when, self._publish(draft.group(1), actor))
            return
        asked = ASK_TO_CLAIM.search(body)
        if asked and asked.group(1) not in self.asked and rng.random() < ORGANISER_FINDS_SOMEONE:
            # "ask a volunteer to claim X": the organiser rings round the team, and the first
            # volunteer who says yes claims it with their own command.
            self.asked.add(asked.group(1))
            slots = SLOT_RE.findall(body)
            slot = parse_slot(slots[-1], at) if slots else None
            when = awake(at, rng, timedelta(minutes=rng.uniform(15, 90)))
            self.at(when, self._ask_round(asked.group(1), slot))
        escalation = button(message, "ack")
        if escalation is None:
            reply = ACK_BY_TEXT.search(body)  # SMS organisers: "Reply ACK 12 to acknowledge."
            escalation = int(reply.group(1)) if reply else None
        if escalation is None or escalation in self.acked:
            return
        self.acked.add(escalation)
        if body.startswith(("URGENT", "STILL UNACKNOWLEDGED")):
            delay = timedelta(minutes=rng.uniform(3, 40))
        else:
            delay = timedelta(hours=rng.uniform(1, 20))
        self.at(awake(at, rng, delay), self._acknowledge(escalation, organiser_id, actor))

    def _ask_round(
        self, code: str, slot: tuple[datetime, datetime] | None
    ) -> Callable[[], Awaitable[None]]:
        async def ask_round() -> None:
            team = [a for a in self.volunteers.values() if a.status == "active"]
            if slot is not None:
                team = [a for a in team if a.free_at(*slot)]
            self.rng.shuffle(team)
            for agent in sorted(team, key=lambda a: a.load(slot[0]) if slot else 0)[:4]:
                if agent.rng.random() < 0.4:
                    continue  # did not pick up, or cannot this time
                self.ledger.actions["organiser asked"] += 1
                before = self.ledger.actions["claim won"]
                await self._claim(agent, code, None)()
                if self.ledger.actions["claim won"] > before:
                    return

        return ask_round

    def _publish(self, week: str, actor: Actor) -> Callable[[], Awaitable[None]]:
        async def publish() -> None:
            try:
                await rotas.publish_rota(self.db, None, week, actor=actor, now=self.clock.now)
            except rotas.RotaError:
                return
            self.ledger.actions["published"] += 1

        return publish

    def _acknowledge(
        self, escalation: int, organiser_id: int, actor: Actor
    ) -> Callable[[], Awaitable[None]]:
        async def acknowledge() -> None:
            await outcomes.acknowledge(
                self.db,
                escalation,
                organiser_id=organiser_id,
                group_id=self.group_id,
                actor=actor,
                now=self.clock.now,
            )
            self.ledger.actions["acknowledged"] += 1

        return acknowledge

    def _patient_told(self, pid: int, at: datetime, message: Outgoing) -> None:
        if (
            pid in self.stoppers
            and pid not in self.ledger.stops
            and at >= self.season_start + timedelta(days=7)
        ):
            self.ledger.stops[pid] = at + timedelta(minutes=20)  # as far as we know, from then
            self.at(at + timedelta(minutes=20), self._stop(pid))
        elif self.rng.random() < 0.02:
            self.at(at + timedelta(minutes=self.rng.uniform(5, 120)), self._reply(pid))

    def _stop(self, pid: int) -> Callable[[], Awaitable[None]]:
        async def stop() -> None:
            self.ledger.stops[pid] = self.clock.now
            await patient_replies.opt_out(
                self.db,
                group_id=self.group_id,
                phone=e164(self.patients[pid].phone),
                key=f"stop{pid}",
                now=self.clock.now,
            )
            self.ledger.actions["patient STOP"] += 1

        return stop

    def _reply(self, pid: int) -> Callable[[], Awaitable[None]]:
        async def reply() -> None:
            await patient_replies.pass_on(
                self.db,
                group_id=self.group_id,
                phone=e164(self.patients[pid].phone),
                body="Thank you dear, I'll be in",
                key=f"reply{pid}-{int(self.clock.now.timestamp())}",
                now=self.clock.now,
            )
            self.ledger.actions["patient reply"] += 1

        return reply

    # -- measuring, after the season --------------------------------------------------------

    async def figures(self) -> SeasonFigures:
        async with self.db.transaction() as session:
            rota_weeks = {r.id: r.week for r in await session.scalars(select(Rota))}
            all_calls = list(await session.scalars(select(Call)))
            rows = {m.id: m for m in await session.scalars(select(OutboxMessage))}
            escalations = list(await session.scalars(select(Escalation)))
            # A routine notice travels inside an organiser's daily digest under its own key.
            carried = {
                (item.key, item.digest_key)
                for item in await session.scalars(
                    select(DigestItem).where(DigestItem.digest_key.is_not(None))
                )
            }
        esc_kind = {e.id: e.kind for e in escalations}
        sends = sorted(
            ((at, m) for channel in self.channels.values() for at, m in channel.timed()),
            key=lambda item: (item[0], item[1].message_id),
        )
        return measure(self, rota_weeks, all_calls, rows, escalations, esc_kind, sends, carried)


# ---- the figures ----------------------------------------------------------------------------

MISSED = ("no-show by holder", "open, never claimed", "no answer", "other")
RISKS = ("high", "medium", "low")


@dataclass
class WeekFigures:
    label: str
    high_patients: int = 0
    high_contacted: int = 0
    high_calls_due: int = 0
    high_capacity: int = 0  # high-risk calls the week's offering volunteers could make at most
    weeks_with_capacity: int = 0
    gap_days: dict[str, float] = field(default_factory=dict)
    missed: Counter[str] = field(default_factory=Counter)
    to_volunteers: int = 0
    volunteer_days: int = 0  # volunteers x days
    volunteer_day_max: int = 0
    to_organisers: int = 0
    to_practice: int = 0
    to_patients: int = 0
    purposes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def capacity_allows(self) -> bool:
        return self.high_capacity >= self.high_calls_due

    @property
    def volunteer_day_average(self) -> float:
        return self.to_volunteers / max(self.volunteer_days, 1)


@dataclass
class Safety:
    resent: int = 0  # the same outbox message sent more than once
    same_text: int = 0  # the same text to the same person within DUPLICATE_WITHIN
    to_landlines: int = 0
    to_not_consenting: int = 0  # opted out, or never consented
    lost: list[str] = field(default_factory=list)  # "2027-W10 B3 (high)"
    urgent: list[dict[str, float | int | None]] = field(default_factory=list)

    @property
    def sent_twice(self) -> int:
        return self.resent + self.same_text


@dataclass
class SeasonFigures:
    config: SeasonConfig
    weeks: list[WeekFigures]
    season: WeekFigures
    safety: Safety
    actions: Counter[str]
    facts: dict[str, int]
    timings: dict[str, str]  # where the wall time went: "12 s / 3400 runs"


def purpose(key: str, escalation_kinds: dict[int, str]) -> str:
    """'reminder:12:evening:volunteer:5' -> 'reminder:evening'; escalations by their kind."""
    parts = key.split(":")
    if len(parts) >= 2 and parts[-2] in {k.value for k in RecipientKind}:
        parts = parts[:-2]
    if parts[0] == "escalation" and len(parts) > 1 and parts[1].isdigit():
        return f"escalation:{escalation_kinds.get(int(parts[1]), '?')}"
    kept = [p for p in parts if not re.fullmatch(r"\d+|\d{4}-W\d\d|stop\d+|reply\d+-\d+", p)]
    return ":".join(kept) or parts[0]


def _gaps(
    points: list[datetime], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    marks = [start, *sorted(p for p in points if start <= p < end), end]
    return list(itertools.pairwise(marks))


def measure(
    season: Season,
    rota_weeks: dict[int, str],
    all_calls: list[Call],
    rows: dict[int, OutboxMessage],
    escalations: list[Escalation],
    esc_kind: dict[int, str],
    sends: list[tuple[datetime, Outgoing]],
    carried: set[tuple[str, str | None]],
) -> SeasonFigures:
    ledger = season.ledger
    weeks = [WeekFigures(w) for w in season.weeks]
    index = {w: i for i, w in enumerate(season.weeks)}
    contacts, rung = _contacts(ledger)
    # A patient whose language or windows no volunteer shares cannot be rung at all: the
    # gap goals hold "while capacity allows", so they are counted apart, not in the gaps.
    reachable = _reachable(season)
    _count_patients_reached(season, weeks, rota_weeks, all_calls, contacts, rung, reachable)
    _count_messages(season, weeks, index, rows, esc_kind, sends)
    total = _season_total(season, weeks, contacts, reachable)
    safety = _safety(season, all_calls, rota_weeks, rows, escalations, esc_kind, sends, carried)
    facts = {
        "calls planned or added": sum(1 for c in all_calls if rota_weeks[c.rota_id] in index),
        "calls rung": len(ledger.rings),
        "no-shows": len(ledger.no_shows),
        "outcomes logged": sum(1 for c in all_calls if c.status == CallStatus.DONE),
        "messages sent (all, whole run)": len(sends),
        **{
            f"{risk}-risk patients no volunteer can ring (not in the gaps)": sum(
                1 for pid, p in season.patients.items() if p.risk == risk and pid not in reachable
            )
            for risk in RISKS
        },
    }
    timings = {
        what: f"{season.timings[what]:.0f} s / {season.counts[what]}" for what in season.timings
    }
    return SeasonFigures(season.config, weeks, total, safety, ledger.actions, facts, timings)


def _reachable(season: Season) -> set[int]:
    """Patients some volunteer shares a language and a window with."""
    seeds = [v.seed for v in season.volunteers.values()]
    return {pid for pid, p in season.patients.items() if any(_overlap(p, v) for v in seeds)}


def _contacts(ledger: Ledger) -> tuple[dict[int, list[datetime]], dict[int, Ring]]:
    """When each patient answered a call, and each rung call's ring."""
    contacts: dict[int, list[datetime]] = defaultdict(list)
    rung: dict[int, Ring] = {}
    for ring in ledger.rings:
        rung[ring.call_id] = ring
        if ring.answered:
            contacts[ring.patient_id].append(ring.at)
    return contacts, rung


def _count_patients_reached(
    season: Season,
    weeks: list[WeekFigures],
    rota_weeks: dict[int, str],
    all_calls: list[Call],
    contacts: dict[int, list[datetime]],
    rung: dict[int, Ring],
    reachable: set[int],
) -> None:
    """Per week: high-risk patients reached and why the others were not, against what the
    volunteers offering could make; and each risk's longest gap between contacts."""
    ledger, patients = season.ledger, season.patients
    by_patient_week: dict[tuple[int, str], list[Call]] = defaultdict(list)
    for call in all_calls:
        by_patient_week[(call.patient_id, rota_weeks[call.rota_id])].append(call)
    seeds = {v.id: v.seed for v in season.volunteers.values()}
    patient_seeds = list(patients.values())
    for i, (start, end) in enumerate(week_bounds(w, LONDON) for w in season.weeks):
        week = weeks[i]
        offering = [seeds[v] for v in ledger.offering.get(season.weeks[i], set())]
        week.high_capacity = high_risk_capacity(patient_seeds, offering)
        for pid, seed in patients.items():
            if seed.risk != "high":
                continue
            week.high_patients += 1
            week.high_calls_due += calls_due(seed.risk)
            if any(start <= t < end for t in contacts.get(pid, [])):
                week.high_contacted += 1
                continue
            planned = sorted(
                by_patient_week.get((pid, season.weeks[i]), []), key=lambda c: c.starts_at
            )
            week.missed[_why_missed(planned[-1] if planned else None, ledger, rung)] += 1
        week.weeks_with_capacity = int(week.capacity_allows)
        for risk in RISKS:
            week.gap_days[risk] = _longest_gap_in(season, risk, contacts, reachable, start, end)


def _longest_gap_in(
    season: Season,
    risk: str,
    contacts: dict[int, list[datetime]],
    reachable: set[int],
    start: datetime,
    end: datetime,
) -> float:
    """Days, of the longest gap between contacts that overlaps the week, cut at its end."""
    longest = 0.0
    for pid, seed in season.patients.items():
        if seed.risk != risk or pid not in reachable:
            continue
        for a, b in _gaps(contacts.get(pid, []), season.season_start, season.season_end):
            b = min(b, end)
            if b > start and a < end:
                longest = max(longest, (b - a).total_seconds() / 86400)
    return longest


def _count_messages(
    season: Season,
    weeks: list[WeekFigures],
    index: dict[str, int],
    rows: dict[int, OutboxMessage],
    esc_kind: dict[int, str],
    sends: list[tuple[datetime, Outgoing]],
) -> None:
    """Messages sent in the season, by whom they reached and why, and the most a volunteer
    got in one day."""
    n_volunteers = len(season.volunteers)
    for week in weeks:
        week.volunteer_days = n_volunteers * 7
    per_day: Counter[tuple[int | None, date]] = Counter()
    for at, outgoing in sends:
        if at >= season.season_end:
            continue
        row = rows[outgoing.message_id]
        i = (
            0
            if at < season.season_start
            else index[week_label(*at.astimezone(LONDON).isocalendar()[:2])]
        )
        week = weeks[i]
        whom = RecipientKind(row.recipient_kind)
        week.purposes[whom.value][purpose(row.key, esc_kind)] += 1
        _count_recipient(week, whom)
        if whom == RecipientKind.VOLUNTEER:
            per_day[(row.recipient_id, at.astimezone(LONDON).date())] += 1
    for (_, day), count in per_day.items():
        i = max(0, min(len(weeks) - 1, (day - season.config.first_monday).days // 7))
        weeks[i].volunteer_day_max = max(weeks[i].volunteer_day_max, count)


def _count_recipient(week: WeekFigures, whom: RecipientKind) -> None:
    if whom == RecipientKind.VOLUNTEER:
        week.to_volunteers += 1
    elif whom == RecipientKind.ORGANISER:
        week.to_organisers += 1
    elif whom == RecipientKind.PRACTICE:
        week.to_practice += 1
    elif whom == RecipientKind.PATIENT:
        week.to_patients += 1


def _season_total(
    season: Season,
    weeks: list[WeekFigures],
    contacts: dict[int, list[datetime]],
    reachable: set[int],
) -> WeekFigures:
    """The weeks added up; a gap is the longest over the whole season, not cut at weeks."""
    total = WeekFigures("season")
    for week in weeks:
        total.high_patients += week.high_patients
        total.high_contacted += week.high_contacted
        total.high_calls_due += week.high_calls_due
        total.high_capacity += week.high_capacity
        total.weeks_with_capacity += week.weeks_with_capacity
        total.missed.update(week.missed)
        total.to_volunteers += week.to_volunteers
        total.volunteer_days += week.volunteer_days
        total.volunteer_day_max = max(total.volunteer_day_max, week.volunteer_day_max)
        total.to_organisers += week.to_organisers
        total.to_practice += week.to_practice
        total.to_patients += week.to_patients
        for recipients, counts in week.purposes.items():
            total.purposes[recipients].update(counts)
    for risk in RISKS:
        total.gap_days[risk] = max(
            (
                (b - a).total_seconds() / 86400
                for pid, seed in season.patients.items()
                if seed.risk == risk and pid in reachable
                for a, b in _gaps(contacts.get(pid, []), season.season_start, season.season_end)
            ),
            default=0.0,
        )
    return total


def _why_missed(call: Call | None, ledger: Ledger, rung: dict[int, Ring]) -> str:
    """The fate of the week's last call to a high-risk patient who was not reached."""
    if call is None:
        return "other"  # not planned at all
    if call.id in rung:
        return "no answer"
    if call.id in ledger.no_shows:
        return "no-show by holder"
    if call.id in ledger.holder_at_start and ledger.holder_at_start[call.id] is None:
        return "open, never claimed"
    return "other"  # cancelled, or its holder paused or left with it


def _safety(
    season: Season,
    all_calls: list[Call],
    rota_weeks: dict[int, str],
    rows: dict[int, OutboxMessage],
    escalations: list[Escalation],
    esc_kind: dict[int, str],
    sends: list[tuple[datetime, Outgoing]],
    carried: set[tuple[str, str | None]],
) -> Safety:
    safety = Safety()
    safety.resent, safety.same_text = _sent_twice(sends)
    safety.to_landlines, safety.to_not_consenting = _texts_to_wrong_phones(season, sends)
    safety.lost = _lost_calls(season, all_calls, rota_weeks, rows, escalations, sends, carried)
    safety.urgent = _urgent_timings(rows, escalations, esc_kind, sends)
    return safety


def _sent_twice(sends: list[tuple[datetime, Outgoing]]) -> tuple[int, int]:
    """Outbox messages sent more than once, and one text sent again as another message to
    the same address within DUPLICATE_WITHIN."""
    times = Counter(m.message_id for _, m in sends)
    resent = sum(n - 1 for n in times.values())
    same_text = 0
    last: dict[tuple[str, str, str], tuple[datetime, int]] = {}
    for at, m in sends:
        key = (m.channel, m.address, m.body)
        before = last.get(key)
        if before is not None and before[1] != m.message_id and at - before[0] < DUPLICATE_WITHIN:
            same_text += 1
        last[key] = (at, m.message_id)
    return resent, same_text


def _texts_to_wrong_phones(
    season: Season, sends: list[tuple[datetime, Outgoing]]
) -> tuple[int, int]:
    """Texts to a patient's landline, and to a patient who never consented or had opted out."""
    landlines = not_consenting = 0
    for at, m in sends:
        if m.channel != "sms":
            continue
        pid = season.patient_by_phone.get(m.address)
        if pid is None:
            continue
        seed = season.patients[pid]
        if seed.phone.startswith("01"):
            landlines += 1
        elif not seed.sms_consent or (
            pid in season.ledger.stops and season.ledger.stops[pid] <= at
        ):
            not_consenting += 1
    return landlines, not_consenting


def _lost_calls(
    season: Season,
    all_calls: list[Call],
    rota_weeks: dict[int, str],
    rows: dict[int, OutboxMessage],
    escalations: list[Escalation],
    sends: list[tuple[datetime, Outgoing]],
    carried: set[tuple[str, str | None]],
) -> list[str]:
    """Calls still planned a day after they ended that no one was ever told about (a
    notice carried in a digest counts once the digest is sent)."""
    sent_keys = {rows[m.message_id].key for _, m in sends}
    sent_keys |= {key for key, digest in carried if digest in sent_keys}
    heads = {":".join(k.split(":")[:2]) for k in sent_keys}
    escalated_calls = {e.call_id for e in escalations if e.call_id is not None}
    season_weeks = set(season.weeks)
    lost = []
    for call in all_calls:
        week = rota_weeks[call.rota_id]
        if week not in season_weeks or call.status != CallStatus.PLANNED:
            continue
        if call.ends_at + timedelta(hours=25) > season.end:
            continue
        told = any(f"{head}:{call.id}" in heads for head in TOLD)
        if not told and call.id not in escalated_calls:
            risk = season.patients[call.patient_id].risk
            lost.append(f"{week} {call.code} ({risk})")
    return lost


def _urgent_timings(
    rows: dict[int, OutboxMessage],
    escalations: list[Escalation],
    esc_kind: dict[int, str],
    sends: list[tuple[datetime, Outgoing]],
) -> list[dict[str, float | int | None]]:
    """Per URGENT outcome: how soon organisers and the practice were told, how often the
    organisers were reminded, and how soon someone acknowledged it."""
    first: dict[tuple[int, str], datetime] = {}
    repeats: Counter[int] = Counter()
    for at, m in sends:
        parts = rows[m.message_id].key.split(":")
        if parts[0] == "escalation" and esc_kind.get(int(parts[1])) == "urgent":
            first.setdefault((int(parts[1]), parts[-2]), at)
        if parts[0] == "urgent" and parts[2] == "repeat" and parts[-2] == "organiser":
            repeats[int(parts[1])] = max(repeats[int(parts[1])], int(parts[3]))
    urgent: list[dict[str, float | int | None]] = []
    for e in escalations:
        if e.kind != "urgent":
            continue

        def after(kind: str, e: Escalation = e) -> float | None:
            sent = first.get((e.id, kind))
            return None if sent is None else (sent - e.raised_at).total_seconds()

        acked = e.acknowledged_at
        urgent.append(
            {
                "to organisers s": after("organiser"),
                "to practice s": after("practice"),
                "repeats": repeats[e.id],
                "acknowledged after min": None
                if acked is None
                else round((acked - e.raised_at).total_seconds() / 60),
            }
        )
    return urgent


async def run_season(
    config: SeasonConfig, folder: Path, progress: Callable[[str], None] | None = None
) -> SeasonFigures:
    """Seed a fresh database, run the season, measure it."""
    db = Database(config.database_url or f"sqlite+aiosqlite:///{folder / 'season.db'}")
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        season = Season(db, config, progress)
        await season.run()
        return await season.figures()
    finally:
        await db.dispose()


# ---- the table ------------------------------------------------------------------------------


def _seconds(value: float | int | None) -> str:
    return "never" if value is None else f"{value:.0f} s"


def render(figures: SeasonFigures) -> str:
    columns = [*figures.weeks, figures.season]
    heads = [w.label[-3:] if w.label != "season" else "season" for w in columns]
    lines: list[str] = []

    def row(name: str, cells: list[Any]) -> None:
        lines.append(f"{name:<38}" + "".join(f"{c!s:>9}" for c in cells))

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.0f}%" if b else "-"

    row("", heads)
    row("high-risk patients contacted", [f"{w.high_contacted}/{w.high_patients}" for w in columns])
    row("  as a share", [pct(w.high_contacted, w.high_patients) for w in columns])
    row(
        "  capacity allowed all (calls)",
        [("yes" if w.capacity_allows else "NO") for w in figures.weeks]
        + [f"{figures.season.weeks_with_capacity}/{len(figures.weeks)} wks"],
    )
    row(
        "  high-risk calls due / coverable",
        [f"{w.high_calls_due}/{w.high_capacity}" for w in figures.weeks] + [""],
    )
    for risk in RISKS:
        row(f"longest gap, {risk} risk (days)", [f"{w.gap_days[risk]:.1f}" for w in columns])
    for reason in MISSED:
        row(f"high-risk missed: {reason}", [w.missed[reason] for w in columns])
    row("messages to volunteers", [w.to_volunteers for w in columns])
    row("  per volunteer per day, average", [f"{w.volunteer_day_average:.1f}" for w in columns])
    row("  most to one volunteer in a day", [w.volunteer_day_max for w in columns])
    row("messages to organisers", [w.to_organisers for w in columns])
    row("messages to the practice", [w.to_practice for w in columns])
    row("texts to patients", [w.to_patients for w in columns])
    s = figures.safety
    lines.append("")
    lines.append("safety (season)")
    lines.append(
        f"  sent twice: {s.sent_twice} ({s.resent} same outbox message, "
        f"{s.same_text} same text to the same person within "
        f"{int(DUPLICATE_WITHIN.total_seconds() // 60)} min)"
    )
    lines.append(
        f"  texts to landlines: {s.to_landlines}; to opted-out or non-consenting patients: "
        f"{s.to_not_consenting}"
    )
    lost = ", ".join(s.lost[:8]) + (" ..." if len(s.lost) > 8 else "")
    lines.append(
        f"  calls lost (not done, not escalated, not re-offered): {len(s.lost)}"
        + (f" [{lost}]" if s.lost else "")
    )
    for n, urgent in enumerate(s.urgent, 1):
        lines.append(
            f"  urgent {n}: alert left {_seconds(urgent['to organisers s'])} after it was logged "
            f"(organisers), {_seconds(urgent['to practice s'])} (practice); "
            f"repeated {urgent['repeats']}x; "
            f"acknowledged after {urgent['acknowledged after min']} min"
        )
    if not s.urgent:
        lines.append("  urgent: none raised")
    lines.append("")
    lines.append("messages by purpose (season; outbox key)")
    for kind in ("volunteer", "organiser", "practice", "patient"):
        counts = figures.season.purposes.get(kind, Counter())
        text = ", ".join(f"{p} {n}" for p, n in counts.most_common())
        lines.append(f"  to {kind}s: {text or '-'}")
    lines.append("")
    lines.append("organiser messages by purpose, per week")
    for week in figures.weeks:
        counts = week.purposes.get("organiser", Counter())
        lines.append(f"  {week.label}: " + ", ".join(f"{p} {n}" for p, n in counts.most_common()))
    lines.append("")
    lines.append(
        "what people did: " + ", ".join(f"{k} {v}" for k, v in sorted(figures.actions.items()))
    )
    lines.append("run: " + ", ".join(f"{k} {v}" for k, v in figures.facts.items()))
    lines.append("time: " + ", ".join(f"{k} {v}" for k, v in figures.timings.items()))
    return "\n".join(lines)
