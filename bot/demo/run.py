"""`ringround demo`: one simulated week of a sample group, printed person by person.

The clock is simulated: it starts on the Thursday the organiser publishes next week's rota and
ticks every 15 minutes through the days from the Sunday before the week (08:00-20:00 local:
nothing falls due in between, so those hours are jumped), running the scheduler's real sweep job
and the outbox dispatcher on each tick, then letting the simulated people act. It ends on the
Monday after the week, once the weekly report has gone to the organiser.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.demo.script import Script
from bot.demo.transcript import Transcript, patient_key
from bot.demo.world import World, demo_world
from bot.jobs import sweep
from integrations.fakes.clock import FixedClock
from rota.exports.report_files import report_chart, report_text
from rota.ports import Outgoing
from rota.services import rotas
from rota.services.audit import CLI
from rota.services.report import weekly_report
from rota.services.signup import create_invite
from rota.windows import next_week, week_monday, week_of

# A fixed Thursday (the default draft day), so the demo plays the same way every time.
DEMO_START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)
DAY_FROM, DAY_UNTIL = 8, 20  # local hours the clock ticks through (check-ins queue at 08:00)


@dataclass
class DemoResult:
    exit_code: int
    week: str
    sms_sent: list[tuple[datetime, Outgoing]]  # every text the outbox sent, with its time
    story: list[tuple[datetime, str]]
    report: dict[str, Any]
    problems: list[str]


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """Library and service logs are for operators; the demo's output is for people."""
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def ticks(start: datetime, sunday: datetime, end: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    """The moment of publishing, then every 15 minutes of each day from Sunday until `end`.

    Nothing falls due between publishing and the weekend before the week, nor at night (the
    check-in texts queue at 08:00), so those hours are jumped: the demo stays quick.
    """
    yield start
    at = sunday
    while at <= end:
        if DAY_FROM <= at.astimezone(tz).hour < DAY_UNTIL:
            yield at
        at += STEP


async def tick(world: World, script: Script) -> None:
    now = world.clock.now
    await sweep(world.runtime)  # the scheduler's own job: run_due_work, then weekly_work
    await world.dispatcher.run_once(now)
    if await script.act():
        await world.dispatcher.run_once(now)  # replies and alerts they set off go out at once


async def set_up(world: World, script: Script) -> list[str]:
    """Link the Telegram volunteers, then the organiser builds and publishes next week."""
    now, t = world.clock.now, world.transcript
    invites = {
        vid: await create_invite(
            world.db, world.group.id, world.volunteers[vid].phone, actor=CLI, now=now
        )
        for vid in world.telegram_ids
    }
    t.quiet = True  # the linking chatter is summarised in one line
    await script.link_telegram_accounts(invites)
    t.quiet = False
    built = await rotas.build_rota(world.db, None, script.week, actor=CLI, now=now)
    summary = built.view["summary"]
    uncovered = len({u["patient_ref"] for u in built.view["uncovered"]})
    t.did(
        "organiser",
        f"builds the rota for {built.week} (ringround rota build --week {built.week}): "
        f"{summary['assigned']} calls assigned, {summary['open']} open, "
        f"{uncovered} patients not fully covered",
    )
    await rotas.publish_rota(world.db, None, script.week, actor=CLI, now=now)
    t.did("organiser", f"publishes it (ringround rota publish --week {built.week})")
    await script.cast()
    script.story.append((now, "the organiser publishes the rota; volunteers are told their calls"))
    script.story.append((now, "(the clock jumps to Sunday morning: nothing falls due before)"))
    sms = sum(1 for v in world.volunteers.values() if v.id not in world.telegram_ids)
    return [
        f"A throwaway database holds {world.group.name}: {len(world.volunteers)} volunteers "
        f"({len(world.telegram_ids)} on Telegram, {sms} by SMS) and {len(world.patients)} "
        "patients from the bundled fictional sample.",
        "The organiser is on Telegram; the practice contact gets SMS alerts.",
        f"The {len(invites)} Telegram volunteers linked their accounts with their personal "
        f"invite links ({t.hidden} messages, not shown).",
    ]


async def run_demo(
    out: TextIO, *, chart: Path | None = None, start: datetime = DEMO_START
) -> DemoResult:
    """Play the week after `start` (a Thursday) and print it; nothing leaves the process."""
    tz = ZoneInfo("Europe/London")
    clock = FixedClock(start)
    week = next_week(week_of(start, tz))
    monday = datetime.combine(week_monday(week), datetime.min.time(), tz)
    transcript = Transcript(clock, tz, monday)
    with quiet_logs(), tempfile.TemporaryDirectory(prefix="ringround-demo-") as folder:
        async with demo_world(Path(folder), start, transcript) as world:
            script = Script(world, week, monday)
            intro = await set_up(world, script)
            end = (monday + timedelta(days=7, hours=9, minutes=15)).astimezone(UTC)
            sunday = (monday - timedelta(days=1)).astimezone(UTC)
            for at in ticks(start, sunday, end, tz):
                clock.now = at
                await tick(world, script)
            report = await weekly_report(world.db, None, week, actor=CLI, now=clock.now)
            problems = [f"Bot API: {v.method}: {v.description}" for v in world.bot_api.violations]
            problems += [f"a Telegram update failed ({e})" for e in world.errors]
            _print(out, world, script, intro, report, chart, problems)
            return DemoResult(
                exit_code=1 if problems else 0,
                week=week,
                sms_sent=world.sms.timed(),
                story=list(script.story),
                report=report,
                problems=problems,
            )


def _print(
    out: TextIO,
    world: World,
    script: Script,
    intro: list[str],
    report: dict[str, Any],
    chart: Path | None,
    problems: list[str],
) -> None:
    t = world.transcript
    lines = [f"Ringround demo: one simulated week of {world.group.name} ({script.week})", ""]
    lines += intro
    lines += ["", "The week's story:"]
    lines += [f"  {t.when(at):>16}  {text}" for at, text in script.story]
    lines += ["", "What each person saw (local times; routine messages in full only once)"]
    patients = {patient_key(p.id) for p in world.patients.values()}
    texted = t.keys_with_entries() & patients
    t.notes["practice"] = "nothing this week (the practice is texted only about URGENT alerts)"
    lines += t.sections([k for k in t.people if k not in patients])
    lines += ["", f"Patients who got texts ({len(texted)}; texts go only to consenting mobiles)"]
    # Patients with more than check-ins first, so their story shows in full.
    for key in sorted(texted, key=lambda k: (not t.has_news(k), t.people[k].name)):
        lines += t.section(key)
    lines.append(
        f"{len(patients - texted)} other patients got no texts: a landline, or no consent."
    )
    lines += ["", "Weekly coverage report", report_text(report), ""]
    if chart is not None:
        chart.write_bytes(report_chart(report))
        lines.append(f"The report's chart is in {chart}")
    else:
        lines.append("Run `./dev demo --chart chart.png` to write the report's chart as a PNG too.")
    lines.append(
        "To run Ringround for a real group: `./dev ringround --help` (or `.venv/bin/ringround`),"
        ' then see the README\'s "Running it for a group".'
    )
    lines += [f"demo problem: {problem}" for problem in problems]
    out.write("\n".join(lines) + "\n")
