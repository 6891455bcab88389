"""Button data is built and read in one place, strictly: what `read` accepts is exactly what
a button of ours can carry, and the routing pattern agrees with it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import VERBS, volunteer_buttons
from bot.telegram import csv_import, organiser, outcome_note, rota_review, volunteer
from rota import buttons
from rota.buttons import APPROVE, BUILD, IMPORT, Button

ALL = [
    *volunteer_buttons(with_note=False),
    *volunteer_buttons(with_note=True),
    APPROVE,
    BUILD,
    IMPORT,
]


def test_each_button_reads_back_as_what_it_was_built_from():
    for button, value in ((VERBS["claim"].button, 42), (BUILD, "2026-W50"), (IMPORT, "0a1b2c3d")):
        assert button is not None
        tapped = buttons.read(button.data(value), ALL)
        assert tapped is not None and (tapped.verb, tapped.value) == (button.verb, str(value))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "claim",
        "claim:",
        "claim:0",
        "claim:-1",
        "claim:1;DROP",
        "claim:1\n",  # `$` would let a trailing newline through
        " claim:1",
        "claim:1234567890123456789",  # longer than any row id
        "release:3",  # a verb without a button
        "CLAIM:3",
        "build:2026-W5",
        "import:0A1B2C3D",
        "x" * 65,
        "claim:" + "1" * 70,
    ],
)
def test_tampered_oversized_or_unknown_data_reads_as_nothing(data):
    assert buttons.read(data, ALL) is None


@pytest.mark.parametrize(
    ("button", "value"), [(APPROVE, 0), (APPROVE, "1:2"), (BUILD, "next"), (IMPORT, "../x")]
)
def test_a_button_cannot_be_built_with_a_value_of_the_wrong_shape(button: Button, value):
    with pytest.raises(ValueError):
        button.data(value)


@given(st.text(max_size=80))
def test_the_routing_pattern_matches_exactly_what_read_accepts(data):
    routed = re.match(buttons.pattern(ALL), data) is not None
    assert routed == (buttons.read(data, ALL) is not None)


def test_verbs_that_ask_for_a_note_have_buttons_apart():
    assert {b.verb for b in volunteer_buttons(with_note=True)} == {"concern", "urgent"}
    assert "release" not in {b.verb for b in volunteer_buttons(with_note=False)}


def test_every_button_the_core_or_bot_can_build_is_routed_to_a_handler():
    routed = [
        volunteer.TAPPED_PATTERN,
        outcome_note.NOTE_PATTERN,
        organiser.DECIDE_PATTERN,
        organiser.ACK_PATTERN,
        rota_review.BUILD_PATTERN,
        rota_review.PUBLISH_PATTERN,
        csv_import.CONFIRM_PATTERN,
        csv_import.CANCEL_PATTERN,
    ]
    sample = {buttons.ROW_ID: 7, buttons.WEEK: "2026-W50", buttons.PENDING_FILE: "0a1b2c3d"}
    every = [b for b in vars(buttons).values() if isinstance(b, Button)]
    assert len(every) == 16
    for button in every:
        data = button.data(sample[button.shape])
        assert sum(re.match(p, data) is not None for p in routed) == 1, data
