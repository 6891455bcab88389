"""What the planner is given and what it gives back: plain, frozen data, no I/O.

Times inside the planner are local wall-clock minutes on a weekday of the ISO week
(0 = Monday); UTC instants are attached only to the results, for the given week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from rota.windows import WeeklyWindow

Risk = Literal["high", "medium", "low"]
RISKS: tuple[Risk, ...] = ("high", "medium", "low")
LONDON = ZoneInfo("Europe/London")
LONG_WAIT = 28  # days: waiting longer than this counts no more (fortnightly x 2)
MAX_WAITING = 4


@dataclass(frozen=True)
class PatientNeed:
    """An active patient as the planner sees them.

    `calls_per_week` overrides the risk default (0.5 = fortnightly, 1, 2, 3).
    `windows` are the patient's preferred call windows: when given, calls lie inside one.
    `never_pair` holds volunteer ids who must never ring this patient.
    `last_call_on` is the day of the patient's last call (for fortnightly patients).
    `previous_volunteer_id` is who rang them last week (continuity).
    `missed_last_week`: they were due last week and nobody reached them.
    `waited_days`: days since anyone last spoke to them, as of the week's Monday (None:
    not known; planning gives the never-reached LONG_WAIT). Within a risk, the missed and
    the longest-waiting go first (`waiting`).
    """

    id: int
    ref: str
    risk: Risk
    windows: tuple[WeeklyWindow, ...] = ()
    language: str = "en"
    never_pair: frozenset[int] = frozenset()
    zoom: bool = False
    calls_per_week: float | None = None
    last_call_on: date | None = None
    previous_volunteer_id: int | None = None
    name: str = ""
    missed_last_week: bool = False
    waited_days: int | None = None

    @property
    def waiting(self) -> int:
        """0 to MAX_WAITING: how far ahead of others of the same risk the patient goes."""
        waited = min(self.waited_days or 0, LONG_WAIT)
        return (2 if self.missed_last_week else 0) + waited // (LONG_WAIT // 2)

    @property
    def label(self) -> str:
        """How reasons name the patient: display name if known, else the practice ref."""
        return self.name or self.ref


@dataclass(frozen=True)
class VolunteerOffer:
    """An active volunteer's offer for the week: when they are free and how many calls."""

    id: int
    windows: tuple[WeeklyWindow, ...]
    max_calls: int
    languages: frozenset[str] = frozenset({"en"})
    zoom_host: bool = False
    paused: bool = False


@dataclass(frozen=True)
class ZoomSessionNeed:
    """A weekly Zoom session (e.g. Wednesday coffee morning) for up to `capacity` patients."""

    id: int
    window: WeeklyWindow
    capacity: int
    title: str = ""


@dataclass(frozen=True)
class HeldCall:
    """A call a volunteer already holds: replanning never moves it. `code` is kept if given."""

    patient_id: int
    volunteer_id: int
    weekday: int
    start: int
    end: int
    code: str | None = None


# How many times its work budget a solve may take on the wall clock before it is stopped
# anyway: far above what load does to a healthy machine (2-3x on 2 busy cores), so only a
# machine too slow to plan at all ever reaches it.
SAFETY_STOP = 10


@dataclass(frozen=True)
class PlanRequest:
    """Everything needed to plan one group's ISO week (`week` like "2026-W49").

    `time_limit_s` is a budget of deterministic work (CP-SAT's deterministic time, and
    flow re-solves counted by the network's size), so the same input gives the same plan on
    a quiet or a busy machine. The wall clock only stops a solve that runs `SAFETY_STOP`
    times longer than that; the plan then says so (`Plan.stats["safety_stop"]`).
    """

    group: str
    week: str
    patients: tuple[PatientNeed, ...]
    volunteers: tuple[VolunteerOffer, ...]
    sessions: tuple[ZoomSessionNeed, ...] = ()
    tz: ZoneInfo = LONDON
    call_minutes: int = 20
    time_limit_s: float = 10.0


@dataclass(frozen=True)
class PlannedCall:
    """One call: `volunteer_id` is None for an OPEN call anyone may claim.

    `weekday`, `start`, `end` are local (minutes after midnight); `starts_at`/`ends_at` are UTC.
    `held` marks a call kept from before a replan.
    """

    patient_id: int
    volunteer_id: int | None
    code: str
    weekday: int
    start: int
    end: int
    starts_at: datetime
    ends_at: datetime
    held: bool = False


@dataclass(frozen=True)
class PlannedZoomSession:
    """One Zoom session this week; `host_id` None means nobody could host it."""

    template_id: int
    host_id: int | None
    patient_ids: tuple[int, ...]
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Uncovered:
    """A due call that no volunteer could take, with a reason an organiser can act on."""

    patient_id: int
    reason: str


@dataclass(frozen=True)
class PlanSummary:
    """The figures an organiser reviews before publishing.

    `coverage_by_risk` maps risk -> (calls due, calls assigned).
    `continuity_rate`: of patients whose previous volunteer is still offering this week and
    who got at least one call, the fraction whose assigned calls are all with that volunteer
    (None when there is no such patient).
    `max_load_ratio` / `min_load_ratio`: load / max_calls over volunteers with load > 0;
    `load_spread` = max / min of those (1.0 is perfectly fair; None when nobody has calls).
    """

    calls_due: int
    assigned: int
    open: int
    load: dict[int, int]
    coverage_by_risk: dict[str, tuple[int, int]]
    continuity_rate: float | None
    max_load_ratio: float | None
    min_load_ratio: float | None
    load_spread: float | None
    unhosted_sessions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A week's draft rota. `status` is "OPTIMAL" or "FEASIBLE" (or "GREEDY" for the baseline);
    `gap` is how far the risk-weighted coverage (3 per high, 2 per medium, 1 per low-risk
    call) may fall short of the best possible, relative to a proven upper bound (0.0 when
    proven optimal, None when there is no bound; see docs/planner.md)."""

    week: str
    calls: tuple[PlannedCall, ...]
    sessions: tuple[PlannedZoomSession, ...]
    uncovered: tuple[Uncovered, ...]
    status: str
    gap: float | None
    summary: PlanSummary
    stats: dict[str, float] = field(default_factory=dict)
