"""An organiser sends a CSV, .xlsx or .ods file: a dry run first, then Confirm imports it for real.

Two steps (see csv_import.mmd). Between them we keep only Telegram's file_id under a short
token in this organiser's user_data; Confirm downloads the file again. After a restart the
token is gone and the organiser is asked to send the file again: nothing is half-imported.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.organiser import NOT_ORGANISER
from bot.telegram.render import UNKNOWN_USER, answer, drop_buttons, escape, keyboard, say
from bot.telegram.who import Organising, asker_of, runtime_of, tapped
from rota import buttons
from rota.buttons import IMPORT, NO_IMPORT
from rota.imports.csvfile import MAX_BYTES, header_of
from rota.services.importing import ImportResult, import_patients, import_volunteers

log = logging.getLogger(__name__)

CONFIRM_PATTERN = buttons.pattern([IMPORT])
CANCEL_PATTERN = buttons.pattern([NO_IMPORT])
SHOWN_PROBLEMS = 15


def kind_of(data: bytes, caption: str | None) -> str:
    """The caption decides if it names one; otherwise a `ref` column means patients."""
    said = (caption or "").lower()
    if "volunteer" in said:
        return "volunteers"
    if "patient" in said:
        return "patients"
    header = header_of(data)
    if not header:
        return "patients"  # the import reports what is wrong with the file
    return "patients" if "ref" in header else "volunteers"


async def _run(
    role: Organising,
    context: ContextTypes.DEFAULT_TYPE,
    kind: str,
    data: bytes,
    dry_run: bool,
    allow_deactivate: bool = False,
) -> ImportResult:
    runtime = runtime_of(context)
    use_case: Any = import_patients if kind == "patients" else import_volunteers
    options = {"allow_deactivate": allow_deactivate} if kind == "patients" else {}
    result: ImportResult = await use_case(
        runtime.db,
        group_id=role.group.id,
        data=data,
        actor=role.actor(),
        now=runtime.clock(),
        dry_run=dry_run,
        allow_fictional=runtime.settings.allow_fictional_numbers,
        **options,
    )
    return result


def describe(result: ImportResult, *, dry_run: bool = True) -> str:
    if result.problems:
        lines = [f"I can't import this {result.kind} file: nothing has changed."]
        lines += [f"• {p}" for p in result.problems[:SHOWN_PROBLEMS]]
        if len(result.problems) > SHOWN_PROBLEMS:
            lines.append(f"… and {len(result.problems) - SHOWN_PROBLEMS} more.")
        lines.append("Please fix the file and send it again.")
        return escape("\n".join(lines))
    c = result.counts()
    stop = f", {c['deactivated']} no longer on the list" if result.kind == "patients" else ""
    if result.held is not None and not dry_run:
        return escape(f"Nothing imported: {result.held}. Please send the file again.")
    head = "Imported" if result.applied else "Dry run, nothing changed yet"
    text = (
        f"{head} ({result.kind}): {c['added']} new, {c['updated']} updated{stop}, "
        f"{c['unchanged']} unchanged."
    )
    text += "".join(f"\n• {note}" for note in result.notes)
    if result.held is not None:
        text += f"\nCareful: {result.held}. Confirm deactivates them."
    return escape(text)


async def _download(context: ContextTypes.DEFAULT_TYPE, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def _organiser(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Organising | None:
    asker = await asker_of(update, context)
    if asker.organiser is None:
        await answer(update, NOT_ORGANISER if asker.known else None)
        await say(update, context, NOT_ORGANISER if asker.known else UNKNOWN_USER)
    return asker.organiser


async def send_csv_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    role = await _organiser(update, context)
    message = update.message
    if role is None or message is None or message.document is None:
        return
    document = message.document
    if document.file_size is not None and document.file_size > MAX_BYTES:
        await say(update, context, "That file is too big to import (over 10 MB).")
        return
    data = await _download(context, document.file_id)
    kind = kind_of(data, message.caption)
    result = await _run(role, context, kind, data, dry_run=True)
    if result.problems:
        await say(update, context, describe(result))
        return
    token = secrets.token_hex(4)
    pending: dict[str, Any] = context.user_data.setdefault("imports", {})  # type: ignore[union-attr]
    # The dry run showed how many would be deactivated: Confirm is the organiser's yes to that.
    held = result.held is not None
    pending[token] = {"file_id": document.file_id, "kind": kind, "allow_deactivate": held}
    label = (
        f"Confirm: deactivate {result.held.would_deactivate}" if result.held else "Confirm import"
    )
    buttons = [[(label, IMPORT.data(token)), ("Cancel", NO_IMPORT.data(token))]]
    await say(update, context, describe(result), keyboard(buttons))


async def confirm_import_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    role = await _organiser(update, context)
    if role is None:
        return
    await answer(update)
    pending: dict[str, Any] = (context.user_data or {}).get("imports", {})
    wanted = pending.pop(tapped(update, [IMPORT]).value, None)
    if wanted is None:  # imported or cancelled already, or forgotten in a restart
        await say(update, context, "I no longer have that file. Please send it again.")
        return
    await drop_buttons(update)
    data = await _download(context, wanted["file_id"])
    result = await _run(
        role,
        context,
        wanted["kind"],
        data,
        dry_run=False,
        allow_deactivate=wanted.get("allow_deactivate", False),
    )
    log.info("telegram import by organiser %s: %s", role.organiser_id, result.counts())
    await say(update, context, describe(result, dry_run=False))


async def cancel_import_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer(update)
    (context.user_data or {}).get("imports", {}).pop(tapped(update, [NO_IMPORT]).value, None)
    await drop_buttons(update)
    await say(update, context, "Cancelled: nothing was imported.")
