"""An independent check of every hard rule, written from the rules, not from the planner."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import combinations

from rota.planner import Plan, PlanRequest
from rota.windows import WeeklyWindow

RATES = {"high": 2.0, "medium": 1.0, "low": 0.5}


def due(patient, week: str) -> int:
    rate = patient.calls_per_week if patient.calls_per_week is not None else RATES[patient.risk]
    if rate < 1:
        if patient.last_call_on is None:
            return 1
        sunday = date.fromisocalendar(int(week[:4]), int(week[6:]), 7)
        return 1 if (sunday - patient.last_call_on).days >= round(7 / rate) else 0
    return min(7, int(rate + 0.5))


def utc(week: str, weekday: int, minutes: int, tz) -> datetime:
    day = date.fromisocalendar(int(week[:4]), int(week[6:]), 1) + timedelta(days=weekday)
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:  # spring gap
        # A time the clocks skip moves forward by the gap (an hour in the UK).
        aware = (naive + timedelta(hours=1)).replace(tzinfo=tz)
    return aware.astimezone(UTC)


def in_spring_gap(week: str, weekday: int, minutes: int, tz) -> bool:
    day = date.fromisocalendar(int(week[:4]), int(week[6:]), 1) + timedelta(days=weekday)
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive


def broken_rules(request: PlanRequest, plan: Plan) -> list[str]:
    patients = {p.id: p for p in request.patients}
    volunteers = {v.id: v for v in request.volunteers}
    problems = []
    repeated = _repeated_codes(plan)
    if repeated:
        problems.append(f"codes repeat: {repeated}")
    hosting = _hosting(request, plan)
    for call in plan.calls:
        problems += _wrong_instants(request, call)
        if call.volunteer_id is not None:
            volunteer = volunteers.get(call.volunteer_id)
            problems += _badly_paired(request, call, patients[call.patient_id], volunteer, hosting)
    problems += _overloaded_volunteers(request, plan)
    problems += _patients_wrongly_called(request, plan)
    if sum(1 for c in plan.calls if c.volunteer_id is None) > len(plan.uncovered):
        problems.append("an open call has no reason in uncovered")
    problems += _bad_sessions(request, plan)
    return problems


def _repeated_codes(plan: Plan) -> list[str]:
    return [code for code, n in Counter(c.code for c in plan.calls).items() if n > 1]


def _hosting(request: PlanRequest, plan: Plan) -> dict[int, list[WeeklyWindow]]:
    """Volunteer id -> the Zoom sessions they host."""
    hosting: dict[int, list[WeeklyWindow]] = {}
    for session in plan.sessions:
        if session.host_id is not None:
            hosting.setdefault(session.host_id, []).append(
                next(t.window for t in request.sessions if t.id == session.template_id)
            )
    return hosting


def _wrong_instants(request: PlanRequest, call) -> list[str]:
    problems = []
    if call.starts_at != utc(request.week, call.weekday, call.start, request.tz):
        problems.append(f"{call.code} starts at the wrong instant")
    if in_spring_gap(request.week, call.weekday, call.start, request.tz):
        # a call that starts in the missing hour moves forward whole, keeping its length
        expected_end = call.starts_at + timedelta(minutes=call.end - call.start)
    else:
        expected_end = utc(request.week, call.weekday, call.end, request.tz)
    if call.ends_at != expected_end:
        problems.append(f"{call.code} ends at the wrong instant")
    return problems


def _badly_paired(request: PlanRequest, call, patient, volunteer, hosting) -> list[str]:
    """The rules between one call's patient and its volunteer."""
    time = WeeklyWindow(call.weekday, call.start, call.end)
    if volunteer is None or volunteer.paused:
        return [f"{call.code} goes to a paused or unknown volunteer"]
    rules = [
        (call.end - call.start != request.call_minutes, " is not one call long"),
        (
            not any(w.contains(time) for w in volunteer.windows),
            " is outside the volunteer's windows",
        ),
        (
            patient.windows and not any(w.contains(time) for w in patient.windows),
            " is outside the patient's windows",
        ),
        (
            patient.language not in volunteer.languages,
            f": volunteer does not speak {patient.language}",
        ),
        (volunteer.id in patient.never_pair, ": never-pair broken"),
        (
            any(time.overlaps(h) for h in hosting.get(volunteer.id, [])),
            ": volunteer is hosting Zoom then",
        ),
    ]
    return [f"{call.code}{text}" for broken, text in rules if broken]


def _overloaded_volunteers(request: PlanRequest, plan: Plan) -> list[str]:
    volunteers = {v.id: v for v in request.volunteers}
    by_volunteer: dict[int, list] = {}
    for call in plan.calls:
        if call.volunteer_id is not None:
            by_volunteer.setdefault(call.volunteer_id, []).append(call)
    problems = []
    for vid, calls in by_volunteer.items():
        if len(calls) > volunteers[vid].max_calls:
            problems.append(f"volunteer {vid} has more than their maximum")
        for a, b in combinations(calls, 2):
            if a.weekday == b.weekday and a.start < b.end and b.start < a.end:
                problems.append(f"volunteer {vid} has overlapping calls {a.code} {b.code}")
    return problems


def _patients_wrongly_called(request: PlanRequest, plan: Plan) -> list[str]:
    per_patient: dict[int, list] = {}
    for call in plan.calls:
        per_patient.setdefault(call.patient_id, []).append(call)
    problems = []
    for pid, patient in {p.id: p for p in request.patients}.items():
        calls = per_patient.get(pid, [])
        wanted = due(patient, request.week)
        if len(calls) != wanted:
            problems.append(f"patient {pid} has {len(calls)} calls, due {wanted}")
        days = [c.weekday for c in calls]
        if len(set(days)) != len(days):
            problems.append(f"patient {pid} has two calls on one day")
        if wanted >= 2 and any(abs(a - b) < 2 for a, b in combinations(days, 2)):
            problems.append(f"patient {pid}'s calls are less than two days apart")
        problems += _too_soon(request, patient, calls)
    return problems


def _too_soon(request: PlanRequest, patient, calls) -> list[str]:
    """A patient rung less than weekly must not be rung within 14 days of their last call."""
    rate = patient.calls_per_week or RATES[patient.risk]
    if not (rate < 1 and patient.last_call_on and calls):
        return []
    monday = date.fromisocalendar(int(request.week[:4]), int(request.week[6:]), 1)
    return [
        f"patient {patient.id} is rung within 14 days of their last call"
        for call in calls
        if (monday + timedelta(days=call.weekday) - patient.last_call_on).days < 14
    ]


def _bad_sessions(request: PlanRequest, plan: Plan) -> list[str]:
    patients = {p.id: p for p in request.patients}
    volunteers = {v.id: v for v in request.volunteers}
    problems = []
    invited: Counter[int] = Counter()
    for session in plan.sessions:
        template = next(t for t in request.sessions if t.id == session.template_id)
        invited.update(session.patient_ids)
        if len(session.patient_ids) > template.capacity:
            problems.append(f"session {template.id} is over capacity")
        if session.host_id is None:
            if session.patient_ids:
                problems.append(f"session {template.id} has patients but no host")
            continue
        host = volunteers[session.host_id]
        if not host.zoom_host or host.paused:
            problems.append(f"session {template.id} host cannot host")
        if not any(w.contains(template.window) for w in host.windows):
            problems.append(f"session {template.id} host is not free then")
        problems += [
            f"patient {pid} is not a Zoom invitee"
            for pid in session.patient_ids
            if not patients[pid].zoom
        ]
    if any(n > 1 for n in invited.values()):
        problems.append("a patient is in two Zoom sessions")
    return problems
