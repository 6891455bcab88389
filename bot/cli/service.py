"""`ringround serve`."""

from __future__ import annotations

import typer


def serve() -> None:
    """Run the service: Telegram bot, HTTP webhooks, outbox dispatcher and scheduler."""
    # Imported here: the web stack, PTB and Twilio are only for the service itself.
    import asyncio
    import logging

    from bot import composition
    from bot.serve import serve as run_service

    settings = composition.settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    code = asyncio.run(run_service(settings))
    raise typer.Exit(code)
