"""`ringround demo`: a complete simulated week on a throwaway SQLite database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def demo(
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Also write the weekly report's chart to this PNG file."),
    ] = None,
) -> None:
    """Run a simulated week for a sample group and print what each person saw.

    Everything is fictional and thrown away afterwards: a temporary database, a stand-in
    Telegram and a stand-in SMS provider. Nothing is sent anywhere.
    """
    # Imported here: PTB and the planner are heavy, and other commands should start quickly.
    import asyncio

    from bot.demo import run_demo

    result = asyncio.run(run_demo(sys.stdout, chart=chart))
    if result.exit_code:
        typer.echo("error: the demo did not run cleanly (see 'demo problem' above)", err=True)
        raise typer.Exit(result.exit_code)
