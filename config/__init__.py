"""Typed configuration (pydantic-settings), built once at start-up."""

from config.settings import Settings, SettingsError, load_settings, load_settings_or_exit

__all__ = ["Settings", "SettingsError", "load_settings", "load_settings_or_exit"]
