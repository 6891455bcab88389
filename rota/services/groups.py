"""Groups (PPGs), their settings and organisers."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rota.domain import PhoneKind
from rota.errors import Refused
from rota.phones import parse_phone
from rota.services.audit import Actor, record
from rota.storage import repository
from rota.storage.db import Database
from rota.storage.people import Group, Organiser
from rota.storage.repository import Session
from rota.windows import format_clock, parse_clock


class GroupError(Refused):
    """A request about groups that cannot be met; the message is for a person."""


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise GroupError(f"'{name}' is not a time zone (e.g. Europe/London)") from None
    return name


def _join_code(name: str) -> str:
    # Short, typeable in an SMS and valid in a Telegram deep link.
    stem = re.sub(r"[^A-Z0-9]", "", name.upper())[:8] or "PPG"
    return f"{stem}{secrets.randbelow(900) + 100}"


async def create_group(
    db: Database, name: str, *, timezone: str, actor: Actor, now: datetime
) -> Group:
    clean = name.strip()
    if not clean or len(clean) > 120:
        raise GroupError("a group needs a name of 1 to 120 characters")
    check_timezone(timezone)
    async with db.transaction() as session:
        if await repository.group_by_name(session, clean):
            raise GroupError(f"there is already a group called '{clean}'")
        code = _join_code(clean)
        while await repository.group_by_code(session, code):
            code = _join_code(clean)
        group = Group(name=clean, code=code, timezone=timezone, settings={})
        session.add(group)
        await session.flush()
        record(session, actor, "group.create", at=now, group_id=group.id)
    return group


async def resolve_group(session: Session, name: str | None) -> Group:
    """The named group, or the first (default) group when none is named."""
    if name:
        group = await repository.group_by_name(session, name)
        if group is None:
            raise GroupError(f"no group called '{name}' (see `ringround group list`)")
        return group
    found = await repository.groups(session)
    if not found:
        raise GroupError("there is no group yet: run `ringround group create NAME` first")
    return found[0]


def _quiet_hours(value: str) -> dict[str, Any]:
    try:
        start_text, end_text = value.split("-")
        start, end = parse_clock(start_text), parse_clock(end_text)
    except ValueError as error:
        raise GroupError(f"quiet_hours should look like 09:00-20:00 ({error})") from None
    if start >= end:
        raise GroupError("quiet_hours: texts must start before they end, e.g. 09:00-20:00")
    return {"quiet_start": start, "quiet_end": end}


def _call_minutes(value: str) -> dict[str, Any]:
    if not value.isdigit() or not 5 <= int(value) <= 120:
        raise GroupError("call_minutes should be a whole number of minutes from 5 to 120")
    return {"call_minutes": int(value)}


def _phone_setting(column: str) -> Callable[[str, bool], dict[str, Any]]:
    def parse(value: str, allow_fictional: bool) -> dict[str, Any]:
        try:
            return {column: parse_phone(value, allow_fictional=allow_fictional).e164}
        except ValueError as error:
            raise GroupError(f"{column}: {error}") from None

    return parse


def alertable_phone(value: str, *, setting: str, who: str, allow_fictional: bool) -> str:
    """The E.164 of a number urgent alerts can reach, which today means by text: a mobile.

    A landline (or an 03/08 number) accepts a text from Twilio without complaint and the
    alert is lost, or read aloud to whoever picks up; so it is refused where it is given.
    """
    try:
        phone = parse_phone(value, allow_fictional=allow_fictional)
    except ValueError as error:
        raise GroupError(f"{setting}: {error}") from None
    if not phone.is_mobile:
        kind = "a landline" if phone.kind == PhoneKind.LANDLINE else "not a mobile number"
        raise GroupError(
            f"{setting}: '{value.strip()}' is {kind}, and urgent alerts reach the {who} by "
            "text message, which it cannot receive. Give a mobile that is watched in opening "
            "hours (e.g. the duty team's or the practice manager's work mobile)."
        )
    return phone.e164


def _practice_contact(value: str, allow_fictional: bool) -> dict[str, Any]:
    return {
        "practice_contact": alertable_phone(
            value, setting="practice_contact", who="practice", allow_fictional=allow_fictional
        )
    }


# Scheduler knobs live in the group's `settings` JSON rather than in columns of their own.
REOFFERS_PER_DAY = 1  # bundled offers of open calls a volunteer may get in a day
# An import that would deactivate more than this share (percent) of the active patients
# waits for confirmation: a partial list must never silently stop calls (issue 16).
DEACTIVATE_SHARE = 20
# Ringing through the group's number (docs/calls.md): volunteers then never see a patient's
# number, and each bridged call is cut off after MAX_CALL_MINUTES to protect the group's bill.
MAX_CALL_MINUTES = 60
KNOBS: dict[str, Any] = {
    "reoffers_per_day": REOFFERS_PER_DAY,
    "masked_calls": False,
    "max_call_minutes": MAX_CALL_MINUTES,
    "digest_at": "08:00",
    "console_url": None,
    "deactivate_share": DEACTIVATE_SHARE,
}


def masked_calls(group: Group) -> bool:
    return bool((group.settings or {}).get("masked_calls", False))


def max_call_minutes(group: Group) -> int:
    return int((group.settings or {}).get("max_call_minutes", MAX_CALL_MINUTES))


def _masked_calls(value: str) -> dict[str, Any]:
    if value.lower() not in ("on", "off"):
        raise GroupError("masked_calls should be on or off")
    return {"masked_calls": value.lower() == "on"}


def _max_call_minutes(value: str) -> dict[str, Any]:
    if not value.isdigit() or not 5 <= int(value) <= 240:
        raise GroupError("max_call_minutes should be a whole number of minutes from 5 to 240")
    return {"max_call_minutes": int(value)}


def reoffers_per_day(group: Group) -> int:
    return int((group.settings or {}).get("reoffers_per_day", REOFFERS_PER_DAY))


def deactivate_share(group: Group) -> int:
    return int((group.settings or {}).get("deactivate_share", DEACTIVATE_SHARE))


def _deactivate_share(value: str) -> dict[str, Any]:
    cleaned = value.removesuffix("%").strip()
    if not cleaned.isdigit() or not 0 <= int(cleaned) <= 100:
        raise GroupError("deactivate_share should be a percentage from 0 to 100, e.g. 20")
    return {"deactivate_share": int(cleaned)}


def _reoffers_per_day(value: str) -> dict[str, Any]:
    if not value.isdigit() or not 0 <= int(value) <= 10:
        raise GroupError("reoffers_per_day should be a whole number from 0 (none) to 10")
    return {"reoffers_per_day": int(value)}


def _digest_at(value: str) -> dict[str, Any]:
    try:
        return {"digest_at": format_clock(parse_clock(value))}
    except ValueError as error:
        raise GroupError(f"digest_at should look like 08:00 ({error})") from None


def _console_url(value: str) -> dict[str, Any]:
    """Where SMS organisers' digests point; "-" removes it (then the digest has no link)."""
    if value in ("", "-"):
        return {"console_url": None}
    if not value.startswith("https://") or len(value) > 100 or " " in value:
        raise GroupError("console_url should be an https:// address of at most 100 characters")
    return {"console_url": value}


