"""`ringround report`: the weekly coverage report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bot import composition
from bot.cli.common import GroupOption, JsonFlag, print_json, run
from bot.cli.rota import WeekOption
from config import Settings
from rota.exports.report_files import report_chart, report_csv, report_text
from rota.services.audit import CLI
from rota.services.report import weekly_report
from rota.storage.db import Database


def report(
    week: WeekOption = None,
    as_json: JsonFlag = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, safe to open in Excel.")] = False,
    png: Annotated[Path | None, typer.Option("--png", help="Write the chart here.")] = None,
    group: GroupOption = None,
) -> None:
    """Weekly coverage report: due, reached, not reached and why, concerns, volunteers."""

    async def work(_config: Settings, db: Database) -> dict[str, Any]:
        return await weekly_report(db, group, week, actor=CLI, now=composition.now())

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
