"""An organiser reviews next week's rota: build the draft, read its summary, publish it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.organiser import NOT_ORGANISER
from bot.telegram.render import UNKNOWN_USER, answer, drop_buttons, escape, keyboard, say
from bot.telegram.who import Organising, asker_of, runtime_of, tapped
from rota import buttons
from rota.buttons import BUILD, PUBLISH
from rota.errors import Refused
from rota.services import rotas
from rota.services.rotas import RotaError
from rota.windows import next_week, week_of

BUILD_PATTERN = buttons.pattern([BUILD])
PUBLISH_PATTERN = buttons.pattern([PUBLISH])
SHOWN_UNCOVERED = 8


def summary(view: dict[str, Any]) -> str:
    """Counts and gaps only: patients by the practice's ref, never by name."""
    calls = view["calls"]
    held = sum(1 for c in calls if c["status"] == "assigned")
    open_ = sum(1 for c in calls if c["status"] == "open")
    uncovered = view["uncovered"]
    lines = [
        f"<b>Rota {escape(view['week'])}</b> ({escape(view['status'])})",
        f"{len(calls)} calls: {held} with a volunteer, {open_} open.",
        f"{len(uncovered)} patient(s) cannot be covered.",
    ]
    lines += [
        f"  {escape(str(u['patient_ref']))}: {escape(str(u['reason']))}"
        for u in uncovered[:SHOWN_UNCOVERED]
    ]
    if len(uncovered) > SHOWN_UNCOVERED:
        lines.append(f"  … and {len(uncovered) - SHOWN_UNCOVERED} more (ringround rota show)")
    return "\n".join(lines)


def _buttons(view: dict[str, Any]) -> list[list[tuple[str, str]]]:
    if view["status"] != "draft":
        return []
    week = view["week"]
    return [[("Publish", PUBLISH.data(week)), ("Rebuild", BUILD.data(week))]]


async def _organiser(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Organising | None:
    asker = await asker_of(update, context)
    if asker.organiser is None:
        await answer(update, NOT_ORGANISER if asker.known else None)
        await say(update, context, NOT_ORGANISER if asker.known else UNKNOWN_USER)
    return asker.organiser


async def review_rota(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    role = await _organiser(update, context)
    if role is None:
        return
    runtime = runtime_of(context)
    now = runtime.clock()
    week = next_week(week_of(now, ZoneInfo(role.group.timezone)))  # as rotas.default_week
    try:
        view = await rotas.show_rota(runtime.db, role.group.name, week, actor=role.actor(), now=now)
    except RotaError:
        await say(
            update,
            context,
            f"There is no rota for {week} yet.",
            keyboard([[(f"Build {week}", BUILD.data(week))]]),
        )
        return
    await say(update, context, summary(view), keyboard(_buttons(view)))


async def build_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    role = await _organiser(update, context)
    if role is None:
        return
    await answer(update, "Building the rota: this can take a few seconds.")
    week = tapped(update, [BUILD]).value
    runtime = runtime_of(context)
    try:
        built = await rotas.build_rota(
            runtime.db,
            role.group.name,
            week,
            actor=role.actor(),
            now=runtime.clock(),
            offload=runtime.plan_in,
        )
    except Refused as error:
        await say(update, context, escape(f"Not built: {error}"))
        return
    await say(update, context, summary(built.view), keyboard(_buttons(built.view)))


async def publish_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    role = await _organiser(update, context)
    if role is None:
        return
    await answer(update)
    week = tapped(update, [PUBLISH]).value
    runtime = runtime_of(context)
    try:
        view = await rotas.publish_rota(
            runtime.db,
            role.group.name,
            week,
            actor=role.actor(),
            now=runtime.clock(),
        )
    except Refused as error:
        await say(update, context, escape(f"Not published: {error}"))
        return
    await drop_buttons(update)
    await say(update, context, summary(view) + "\nPublished: volunteers are being told now.")