SETTINGS: dict[str, Callable[[str, bool], dict[str, Any]]] = {
    "call_minutes": lambda v, _f: _call_minutes(v),
    "quiet_hours": lambda v, _f: _quiet_hours(v),
    "timezone": lambda v, _f: {"timezone": check_timezone(v)},
    "practice_contact": _practice_contact,
    "sms_number": _phone_setting("sms_number"),
    "name": lambda v, _f: {"name": v.strip()},
    "reoffers_per_day": lambda v, _f: _reoffers_per_day(v),
    "masked_calls": lambda v, _f: _masked_calls(v),
    "max_call_minutes": lambda v, _f: _max_call_minutes(v),
    "digest_at": lambda v, _f: _digest_at(v),
    "console_url": lambda v, _f: _console_url(v),
    "deactivate_share": lambda v, _f: _deactivate_share(v),
}


async def set_setting(
    db: Database,
    group_name: str | None,
    setting: str,
    value: str,
    *,
    actor: Actor,
    now: datetime,
    allow_fictional: bool = False,
) -> Group:
    parse = SETTINGS.get(setting)
    if parse is None:
        raise GroupError(f"unknown setting '{setting}'; settings are: {', '.join(SETTINGS)}")
    changes = parse(value.strip(), allow_fictional)
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        for key, new in changes.items():
            if key in KNOBS:  # a new dict, so the JSON column is seen to change
                group.settings = {**(group.settings or {}), key: new}
            else:
                setattr(group, key, new)
        record(session, actor, "group.set", at=now, group_id=group.id, detail={"setting": setting})
    return group


def _practice_contact_shown(e164: str | None) -> str:
    """A contact stored before landlines were refused is flagged until it is replaced."""
    if not e164:
        return "-"
    try:
        if parse_phone(e164, allow_fictional=True).is_mobile:
            return e164
    except ValueError:
        pass
    return f"{e164} (not a mobile: urgent alerts cannot reach it; set a mobile)"


async def list_groups(db: Database) -> list[dict[str, str]]:
    """Every group with its settings, as `ringround group list` shows them."""
    async with db.transaction() as session:
        return [{"name": g.name, **describe_settings(g)} for g in await repository.groups(session)]


def describe_settings(group: Group) -> dict[str, str]:
    return {
        "timezone": group.timezone,
        "quiet_hours": f"{format_clock(group.quiet_start)}-{format_clock(group.quiet_end)}",
        "call_minutes": str(group.call_minutes),
        "practice_contact": _practice_contact_shown(group.practice_contact),
        "sms_number": group.sms_number or "-",
        "join_code": group.code,
        "reoffers_per_day": str(reoffers_per_day(group)),
        "masked_calls": "on" if masked_calls(group) else "off",
        "max_call_minutes": str(max_call_minutes(group)),
        "digest_at": str((group.settings or {}).get("digest_at") or KNOBS["digest_at"]),
        "console_url": str((group.settings or {}).get("console_url") or "-"),
        "deactivate_share": f"{deactivate_share(group)}%",
    }


async def add_organiser(
    db: Database,
    group_name: str | None,
    *,
    telegram_id: int | None,
    phone: str | None,
    name: str | None,
    actor: Actor,
    now: datetime,
    allow_fictional: bool = False,
) -> Organiser:
    if (telegram_id is None) == (phone is None):
        raise GroupError("give exactly one of --telegram-id or --phone")
    e164 = None
    if phone is not None:  # an organiser without Telegram is alerted by text
        e164 = alertable_phone(
            phone, setting="--phone", who="organiser", allow_fictional=allow_fictional
        )
    async with db.transaction() as session:
        group = await resolve_group(session, group_name)
        for organiser in await repository.organisers(session, group.id):
            if (telegram_id is not None and organiser.telegram_id == telegram_id) or (
                e164 is not None and organiser.phone == e164
            ):
                raise GroupError("that person is already an organiser of this group")
        organiser = Organiser(group_id=group.id, telegram_id=telegram_id, phone=e164, name=name)
        session.add(organiser)
        await session.flush()
        record(
            session,
            actor,
            "organiser.add",
            at=now,
            group_id=group.id,
            subject=f"organiser:{organiser.id}",
        )
    return organiser
