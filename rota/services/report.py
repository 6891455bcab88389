"""The weekly coverage report: who was due, who was reached, and why not."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rota.domain import CallStatus, OutcomeKind, Risk
from rota.services.audit import Actor, record
from rota.services.groups import resolve_group
from rota.services.rotas import RotaError
from rota.storage import attempt_queries, report_queries, rota_queries
from rota.storage.db import Database
from rota.storage.people import Group
from rota.storage.repository import Session
from rota.windows import DAY_NAMES, parse_week, previous_week, week_bounds, week_label, week_of

SPOKE = set(report_queries.SPOKE)
# The longest a patient should go without someone speaking to them (issue 19's goals;
# low risk is "1 a fortnight").
OVERDUE_AFTER_DAYS = {Risk.HIGH: 7, Risk.MEDIUM: 14, Risk.LOW: 14}


async def weekly_report(
    db: Database, group_name: str | None, week: str | None, *, actor: Actor, now: datetime
) -> dict[str, Any]:
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        tz = ZoneInfo(group.timezone)
        label = week_label(*parse_week(week)) if week else week_of(now, tz)
        report = await _report(session, group, label, now)
        if report is None:
            raise RotaError(f"there is no rota for {label}")
        report["trend"] = await _trend(session, group, label, now)
        report["overdue"] = await _overdue(session, group, min(now, week_bounds(label, tz)[1]))
        record(session, actor, "report.read", at=now, group_id=group.id, detail={"week": label})
        return report


async def _report(
    session: Session, group: Group, week: str, now: datetime
) -> dict[str, Any] | None:
    rota = await rota_queries.rota_for_week(session, group.id, week)
    if rota is None:
        return None
    tz = ZoneInfo(group.timezone)
    rows = await report_queries.calls_with_outcomes(session, rota.id)
    refs = await rota_queries.patient_refs(session, group.id)
    risks = await report_queries.patient_risks(session, group.id)
    phones = await rota_queries.volunteer_phones(session, group.id)
    by_patient: dict[int, list[report_queries.CallRow]] = {}
    for row in rows:
        by_patient.setdefault(row.patient_id, []).append(row)
    reached = {p for p, calls in by_patient.items() if any(c.outcome in SPOKE for c in calls)}
    not_reached = [
        {"patient_ref": refs.get(p, "erased"), "reason": _why_not(calls, now)}
        for p, calls in sorted(by_patient.items(), key=lambda item: refs.get(item[0], ""))
        if p not in reached
    ]
    uncovered = [
        u
        for u in rota.summary.get("uncovered", [])
        if u["patient_ref"] not in {refs.get(p) for p in by_patient}
    ]
    not_reached += [
        {"patient_ref": u["patient_ref"], "reason": f"no volunteer: {u['reason']}"}
        for u in {u["patient_ref"]: u for u in uncovered}.values()
    ]
    outcomes = Counter(row.outcome for row in rows if row.outcome is not None)
    made = Counter(phones.get(row.logged_by, "erased") for row in rows if row.logged_by)
    # By risk and day of each call (a twice-weekly patient counts on both days); retries
    # count on the day of the first attempt they follow up.
    coverage: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.retry:
            continue
        risk = risks.get(row.patient_id, Risk.MEDIUM).value
        day = DAY_NAMES[row.starts_at.astimezone(tz).weekday()]
        bucket = coverage.setdefault(f"{risk}:{day}", {"due": 0, "reached": 0})
        bucket["due"] += 1
        bucket["reached"] += row.spoke_in_chain
    escalations = await report_queries.escalations_in(session, group.id, rota.id)
    rung = await _rung(session, rota.id, tz)
    return {
        "week": week,
        "patients_due": len(by_patient) + len({u["patient_ref"] for u in uncovered}),
        "reached": len(reached),
        "not_reached": not_reached,
        "concerns": outcomes[OutcomeKind.CONCERN],
        "urgent": outcomes[OutcomeKind.URGENT],
        "calls_by_volunteer": dict(sorted(made.items())),
        "volunteer_names": await rota_queries.volunteer_names(session, group.id),
        "no_answer": outcomes[OutcomeKind.NO_ANSWER],
        "declined": outcomes[OutcomeKind.DECLINED],
        "open_calls_filled_late": sum(1 for r in rows if r.claimed_late),
        "escalations": [
            {
                "kind": e.kind,
                "raised_at": e.raised_at.astimezone(tz).isoformat(),
                "acknowledged_at": e.acknowledged_at.astimezone(tz).isoformat()
                if e.acknowledged_at
                else None,
            }
            for e in escalations
        ],
        "coverage": coverage,
        **rung,
    }


async def _rung(session: Session, rota_id: int, tz: ZoneInfo) -> dict[str, Any]:
    """Each ring of a patient through the group's number: counts, minutes and per call."""
    calls = await rota_queries.calls_of_rota(session, rota_id)
    by_call = await attempt_queries.attempts_of_calls(session, (c.id for c in calls))
    every = [a for found in by_call.values() for a in found]
    # Twilio's DialCallStatus for a patient who picked up ("answered": they hung up first)
    answered = [a for a in every if a.result in ("completed", "answered") and a.seconds > 0]
    return {
        "attempts": len(every),
        "answered": len(answered),
        "minutes": round(sum(a.seconds for a in answered) / 60),
        "call_attempts": [
            {
                "code": c.code,
                "attempts": [
                    {
                        "at": a.at.astimezone(tz).isoformat(),
                        "result": a.result,
                        "seconds": a.seconds,
                    }
                    for a in by_call[c.id]
                ],
            }
            for c in calls
            if by_call[c.id]
        ],
    }


