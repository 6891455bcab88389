"""Zoom sessions: pick a host for each session, then share invitees out fairly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rota.planner.model import PatientNeed, VolunteerOffer, ZoomSessionNeed
from rota.windows import WeeklyWindow


@dataclass(frozen=True)
class HostChoice:
    template: ZoomSessionNeed
    host_id: int | None
    problem: str | None  # for the organiser when nobody can host


def choose_hosts(
    sessions: Iterable[ZoomSessionNeed],
    volunteers: Iterable[VolunteerOffer],
    busy: dict[int, list[WeeklyWindow]],
) -> list[HostChoice]:
    """Hosts are chosen before calls are planned, so calls can be kept clear of their session.

    Among volunteers who can host and are free for the whole session, take the one who
    hosts least so far, then the one with the most free minutes left that day (losing the
    fewest calls), then the lowest id, so the choice is deterministic.
    """
    hosts = sorted((v for v in volunteers if v.zoom_host and not v.paused), key=lambda v: v.id)
    hosted: dict[int, list[WeeklyWindow]] = {}
    choices: list[HostChoice] = []
    for template in sorted(sessions, key=lambda s: (s.window, s.id)):
        window = template.window
        able = [
            v
            for v in hosts
            if any(w.contains(window) for w in v.windows)
            and not any(window.overlaps(b) for b in busy.get(v.id, []))
            and not any(window.overlaps(h) for h in hosted.get(v.id, []))
        ]
        if not able:
            why = f"no Zoom host is free for '{template.title or 'session'}' ({window})"
            choices.append(HostChoice(template, None, why))
            continue

        def preference(v: VolunteerOffer, window: WeeklyWindow = window) -> tuple[int, int, int]:
            spare = sum(w.minutes for w in v.windows if w.weekday == window.weekday)
            return (len(hosted.get(v.id, [])), -spare, v.id)

        host = min(able, key=preference)
        hosted.setdefault(host.id, []).append(window)
        choices.append(HostChoice(template, host.id, None))
    return choices


def invite_patients(
    hosted: list[HostChoice],
    patients: Iterable[PatientNeed],
    call_times: dict[int, list[WeeklyWindow]],
) -> dict[int, list[int]]:
    """Each invitee joins at most one hosted session a week; sessions fill evenly.

    A patient goes to the least-full session (by share of capacity) that does not clash
    with one of their calls; sessions without a host get nobody.
    """
    open_sessions = [c.template for c in hosted if c.host_id is not None]
    members: dict[int, list[int]] = {t.id: [] for t in open_sessions}
    for patient in sorted((p for p in patients if p.zoom), key=lambda p: p.id):
        fitting = [
            t
            for t in open_sessions
            if len(members[t.id]) < t.capacity
            and not any(t.window.overlaps(c) for c in call_times.get(patient.id, []))
        ]
        if fitting:
            best = min(fitting, key=lambda t: (len(members[t.id]) / t.capacity, t.window, t.id))
            members[best.id].append(patient.id)
    return members
