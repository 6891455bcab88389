"""What an organiser does by Telegram: approve volunteers, acknowledge alerts, see open calls
and the weekly report. Only someone who organises the group concerned gets anywhere."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot.runtime import Runtime
from bot.telegram.render import UNKNOWN_USER, answer, drop_buttons, escape, keyboard, say
from bot.telegram.who import Asker, asker_of, runtime_of, tapped
from rota import buttons
from rota.buttons import ACKNOWLEDGE, APPROVE, REJECT
from rota.errors import Refused
from rota.exports.report_files import report_chart, report_text
from rota.services import outcomes, oversight, rotas, signup
from rota.services.report import weekly_report
from rota.services.rotas import RotaError
from rota.windows import next_week, week_of

DECIDE_PATTERN = buttons.pattern([APPROVE, REJECT])
ACK_PATTERN = buttons.pattern([ACKNOWLEDGE])
OPEN_CALLS_PATTERN = r"^open-calls$"  # the daily digest's "Open calls" button
NOT_ORGANISER = "Only an organiser of the group can do that."


async def _organiser_or_refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Asker | None:
    asker = await asker_of(update, context)
    if asker.organiser is None:
        await answer(update, NOT_ORGANISER if asker.known else None)
        await say(update, context, NOT_ORGANISER if asker.known else UNKNOWN_USER)
        return None
    return asker


async def decide_volunteer_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Approve or Reject under a "new volunteer" message; another organiser may have been first."""
    asker = await _organiser_or_refuse(update, context)
    if asker is None:
        return
    await answer(update)
    button = tapped(update, [APPROVE, REJECT])
    approve, volunteer_id = button.verb == APPROVE.verb, button.id
    runtime = runtime_of(context)
    for role in asker.organising:  # the use-case checks the volunteer is in this group
        try:
            volunteer = await signup.decide(
                runtime.db,
                volunteer_id,
                approve=approve,
                group_id=role.group.id,
                actor=role.actor(),
                now=runtime.clock(),
            )
        except Refused:
            continue
        status = str(volunteer.status)
        await say(update, context, f"{escape(volunteer.name)} is now <b>{status}</b>.")
        await drop_buttons(update)
        return
    await say(update, context, "That volunteer is not in your group.")


async def show_pending(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asker = await _organiser_or_refuse(update, context)
    if asker is None:
        return
    runtime = runtime_of(context)
    waiting = [
        v
        for role in asker.organising
        for v in await signup.pending_volunteers(runtime.db, role.group.id)
    ]
    if not waiting:
        await say(update, context, "Nobody is waiting for approval.")
        return
    for volunteer in waiting[:20]:
        free = "; ".join(volunteer.availability) or "-"
        speaks = ", ".join(volunteer.languages)
        text = (
            f"<b>{escape(volunteer.name)}</b> ({escape(volunteer.phone)}), free {escape(free)}, "
            f"up to {volunteer.max_calls} calls a week, speaks {escape(speaks)}"
        )
        decide = [[("Approve", APPROVE.data(volunteer.id)), ("Reject", REJECT.data(volunteer.id))]]
        await say(update, context, text, keyboard(decide))


async def acknowledge_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asker = await _organiser_or_refuse(update, context)
    if asker is None:
        return
    await answer(update)
    escalation_id = tapped(update, [ACKNOWLEDGE]).id
    runtime = runtime_of(context)
    for role in asker.organising:
        try:
            said = await outcomes.acknowledge(
                runtime.db,
                escalation_id,
                organiser_id=role.organiser_id,
                group_id=role.group.id,
                actor=role.actor(),
                now=runtime.clock(),
            )
        except Refused:
            continue
        await say(update, context, escape(said))
        await drop_buttons(update)
        return
    await say(update, context, "That alert is not one of your group's.")


async def open_calls_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The digest's "Open calls" button: the codes still needing someone, to assign or ring."""
    asker = await _organiser_or_refuse(update, context)
    if asker is None:
        return
    await answer(update)
    await say(update, context, await open_calls_overview(asker, runtime_of(context)))


async def open_calls_overview(asker: Asker, runtime: Runtime) -> str:
    """Organisers see the codes of calls still needing someone, this week and next."""
    role = asker.organiser
    assert role is not None
    now = runtime.clock()
    this_week = week_of(now, ZoneInfo(role.group.timezone))
    lines = []
    for week in dict.fromkeys([this_week, next_week(this_week)]):  # as rotas.default_week
        try:
            view = await rotas.show_rota(
                runtime.db, role.group.name, week, actor=role.actor(), now=now
            )
        except RotaError:
            continue
        found = [
            c["code"]
            for c in view["calls"]
            if c["status"] == "open" and datetime.fromisoformat(c["starts_at"]) > now
        ]
        lines.append(
            f"{view['week']} ({view['status']}): {len(found)} open call(s): "
            + (", ".join(found) or "none")
        )
    return escape("\n".join(lines) or "There is no rota for this week or next yet. See /rota.")


async def show_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asker = await _organiser_or_refuse(update, context)
    if asker is None or asker.organiser is None:
        return
    runtime, role = runtime_of(context), asker.organiser
    try:
        report = await weekly_report(
            runtime.db, role.group.name, None, actor=role.actor(), now=runtime.clock()
        )
    except RotaError as error:
        await say(update, context, escape(f"No report: {error}. /rota shows next week's plan."))
        return
    await say(update, context, f"<pre>{escape(report_text(report))}</pre>")
    chat = update.effective_chat
    if chat is not None:
        # The chart: coverage by risk and day, and the trend over recent weeks.
        await context.bot.send_photo(
            chat.id, report_chart(report), caption=f"Coverage, week {report['week']}"
        )


async def show_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Escalations nobody has acknowledged yet, each with its Acknowledge button."""
    asker = await _organiser_or_refuse(update, context)
    if asker is None or asker.organiser is None:
        return
    runtime, role = runtime_of(context), asker.organiser
    alerts = await oversight.open_alerts(
        runtime.db, role.group.name, actor=role.actor(), now=runtime.clock()
    )
    if not alerts:
        await say(update, context, "No open alerts. Thank you for checking.")
        return
    for alert in alerts:
        raised = datetime.fromisoformat(alert["raised_at"])
        text = (
            f"{alert['kind'].replace('_', ' ')}: {alert['patient_ref'] or 'a patient'}"
            f"{', call ' + alert['call'] if alert['call'] else ''}, raised "
            f"{raised:%a} {raised.day} {raised:%b %H:%M}"
        )
        await say(
            update,
            context,
            escape(text),
            keyboard([[("Acknowledge", ACKNOWLEDGE.data(alert["id"]))]]),
        )
