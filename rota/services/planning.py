"""Turning stored patients and volunteers into the planner's input, and plans back into rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from rota.domain import RotaStatus
from rota.planner import (
    HeldCall,
    PatientNeed,
    Plan,
    PlanRequest,
    VolunteerOffer,
    ZoomSessionNeed,
)
from rota.planner.model import LONG_WAIT
from rota.rules.ringing import takes_calls
from rota.storage import report_queries, rota_queries
from rota.storage.people import Group, Patient, Volunteer
from rota.storage.repository import Session
from rota.storage.rotas import Call, Rota, ZoomInvite, ZoomSession
from rota.windows import WeeklyWindow, parse_windows, previous_week, week_bounds, week_monday

DEFAULT_TIME_LIMIT_S = 20.0


def is_offering(volunteer: Volunteer, monday: date) -> bool:
    """Active, and not paused into the week being planned."""
    if not takes_calls(volunteer.status):
        return False
    return volunteer.paused_until is None or volunteer.paused_until < monday


async def plan_request(
    session: Session, group: Group, week: str, *, time_limit_s: float = DEFAULT_TIME_LIMIT_S
) -> PlanRequest:
    tz = ZoneInfo(group.timezone)
    monday = week_monday(week)
    volunteers = await rota_queries.planning_volunteers(session, group.id)
    by_phone = {v.phone: v.id for v in volunteers}
    history = await rota_queries.call_history(session, group.id, before=week)
    previous_week = await rota_queries.previous_week_holders(session, group.id, week)
    patients = await rota_queries.active_patients(session, group.id)
    templates = await rota_queries.session_templates(session, group.id)
    waited, missed = await _waiting(session, group, week)
    return PlanRequest(
        group=group.name,
        week=week,
        tz=tz,
        call_minutes=group.call_minutes,
        patients=tuple(
            replace(
                _need(p, by_phone, history.get(p.id), previous_week.get(p.id), tz),
                missed_last_week=p.id in missed,
                waited_days=waited.get(p.id, LONG_WAIT),
            )
            for p in patients
        ),
        volunteers=tuple(
            VolunteerOffer(
                id=v.id,
                windows=parse_windows("; ".join(v.availability)),
                max_calls=v.max_calls,
                languages=frozenset(v.languages),
                zoom_host=v.zoom_host,
                paused=not is_offering(v, monday),
            )
            for v in volunteers
        ),
        sessions=tuple(
            ZoomSessionNeed(
                id=t.id, window=WeeklyWindow.parse(t.window), capacity=t.capacity, title=t.title
            )
            for t in templates
        ),
        time_limit_s=time_limit_s,
    )


async def _waiting(session: Session, group: Group, week: str) -> tuple[dict[int, int], set[int]]:
    """Days since each patient was last spoken to, as of the week's Monday, and who was due
    last week but not reached: the next week's plan puts them first within their risk."""
    tz = ZoneInfo(group.timezone)
    monday, _ = week_bounds(week, tz)
    spoken = await report_queries.last_reached(session, group.id, before=monday)
    waited = {p: (monday - at).days for p, at in spoken.items()}
    last = await rota_queries.rota_for_week(session, group.id, previous_week(week))
    due = await report_queries.due_in(session, last.id) if last is not None else set()
    last_monday = monday - timedelta(days=7)
    missed = {p for p in due if p not in spoken or spoken[p] < last_monday}
    return waited, missed


def _need(
    patient: Patient,
    volunteer_ids: dict[str, int],
    last_call: date | None,
    previous_volunteer: int | None,
    tz: ZoneInfo,
) -> PatientNeed:
    return PatientNeed(
        id=patient.id,
        ref=patient.ref,
        risk=patient.risk.value,
        windows=parse_windows("; ".join(patient.call_windows)),
        language=patient.language,
        never_pair=frozenset(volunteer_ids[p] for p in patient.never_pair if p in volunteer_ids),
        zoom=patient.zoom,
        calls_per_week=patient.calls_per_week,
        last_call_on=last_call,
        # Reasons name patients by practice ref: the stored summary holds no names.
        previous_volunteer_id=previous_volunteer,
    )


def held_calls(calls: Sequence[Call], tz: ZoneInfo) -> list[HeldCall]:
    held = []
    for call in calls:
        if call.volunteer_id is None:
            continue
        local_start = call.starts_at.astimezone(tz)
        local_end = call.ends_at.astimezone(tz)
        held.append(
            HeldCall(
                patient_id=call.patient_id,
                volunteer_id=call.volunteer_id,
                weekday=local_start.weekday(),
                start=local_start.hour * 60 + local_start.minute,
                end=local_end.hour * 60 + local_end.minute or 24 * 60,
                code=call.code,
            )
        )
    return held


def summary_record(plan: Plan, refs: dict[int, str]) -> dict[str, object]:
    """What the rota row keeps of the planner's answer (ids as refs/phones, not names)."""
    s = plan.summary
    return {
        "status": plan.status,
        "gap": plan.gap,
        "calls_due": s.calls_due,
        "assigned": s.assigned,
        "open": s.open,
        "load": {str(k): v for k, v in s.load.items()},
        "coverage_by_risk": {k: list(v) for k, v in s.coverage_by_risk.items()},
        "continuity_rate": s.continuity_rate,
        "load_spread": s.load_spread,
        "unhosted_sessions": list(s.unhosted_sessions),
        "uncovered": [
            {"patient_ref": refs[u.patient_id], "reason": u.reason} for u in plan.uncovered
        ],
    }


async def store_plan(session: Session, group: Group, rota: Rota, plan: Plan) -> None:
    """Add the plan's calls and Zoom sessions to a (draft) rota."""
    rota.status = RotaStatus.DRAFT
    await rota_queries.add_calls(
        session,
        [
            {
                "group_id": group.id,
                "rota_id": rota.id,
                "patient_id": planned.patient_id,
                "volunteer_id": planned.volunteer_id,
                "code": planned.code,
                "starts_at": planned.starts_at,
                "ends_at": planned.ends_at,
            }
            for planned in plan.calls
        ],
    )
    titles = {t.id: t.title for t in await rota_queries.session_templates(session, group.id)}
    for planned in plan.sessions:
        zoom = ZoomSession(
            group_id=group.id,
            rota_id=rota.id,
            template_id=planned.template_id,
            title=titles.get(planned.template_id, "Group session"),
            starts_at=planned.starts_at,
            ends_at=planned.ends_at,
            host_id=planned.host_id,
        )
        session.add(zoom)
        await session.flush()
        session.add_all(
            ZoomInvite(session_id=zoom.id, patient_id=pid) for pid in planned.patient_ids
        )
