"""`ringround rota …` and `ringround sessions …`: the organiser's weekly routine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bot import composition
from bot.cli.common import GroupOption, JsonFlag, fail, print_json, run
from config import Settings
from rota.exports.rota_files import rota_csv, rota_html, volunteer_ics
from rota.phones import parse_phone
from rota.services import people, rotas, sessions
from rota.services.audit import CLI
from rota.storage.db import Database

rota_app = typer.Typer(
    help="Build, review, publish and export the weekly rota.", no_args_is_help=True
)
sessions_app = typer.Typer(help="Zoom group session templates.", no_args_is_help=True)

WeekOption = Annotated[
    str | None, typer.Option("--week", help="ISO week like 2026-W49 (default: next week).")
]
TimeLimit = Annotated[float, typer.Option(help="Seconds the planner may take.")]


def _print_summary(view: dict[str, Any]) -> None:
    s = view["summary"]
    typer.echo(f"{view['group']} {view['week']} ({view['status']})")
    typer.echo(
        f"  calls due {s.get('calls_due', len(view['calls']))}: {s.get('assigned', 0)} assigned, "
        f"{s.get('open', 0)} open · planner {s.get('status', '?')}"
        + (f" (gap {s['gap']:.2%})" if s.get("gap") else "")
    )
    for risk, (due, covered) in s.get("coverage_by_risk", {}).items():
        typer.echo(f"  {risk:>6} risk: {covered}/{due} calls covered")
    if s.get("continuity_rate") is not None:
        typer.echo(f"  same volunteer as last week: {s['continuity_rate']:.0%}")
    for zoom in view["zoom_sessions"]:
        host = zoom["host"] or "NO HOST"
        typer.echo(
            f"  zoom {zoom['title']} {zoom['starts_at'][:16]}: host {host}, "
            f"{len(zoom['patient_refs'])} invited"
        )
    for item in view["uncovered"]:
        typer.echo(f"  not covered: {item['patient_ref']}: {item['reason']}")


@rota_app.command("build")
def rota_build(
    week: WeekOption = None,
    as_json: JsonFlag = False,
    group: GroupOption = None,
    time_limit: TimeLimit = 20.0,
) -> None:
    """Build (or rebuild) the week's draft rota."""

    async def work(_config: Settings, db: Database) -> dict[str, Any]:
        result = await rotas.build_rota(
            db, group, week, actor=CLI, now=composition.now(), time_limit_s=time_limit
        )
        return result.view

    view = run(work)
    print_json(view) if as_json else _print_summary(view)


@rota_app.command("publish")
def rota_publish(week: WeekOption = None, group: GroupOption = None) -> None:
    """Publish the draft: volunteers are told their calls, open calls go up for claiming."""

    async def work(_config: Settings, db: Database) -> dict[str, Any]:
        return await rotas.publish_rota(db, group, week, actor=CLI, now=composition.now())

    view = run(work)
    typer.echo(f"published {view['week']}: {len(view['calls'])} calls")
    typer.echo(rotas.describe_messages(view["messages"]))


@rota_app.command("replan")
def rota_replan(week: WeekOption = None, group: GroupOption = None) -> None:
    """Re-plan a published week after a volunteer paused or left; held calls never move."""

    async def work(_config: Settings, db: Database) -> rotas.ReplanResult:
        return await rotas.replan_rota(db, group, week, actor=CLI, now=composition.now())

    result = run(work)
    typer.echo(
        f"re-planned {result.week}: {result.released} call(s) released, "
        f"{result.changed_hands} given to another volunteer"
    )


@rota_app.command("show")
def rota_show(
    week: WeekOption = None,
    as_json: JsonFlag = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, safe to open in Excel.")] = False,
    ics: Annotated[
        str | None, typer.Option("--ics", help="iCalendar for this volunteer's phone.")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a printable HTML rota here.")
    ] = None,
    group: GroupOption = None,
) -> None:
    """Show or export a week's rota."""

    async def work(
        config: Settings, db: Database
    ) -> tuple[dict[str, Any], dict[str, str], str | None]:
        now = composition.now()
        view = await rotas.show_rota(db, group, week, actor=CLI, now=now)
        volunteers = await people.list_volunteers(db, group, actor=CLI, now=now)
        phone = None
        if ics is not None:
            phone = parse_phone(ics, allow_fictional=config.allow_fictional_numbers).e164
        return view, {v["phone"]: v["name"] for v in volunteers}, phone

    view, names, phone = run(work)
    if as_json:
        print_json(view)
    elif as_csv:
        typer.echo(rota_csv(view, names), nl=False)
    elif phone is not None:
        if phone not in names:
            fail(f"no volunteer with phone {phone}")
        typer.echo(volunteer_ics(view, phone, stamp=composition.now()).decode(), nl=False)
    elif html is not None:
        html.write_text(rota_html(view, names), encoding="utf-8")
        typer.echo(f"wrote {html}")
    else:
        _print_summary(view)
        for call in view["calls"]:
            who = names.get(call["volunteer"], "OPEN") if call["volunteer"] else "OPEN"
            typer.echo(
                f"  {call['code']:>4}  {call['starts_at'][:16]}  {call['patient_ref']:<10} {who}"
            )


@sessions_app.command("add")
def sessions_add(
    window: Annotated[str, typer.Argument(help='e.g. "Wed 14:00-15:00"')],
    capacity: Annotated[int, typer.Option(help="Most patients invited.")] = 8,
    title: Annotated[str, typer.Option(help="What patients see.")] = "Coffee morning",
    link: Annotated[
        str | None, typer.Option(help="A fixed meeting link (no Zoom account).")
    ] = None,
    group: GroupOption = None,
) -> None:
    """Add a weekly Zoom session template."""

    async def work(_config: Settings, db: Database) -> str:
        await sessions.add_session(
            db,
            group,
            window,
            capacity=capacity,
            title=title,
            link=link,
            actor=CLI,
            now=composition.now(),
        )
        return f"added '{title}' {window} for up to {capacity} patients"

    typer.echo(run(work))


@sessions_app.command("list")
def sessions_list(as_json: JsonFlag = False, group: GroupOption = None) -> None:
    """List the group's Zoom session templates."""
    rows = run(lambda _c, db: sessions.list_sessions(db, group))
    if as_json:
        print_json(rows)
        return
    for row in rows or []:
        typer.echo(
            f"{row['title']}: {row['window']}, up to {row['capacity']}"
            + (f", {row['link']}" if row["link"] else "")
        )
