"""`ringround serve`."""

from __future__ import annotations

import asyncio
import logging

import typer

from bot import composition
from bot.serve import serve as run_service


def serve() -> None:
    """Run the service: Telegram bot, HTTP webhooks, outbox dispatcher and scheduler."""
    settings = composition.settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    code = asyncio.run(run_service(settings))
    raise typer.Exit(code)
