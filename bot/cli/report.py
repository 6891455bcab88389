"""`ringround report`: the weekly coverage report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import GroupOption, JsonFlag, actor, now, parse_week_option, print_json, run
from bot.cli.rota import WeekOption

if TYPE_CHECKING:
    from config import Settings
    from rota.storage.db import Database


def report(
    week: WeekOption = None,
    as_json: JsonFlag = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, safe to open in Excel.")] = False,
    png: Annotated[Path | None, typer.Option("--png", help="Write the chart here.")] = None,
    group: GroupOption = None,
) -> None:
    """Weekly coverage report: due, reached, not reached and why, concerns, volunteers."""
    from rota.exports.report_files import report_chart, report_csv, report_text
    from rota.services.report import weekly_report

    label = parse_week_option(week)

    async def work(_config: Settings, db: Database) -> dict[str, Any]:
        return await weekly_report(db, group, label, actor=actor(), now=now())

    found = run(work)
    if png is not None:
        png.write_bytes(report_chart(found))
    if as_json:
        print_json(found)
    elif as_csv:
        typer.echo(report_csv(found), nl=False)
    else:
        typer.echo(report_text(found))
        if png is not None:
            typer.echo(f"chart written to {png}")


def messages(
    week: WeekOption = None,
    as_json: JsonFlag = False,
    group: GroupOption = None,
) -> None:
    """Messages sent in the week by purpose and recipient (volunteer, organiser, patient...)."""
    from rota.services.report import messages_sent

    label = parse_week_option(week)

    async def work(_config: Settings, db: Database) -> list[dict[str, Any]]:
        return await messages_sent(db, group, label, actor=actor(), now=now())

    rows = run(work)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no messages sent that week")
    for recipient in dict.fromkeys(r["recipient"] for r in rows):
        mine = [r for r in rows if r["recipient"] == recipient]
        typer.echo(f"{recipient}: {sum(r['sent'] for r in mine)} sent")
        for row in mine:
            typer.echo(f"  {row['purpose']:<20} {row['channel']:<9} {row['sent']:>6}")
