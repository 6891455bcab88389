"""Keyboards the conversations share. Callback data is always a short `verb:value`."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.telegram.render import keyboard
from rota.languages import language_name
from rota.windows import DAY_NAMES

# Two blocks a day keep the picker to one screen; anything else can be typed.
BLOCKS = {"am": "10:00-12:00", "pm": "14:00-16:00"}
BLOCK_LABELS = {"am": "10-12", "pm": "14-16"}
PICK_PATTERN = r"^av:(" + "|".join(DAY_NAMES) + r"):(am|pm)$"
PICK_DONE_PATTERN = r"^av:done$"

MAX_CALLS = (1, 2, 3, 5, 8, 10)
MAX_PATTERN = r"^max:(" + "|".join(str(n) for n in MAX_CALLS) + r")$"

LANGUAGES = ("en", "pl", "ur", "pa", "bn", "ro")
LANG_PATTERN = r"^lang:(" + "|".join(LANGUAGES) + r")$"
LANG_OTHER_PATTERN = r"^lang:other$"
LANG_DONE_PATTERN = r"^lang:done$"


def consent() -> InlineKeyboardMarkup | None:
    return keyboard([[("I agree", "consent:yes"), ("No, thank you", "consent:no")]])


def share_contact() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton("Share my phone number", request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def window_of(day: str, block: str) -> str:
    return f"{day} {BLOCKS[block]}"


def picked_from(availability: list[str]) -> set[str]:
    """The picker's blocks already in a volunteer's availability (others are kept as typed)."""
    known = {window_of(d, b) for d in DAY_NAMES for b in BLOCKS}
    return {w for w in availability if w in known}


def ordered(windows: set[str]) -> list[str]:
    order = {
        window_of(d, b): i for i, (d, b) in enumerate((d, b) for d in DAY_NAMES for b in BLOCKS)
    }
    return sorted(windows, key=lambda w: order.get(w, len(order)))


def availability_picker(selected: set[str]) -> InlineKeyboardMarkup | None:
    rows = [
        [
            (
                ("✅ " if window_of(day, b) in selected else "") + f"{day} {BLOCK_LABELS[b]}",
                f"av:{day}:{b}",
            )
            for b in BLOCKS
        ]
        for day in DAY_NAMES
    ]
    return keyboard([*rows, [("Done", "av:done")]])


def toggle(selected: set[str], day: str, block: str) -> None:
    selected.symmetric_difference_update({window_of(day, block)})


def max_calls() -> InlineKeyboardMarkup | None:
    return keyboard([[(str(n), f"max:{n}") for n in MAX_CALLS]])


def languages(selected: list[str]) -> InlineKeyboardMarkup | None:
    buttons = [
        (("✅ " if code in selected else "") + language_name(code), f"lang:{code}")
        for code in LANGUAGES
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return keyboard([*rows, [("Other: type it", "lang:other"), ("Done", "lang:done")]])


def pause_lengths() -> InlineKeyboardMarkup | None:
    return keyboard(
        [
            [("1 week", "pause:7"), ("2 weeks", "pause:14"), ("1 month", "pause:month")],
            [("Type a date", "pause:date")],
        ]
    )


def cancel_note() -> InlineKeyboardMarkup | None:
    return keyboard([[("Cancel", "note:cancel")]])
