"""The composition root: the one place that reads settings and builds adapters.

`build_runtime` is used by `ringround serve`, the command line, the demo and the tests: each
passes what stands in for the outside world (a clock, channels, an in-process Bot API) and
gets everything else built from its settings. Adapters are imported inside the functions: the
command line must not pay for PTB, Twilio or Zoom it does not use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.runtime import Runtime
from config import Settings, load_settings_or_exit
from rota.storage.db import Database

if TYPE_CHECKING:
    from telegram.request import BaseRequest

    from rota.ports import Channel, Meetings, Ringer
    from rota.services.zoom_links import MeetingsFor


def settings() -> Settings:
    return load_settings_or_exit()


def now() -> datetime:
    """The one wall clock; every runtime's clock unless a simulated one is given."""
    return datetime.now(UTC)


def build_runtime(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Callable[[], datetime] | None = None,
    channels: Mapping[str, Channel] | None = None,
    bot_api: BaseRequest | None = None,
    voice: Ringer | None = None,
    meetings: Meetings | None = None,
    sending: bool = True,
) -> Runtime:
    """A runtime with its adapters: each channel named in `channels` replaces the one the
    settings would give; `bot_api` answers the Telegram bot's HTTP calls in-process (the demo).
    `sending=False` (the command line) builds no adapters: the running service's dispatcher
    sends what a command queues. Nothing is opened here: the async clients need the loop
    they will run on, so `serve` opens them (and the bot) in its lifespan."""
    runtime = Runtime(
        settings=settings,
        db=db if db is not None else Database(settings.database_url),
        clock=clock or now,
        voice=voice,
        meetings=meetings,
    )
    if not sending:
        return runtime
    chosen = dict(channels or {})
    if "telegram" not in chosen:
        chosen["telegram"] = _telegram_channel(runtime, bot_api)
    if "sms" not in chosen:
        chosen["sms"] = sms_channel(settings)
    runtime.channels = chosen
    if voice is None:
        runtime.voice = twilio_voice(settings)
    if meetings is None:
        runtime.meetings = zoom_meetings(settings)
    return runtime


def _telegram_channel(runtime: Runtime, bot_api: BaseRequest | None) -> Channel:
    """The bot's own Bot (one HTTP client for replies and the outbox) when a token is set;
    otherwise messages are printed, redacted."""
    from integrations.console import ConsoleChannel

    telegram = runtime.settings.telegram
    if not telegram.configured:
        return ConsoleChannel("telegram")
    from bot.telegram.app import build_application
    from integrations.telegram_channel import TelegramChannel

    polling = telegram.webhook_url is None and bot_api is None
    runtime.telegram = build_application(runtime, polling=polling, request=bot_api)
    return TelegramChannel(runtime.telegram.bot)


def sms_channel(settings: Settings) -> Any:
    """Twilio when its credentials are set; otherwise texts are printed, redacted."""
    from integrations.console import ConsoleChannel
    from integrations.twilio_sms import TwilioSmsChannel

    twilio = settings.twilio
    if not twilio.configured or twilio.auth_token is None or twilio.account_sid is None:
        return ConsoleChannel("sms")
    assert settings.public_base_url is not None  # checked by `problems` before start-up
    return TwilioSmsChannel(
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token.get_secret_value(),
        public_base_url=str(settings.public_base_url),
        from_number=twilio.from_number,
        messaging_service_sid=twilio.messaging_service_sid,
        api_base_url=str(twilio.api_base_url) if twilio.api_base_url else None,
    )


def twilio_voice(settings: Settings) -> Any:
    """ "Ring me now" calls, with the same Twilio account as SMS; None without one."""
    from integrations.twilio_voice import TwilioVoice

    twilio = settings.twilio
    if not twilio.configured or twilio.auth_token is None or twilio.account_sid is None:
        return None
    assert settings.public_base_url is not None  # checked by `problems` before start-up
    return TwilioVoice(
        account_sid=twilio.account_sid,
        auth_token=twilio.auth_token.get_secret_value(),
        public_base_url=str(settings.public_base_url),
        from_number=twilio.from_number,
        api_base_url=str(twilio.api_base_url) if twilio.api_base_url else None,
    )


def zoom_meetings(settings: Settings) -> Meetings | None:
    """Zoom when its credentials are set; None: sessions use their fixed link, or wait."""
    from integrations.zoom import ZoomMeetings

    zoom = settings.zoom
    if not zoom.configured or zoom.client_secret is None:
        return None
    return ZoomMeetings(
        account_id=zoom.account_id or "",
        client_id=zoom.client_id or "",
        client_secret=zoom.client_secret.get_secret_value(),
        api_base_url=str(zoom.api_base_url),
        oauth_url=str(zoom.oauth_url),
    )


def meetings_for(zoom: Meetings | None) -> MeetingsFor:
    """A template's own fixed link wins (the organiser chose it); otherwise Zoom, if set up."""
    from integrations.zoom import FixedLinkMeetings

    def pick(link: str | None) -> Meetings | None:
        return FixedLinkMeetings(link) if link and link.startswith("https://") else zoom

    return pick
