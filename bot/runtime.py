"""What a running service holds: settings, database, clock and the outgoing channels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from config import Settings
from rota.ports import Channel, Meetings, Ringer
from rota.services.solving import Offload, in_thread
from rota.storage.db import Database


@dataclass
class Runtime:
    """Built once by the composition root (bot/composition.py); handed to every front-end
    and job."""

    settings: Settings
    db: Database
    clock: Callable[[], datetime]
    channels: dict[str, Channel] = field(default_factory=dict)
    telegram: Any = None  # telegram.ext.Application when the bot runs
    voice: Ringer | None = None  # "Ring me now" through Twilio Voice when configured
    meetings: Meetings | None = None  # Zoom when configured; None: template links only
    state: dict[str, Any] = field(default_factory=dict)  # health facts: scheduler, dispatcher
    plan_in: Offload = in_thread  # where organisers' builds are solved; `serve` may use its pool
