"""The published Bot API description, and checking values against its methods and types."""

from __future__ import annotations

import contextlib
import functools
import json
import os
from pathlib import Path
from typing import Any

from integrations.fakes.bot_api_state import Invalid, Upload
from tests.support.services import SPECS

SPEC_PATH = os.environ.get(
    "RINGROUND_BOT_API_SPEC", str(SPECS / "telegram" / "bot-api-10.1.paulsonoflars.api.json")
)


@functools.cache
def load_spec(path: str = SPEC_PATH) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise Invalid("can't parse JSON-serialized value") from None


def _coerce(value: Any, type_name: str, path: str, top: bool) -> Any:
    """Return ``value`` as ``type_name`` or raise Invalid. Form bodies carry every top-level
    value as a string (objects JSON-encoded), so strings are decoded only at the top level."""
    if type_name.startswith("Array of "):
        if top and isinstance(value, str):
            value = _json(value)
        if not isinstance(value, list):
            raise Invalid(f"{path} must be an Array")
        return [_coerce(v, type_name[9:], f"{path}[{i}]", False) for i, v in enumerate(value)]
    scalar = {"Integer": int, "Float": (int, float), "Boolean": bool, "String": str}.get(type_name)
    if scalar is not None:
        if top and isinstance(value, str) and type_name != "String":
            with contextlib.suppress(ValueError, KeyError):
                value = (
                    {"true": True, "false": False}[value]
                    if type_name == "Boolean"
                    else (int(value) if type_name == "Integer" else float(value))
                )
        if isinstance(value, scalar) and (type_name == "Boolean") == isinstance(value, bool):
            return value
        raise Invalid(f"{path} must be of type {type_name}")
    if type_name == "InputFile":
        if isinstance(value, Upload | str):
            return value
        raise Invalid(f"{path} must be an uploaded file or a string")
    if top and isinstance(value, str):
        value = _json(value)
    return validate_object(value, type_name, path)


def _coerce_any(value: Any, types: list[str], path: str, top: bool) -> Any:
    errors = []
    # Try the narrow types first so that chat_id "42" becomes 42 rather than staying "42".
    for type_name in sorted(types, key=lambda t: t == "String"):
        try:
            return _coerce(value, type_name, path, top)
        except (Invalid, KeyError) as exc:
            errors.append(str(exc))
    unique = list(dict.fromkeys(errors))
    raise Invalid(unique[0] if len(unique) == 1 else f"{path}: no match for {types}: {unique}")


def validate_object(value: Any, type_name: str, path: str | None = None) -> dict[str, Any]:
    """Check a JSON object against a Bot API type (required/unknown fields, field types)."""
    path = path or type_name
    spec_type = load_spec()["types"][type_name]
    if not isinstance(value, dict):
        raise Invalid(f"{path} must be a JSON object ({type_name})")
    if "subtypes" in spec_type:  # e.g. BotCommandScope: any variant will do
        return _coerce_any(value, spec_type["subtypes"], path, False)
    return check_fields(value, spec_type.get("fields", []), path, top=False)


def check_fields(params: dict[str, Any], fields: list[dict], path: str, top: bool) -> dict:
    known = {f["name"]: f for f in fields}
    prefix = f"{path}." if path else ""
    for name in params:
        if name not in known:
            raise Invalid(f"unknown parameter {prefix}{name}")
    out = {}
    for f in fields:
        if f["name"] in params:
            out[f["name"]] = _coerce_any(params[f["name"]], f["types"], prefix + f["name"], top)
        elif f["required"]:
            raise Invalid(f"parameter {prefix}{f['name']} is required")
    return out
