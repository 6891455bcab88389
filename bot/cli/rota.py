"""`ringround rota …` and `ringround sessions …`: the organiser's weekly routine."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import (
    GroupOption,
    JsonFlag,
    YesFlag,
    actor,
    confirm,
    fail,
    now,
    parse_week_option,
    print_json,
    run,
)

if TYPE_CHECKING:
    from config import Settings
    from rota.services.rotas import ReplanResult
    from rota.storage.db import Database

rota_app = typer.Typer(
    help="Build, review, publish and export the weekly rota.", no_args_is_help=True
)
sessions_app = typer.Typer(help="Zoom group session templates.", no_args_is_help=True)

WeekOption = Annotated[
    str | None,
    typer.Option(
        "--week",
        help="ISO week like 2026-W49, or a day in it (2026-12-03 or 03/12/2026). "
        "Default: next week.",
    ),
]
TimeLimit = Annotated[float, typer.Option(help="Seconds the planner may take.")]


async def _with_volunteers(
    db: Database, group: str | None, view: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from rota.services import people

    return view, await people.list_volunteers(db, group, actor=actor(), now=now())


@rota_app.command("build")
def rota_build(
    week: WeekOption = None,
    as_json: JsonFlag = False,
    group: GroupOption = None,
    time_limit: TimeLimit = 20.0,
) -> None:
    """Build (or rebuild) the week's draft rota and print its review summary."""
    from bot.cli.summary import summary_lines
    from rota.services import rotas

    label = parse_week_option(week)

    async def work(_config: Settings, db: Database) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        result = await rotas.build_rota(
            db, group, label, actor=actor(), now=now(), time_limit_s=time_limit
        )
        return await _with_volunteers(db, group, result.view)

    view, volunteers = run(work)
    if as_json:
        print_json(view)
        return
    typer.echo("\n".join(summary_lines(view, volunteers)))


@rota_app.command("publish")
def rota_publish(week: WeekOption = None, group: GroupOption = None, yes: YesFlag = False) -> None:
    """Publish the draft: volunteers are told their calls, open calls go up for claiming.

    A week that is over or under way is published only after you confirm (or with --yes).
    """
    from bot.cli.summary import already_started, publish_lines
    from rota.services import rotas

    label = parse_week_option(week)

    async def look(_config: Settings, db: Database) -> dict[str, Any]:
        return await rotas.show_rota(db, group, label, actor=actor(), now=now())

    draft = run(look)
    if draft["status"] == "draft" and (label is None or draft["week"] == label):
        begun, total = already_started(draft, now())
        if total and begun == total:
            confirm(
                f"{draft['week']} is over: all {total} calls are in the past. Publish it anyway?",
                yes=yes,
            )
        elif begun:
            confirm(
                f"{draft['week']} is under way: {begun} of {total} calls are already in the past "
                "and their volunteers would be told too late. Publish it anyway?",
                yes=yes,
            )
        label = draft["week"]

    async def work(_config: Settings, db: Database) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        published = await rotas.publish_rota(db, group, label, actor=actor(), now=now())
        return await _with_volunteers(db, group, published)

    view, volunteers = run(work)
    typer.echo("\n".join(publish_lines(view, volunteers)))


@rota_app.command("replan")
def rota_replan(week: WeekOption = None, group: GroupOption = None) -> None:
    """Re-plan a published week after a volunteer paused or left; held calls never move."""
    from rota.services import rotas

    label = parse_week_option(week)

    async def work(_config: Settings, db: Database) -> ReplanResult:
        return await rotas.replan_rota(db, group, label, actor=actor(), now=now())

    result = run(work)
    typer.echo(
        f"re-planned {result.week}: {result.released} call(s) released, "
        f"{result.changed_hands} given to another volunteer"
    )


class PrintBy(StrEnum):
    day = "day"
    volunteer = "volunteer"


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
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Write the printed rota (A4 PDF) here.")
    ] = None,
    by: Annotated[
        PrintBy, typer.Option("--by", help="With --pdf: a page per day or per volunteer.")
    ] = PrintBy.day,
    group: GroupOption = None,
) -> None:
    """Show or export a week's rota."""
    from bot.cli.summary import summary_lines
    from rota.exports.rota_files import rota_csv, rota_html, volunteer_ics
    from rota.phones import parse_phone
    from rota.services import rotas

    label = parse_week_option(week)

    async def work(
        config: Settings, db: Database
    ) -> tuple[dict[str, Any], list[dict[str, Any]], str | None]:
        view = await rotas.show_rota(db, group, label, actor=actor(), now=now())
        _, volunteers = await _with_volunteers(db, group, view)
        phone = None
        if ics is not None:
            phone = parse_phone(ics, allow_fictional=config.allow_fictional_numbers).e164
        return view, volunteers, phone

    view, volunteers, phone = run(work)
    names = {v["phone"]: v["name"] for v in volunteers}
    if as_json:
        print_json(view)
    elif as_csv:
        typer.echo(rota_csv(view, names), nl=False)
    elif phone is not None:
        if phone not in names:
            fail(f"no volunteer with phone {phone}")
        typer.echo(volunteer_ics(view, phone, stamp=now()).decode(), nl=False)
    elif html is not None:
        html.write_text(rota_html(view, names), encoding="utf-8")
        typer.echo(f"wrote {html}")
    elif pdf is not None:
        from rota.exports.printed import rota_pdf

        pdf.write_bytes(rota_pdf(view, names, by=by.value))
        typer.echo(f"wrote {pdf}")
    else:
        typer.echo("\n".join(summary_lines(view, volunteers)))
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
    from rota.services import zoom_templates

    async def work(_config: Settings, db: Database) -> str:
        await zoom_templates.add_session(
            db,
            group,
            window,
            capacity=capacity,
            title=title,
            link=link,
            actor=actor(),
            now=now(),
        )
        return f"added '{title}' {window} for up to {capacity} patients"

    typer.echo(run(work))


@sessions_app.command("list")
def sessions_list(as_json: JsonFlag = False, group: GroupOption = None) -> None:
    """List the group's Zoom session templates."""
    from rota.services import zoom_templates

    rows = run(lambda _c, db: zoom_templates.list_sessions(db, group))
    if as_json:
        print_json(rows)
        return
    for row in rows or []:
        typer.echo(
            f"{row['title']}: {row['window']}, up to {row['capacity']}"
            + (f", {row['link']}" if row["link"] else "")
        )
