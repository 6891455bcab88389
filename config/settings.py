"""Typed settings from RINGROUND_* environment variables and a .env file.

Built once at start-up by the composition root (never at import time).
"""

from __future__ import annotations

import re
import sys
from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "RINGROUND_"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///ringround.db"

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _e164_or_none(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if not _E164.match(value):
        raise ValueError("must be a phone number in E.164 form, like +447700900123")
    return value


class TelegramSettings(BaseModel):
    token: SecretStr | None = None
    api_base_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org/bot")
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def configured(self) -> bool:
        return self.token is not None


class TwilioSettings(BaseModel):
    account_sid: str | None = None
    auth_token: SecretStr | None = None
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_base_url: AnyHttpUrl | None = None  # None: Twilio's own

    @field_validator("from_number")
    @classmethod
    def _from_shape(cls, value: str | None) -> str | None:
        return _e164_or_none(value)

    @field_validator("account_sid")
    @classmethod
    def _sid_shape(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"AC[0-9a-fA-F]{32}", value):
            raise ValueError("must look like AC followed by 32 hexadecimal characters")
        return value or None

    @field_validator("messaging_service_sid")
    @classmethod
    def _service_shape(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"MG[0-9a-fA-F]{32}", value):
            raise ValueError("must look like MG followed by 32 hexadecimal characters")
        return value or None

    @property
    def configured(self) -> bool:
        return bool(
            self.account_sid
            and self.auth_token
            and (self.from_number or self.messaging_service_sid)
        )


class ZoomSettings(BaseModel):
    account_id: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    api_base_url: AnyHttpUrl = AnyHttpUrl("https://api.zoom.us/v2")
    oauth_url: AnyHttpUrl = AnyHttpUrl("https://zoom.us/oauth/token")

    @property
    def configured(self) -> bool:
        return bool(self.account_id and self.client_id and self.client_secret)


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        hide_input_in_errors=True,
    )

    database_url: str = DEFAULT_DATABASE_URL
    public_base_url: AnyHttpUrl | None = None
    allow_fictional_numbers: bool = False
    telegram: TelegramSettings = TelegramSettings()
    twilio: TwilioSettings = TwilioSettings()
    zoom: ZoomSettings = ZoomSettings()
    http: HttpSettings = HttpSettings()

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @property
    def public_base(self) -> str:
        """Where people and services reach `ringround serve` (links it hands out are made
        from this): RINGROUND_PUBLIC_BASE_URL, else the address it listens on. No trailing
        slash."""
        if self.public_base_url is not None:
            return str(self.public_base_url).rstrip("/")
        return f"http://{self.http.host}:{self.http.port}"


class SettingsError(Exception):
    """Configuration problems, one line per problem, safe to print (no secret values)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def describe_errors(error: ValidationError) -> list[str]:
    """One line per problem, naming the environment variable, never echoing the value."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        # A nested model's validator reports its own field name first in loc.
        loc = [str(part) for part in problem["loc"] if not str(part).startswith("function-")]
        variable = ENV_PREFIX + "__".join(loc).upper()
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{variable}: {message}")
    return lines


def load_settings(**overrides: Any) -> Settings:
    """Read settings, raising SettingsError with one readable line per problem."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_errors(error)) from None


def load_settings_or_exit(**overrides: Any) -> Settings:
    """For entry points: print the problems to stderr and exit with status 2."""
    try:
        return load_settings(**overrides)
    except SettingsError as error:
        for line in error.problems:
            print(f"configuration error: {line}", file=sys.stderr)
        raise SystemExit(2) from None
