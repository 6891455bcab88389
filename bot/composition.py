"""The composition root: the one place that reads settings and builds real adapters."""

from __future__ import annotations

from datetime import UTC, datetime

from config import Settings, load_settings_or_exit
from rota.storage.db import Database


def settings() -> Settings:
    return load_settings_or_exit()


def database(config: Settings) -> Database:
    return Database(config.database_url)


def now() -> datetime:
    return datetime.now(UTC)