async def _overdue(session: Session, group: Group, at: datetime) -> list[dict[str, Any]]:
    """Everyone nobody has spoken to for longer than their risk allows, as of `at`: high
    risk first, then whoever has waited longest (None: never reached)."""
    spoken = await report_queries.last_reached(session, group.id, before=at)
    order = {risk: i for i, risk in enumerate(Risk)}
    waiting: list[tuple[int, int, str, Risk, int | None]] = []
    for patient in await rota_queries.active_patients(session, group.id):
        if patient.calls_per_week == 0:
            continue  # not to be rung at all
        last = spoken.get(patient.id)
        days = None if last is None else (at - last).days
        if days is None or days > OVERDUE_AFTER_DAYS[patient.risk]:
            longest = -(10**6 if days is None else days)
            waiting.append((order[patient.risk], longest, patient.ref, patient.risk, days))
    overdue = [
        {"patient_ref": ref, "risk": risk.value, "days_waited": days}
        for _, _, ref, risk, days in sorted(waiting)
    ]
    return overdue


def _why_not(calls: list[report_queries.CallRow], now: datetime) -> str:
    if any(c.status == CallStatus.PLANNED and c.starts_at > now for c in calls):
        return "call still to come"
    no_answer = sum(1 for c in calls if c.outcome == OutcomeKind.NO_ANSWER)
    if no_answer:
        return f"no answer ({no_answer} attempt{'s' if no_answer > 1 else ''})"
    if any(c.holder is None and c.status == CallStatus.PLANNED for c in calls):
        return "open call nobody took"
    return "call not logged by the volunteer"


async def _trend(
    session: Session, group: Group, week: str, now: datetime, weeks: int = 8
) -> list[dict[str, Any]]:
    """Reached / due for this and the previous weeks, oldest first, for the chart."""
    labels = [week]
    for _ in range(weeks - 1):
        labels.append(previous_week(labels[-1]))
    trend = []
    for label in reversed(labels):
        report = await _report(session, group, label, now)
        if report is not None:
            trend.append(
                {"week": label, "due": report["patients_due"], "reached": report["reached"]}
            )
    return trend


async def messages_sent(
    db: Database, group_name: str | None, week: str | None, *, actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    """What the week's messages were for, by recipient kind: the message budget, measured."""
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        tz = ZoneInfo(group.timezone)
        label = week_label(*parse_week(week)) if week else week_of(now, tz)
        since, until = week_bounds(label, tz)
        rows = await report_queries.messages_sent(session, group.id, since=since, until=until)
        record(session, actor, "report.messages", at=now, group_id=group.id, detail={"week": label})
    return [
        {"week": label, "purpose": p, "recipient": r, "channel": c, "sent": n}
        for p, r, c, n in sorted(rows, key=lambda row: (row[1], -row[3], row[0], row[2]))
    ]
