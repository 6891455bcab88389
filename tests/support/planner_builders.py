"""Small hand-made groups for scenario tests."""

from __future__ import annotations

from rota.planner import PatientNeed, PlanRequest, VolunteerOffer, ZoomSessionNeed
from rota.windows import parse_windows


def volunteer(vid: int, windows: str, max_calls: int = 5, **kw) -> VolunteerOffer:
    return VolunteerOffer(id=vid, windows=parse_windows(windows), max_calls=max_calls, **kw)


def patient(pid: int, risk: str = "medium", windows: str = "", **kw) -> PatientNeed:
    return PatientNeed(id=pid, ref=f"R{pid}", risk=risk, windows=parse_windows(windows), **kw)


def request(
    patients: list[PatientNeed],
    volunteers: list[VolunteerOffer],
    week: str = "2026-W49",
    sessions: list[ZoomSessionNeed] | None = None,
) -> PlanRequest:
    return PlanRequest(
        group="test",
        week=week,
        patients=tuple(patients),
        volunteers=tuple(volunteers),
        sessions=tuple(sessions or ()),
        time_limit_s=5,
    )
