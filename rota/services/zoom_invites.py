"""Who is told what about a coming Zoom session, in the sweep: the host gets the link and an
evening-before reminder, invited patients a text on the morning, and organisers the day
before hear of a session with no host or no link, and whom to phone. Times are
`rota.rules.timing`'s; each message is sent once (its outbox key)."""

from __future__ import annotations

from datetime import timedelta

from rota.rules.timing import evening_before, morning_text_time, organisers_day_before
from rota.services.notify import text_patient, when
from rota.services.patient_texts import PATIENT_MAX_SEGMENTS, greeting_name, zoom_invite_text
from rota.services.sweep import Sweep
from rota.services.zoom_links import LINKED
from rota.sms_text import fits
from rota.storage import zoom_queries
from rota.storage.people import Patient, Volunteer
from rota.storage.rotas import ZoomSession

LOOKAHEAD = timedelta(days=14)  # a published rota's sessions are at most ~12 days away


async def session_rules(sweep: Sweep) -> None:
    """Tell hosts, invitees and organisers about the group's coming sessions, each once."""
    now, tz = sweep.now, sweep.tz
    for zs, invitees in await zoom_queries.sessions_between(
        sweep.session, sweep.group.id, since=now, until=now + LOOKAHEAD
    ):
        day_before = organisers_day_before(zs.starts_at, tz)
        slot = when(zs.starts_at, zs.ends_at, tz)
        host = sweep.volunteers.get(zs.host_id) if zs.host_id is not None else None
        if host is None:  # none planned, or paused since: nobody would let patients in
            if now >= day_before:
                await sweep.organisers(
                    "zoom_unhosted",
                    f"zoom-unhosted:{zs.id}",
                    f"{zs.title} ({slot}) has no host, so its {len(invitees)} patient(s) "
                    "get no invite. A Zoom host could take it, or phone them to cancel.",
                )
            continue
        if zs.link_state not in LINKED or not zs.join_url:
            if now >= day_before:
                await sweep.organisers(
                    "zoom_pending",
                    f"zoom-pending:{zs.id}",
                    f"The link for {zs.title} ({slot}) is still pending: Zoom is not set up or "
                    "not answering. It is retried every few minutes; a fixed link can be set "
                    "with `ringround sessions add ... --link URL`.",
                )
            continue
        await _tell_host(sweep, zs, host, len(invitees), slot)
        unreached = [p for p in invitees if not await _invite(sweep, zs, p)]
        if unreached and now >= day_before:
            await sweep.organisers(
                "zoom_phone",
                f"zoom-phone:{zs.id}",
                f"Please phone these {zs.title} invitees ({slot}) with the details; they get "
                f"no text: {'; '.join(_who(p) for p in unreached)}. {_details(zs)}",
            )


async def _tell_host(
    sweep: Sweep, zs: ZoomSession, host: Volunteer, invited: int, slot: str
) -> None:
    """Told once the link exists; reminded the evening before. A link that only arrives
    that evening comes with the reminder alone."""
    evening = evening_before(zs.starts_at, sweep.tz)
    details = f"{_details(zs)} {invited} patient(s) invited; let them in from the waiting room."
    if sweep.now < evening:
        text = f"You are hosting {zs.title}, {slot}. {details}"
        await sweep.volunteer("zoom_host", f"zoom-host:{zs.id}:{host.id}", host, text, text)
    else:
        text = f"Reminder: you host {zs.title} tomorrow, {slot}. {details}"
        if sweep.now.astimezone(sweep.tz).date() == zs.starts_at.astimezone(sweep.tz).date():
            text = f"Reminder: you host {zs.title} today, {slot}. {details}"
        await sweep.volunteer(
            "zoom_host_evening", f"zoom-evening:{zs.id}:{host.id}", host, text, text
        )


async def _invite(sweep: Sweep, zs: ZoomSession, patient: Patient) -> bool:
    """Text the invite on the session's morning; False when this patient cannot get one."""
    assert zs.join_url is not None
    text = zoom_invite_text(patient.name, sweep.group.name, zs.starts_at, sweep.tz, zs.join_url)
    if not patient.textable or not fits(text, PATIENT_MAX_SEGMENTS):  # a very long fixed link
        return False
    key = f"zoom-invite:{zs.id}:{patient.id}"
    morning = morning_text_time(zs.starts_at, sweep.tz)
    if morning <= sweep.now and key not in sweep.done:
        queued = await text_patient(sweep.session, patient, key=key, now=sweep.now, text=text)
        sweep.stats.add("zoom_invite", queued)
    return True


def _who(patient: Patient) -> str:
    return f"{greeting_name(patient.name)} ({patient.ref}) {patient.phone}"


def _details(zs: ZoomSession) -> str:
    """Link, and for dialling in by phone the meeting ID and passcode."""
    parts = [f"Link: {zs.join_url}"]
    if zs.meeting_id:
        parts.append(f"meeting ID {zs.meeting_id}")
    if zs.passcode:
        parts.append(f"passcode {zs.passcode}")
    return ", ".join(parts) + "."
