"""The SMS parser: forgiving about typing, never about the carrier's keywords."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import NEEDS_CODE, VERBS
from bot.sms.parser import (
    MAX_BODY,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    SYNONYMS,
    Kind,
    parse_sms,
)


@given(st.text(max_size=MAX_BODY + 10))
def test_any_text_at_all_parses_without_error(body):
    parsed = parse_sms(body)
    assert parsed.kind in Kind
    if parsed.kind == Kind.COMMAND:
        assert parsed.command is not None and parsed.command.verb in VERBS


@given(
    st.sampled_from(sorted(OPT_OUT_WORDS)),
    st.sampled_from(["", " ", "  ", "\n"]),
    st.sampled_from(["", ".", "!", " "]),
    st.booleans(),
)
def test_a_carrier_opt_out_word_on_its_own_always_opts_out(word, before, after, lower):
    parsed = parse_sms(before + (word.lower() if lower else word) + after)
    assert parsed.kind == Kind.STOP


def test_no_command_or_synonym_is_a_carrier_keyword():
    assert not set(SYNONYMS) & (OPT_OUT_WORDS | OPT_IN_WORDS)
    assert set(SYNONYMS.values()) == set(VERBS)


@given(
    st.sampled_from(sorted(NEEDS_CODE)),
    st.sampled_from("ABCDEFGabcdefg"),
    st.integers(min_value=1, max_value=999),
    st.sampled_from([" ", "  ", ": ", " #", " - "]),
    st.sampled_from(["", " ", "-"]),
    st.sampled_from(["", ".", "!"]),
)
def test_a_call_code_is_read_however_it_is_spaced(verb, letter, number, gap, inner, end):
    parsed = parse_sms(f"{verb.title()}{gap}{letter}{inner}{number}{end}")
    assert parsed.kind == Kind.COMMAND and parsed.command is not None
    assert (parsed.command.verb, parsed.command.code) == (verb, f"{letter.upper()}{number}")


@pytest.mark.parametrize(
    ("body", "verb", "code", "text"),
    [
        ("no answer b12", "noanswer", "B12", None),
        ("My calls", "calls", None, None),
        ("CONCERN A3: she sounded low", "concern", "A3", "she sounded low"),
        ("URGENT A3 - fell, can't get up", "urgent", "A3", "fell, can't get up"),
        ("pause 31/12.", "pause", None, "31/12"),
        (
            "AVAIL Mon 10:00-12:00; Thu 14:00-16:00",
            "avail",
            None,
            "Mon 10:00-12:00; Thu 14:00-16:00",
        ),
        ("ｃｌａｉｍ Ａ３", "claim", "A3", None),
    ],
)
def test_commands_with_words_after_them(body, verb, code, text):
    parsed = parse_sms(body)
    assert parsed.command is not None
    assert (parsed.command.verb, parsed.command.code, parsed.command.text) == (verb, code, text)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("Stop sending these please", Kind.OTHER),  # a patient's phrasing: bot/sms/patients
        ("stop calling me so early", Kind.OTHER),
        ("cancel A3", Kind.OTHER),  # not an opt-out, and not a command either
        ("End", Kind.STOP),
        ("UNSTOP", Kind.START),
        ("help", Kind.HELP),
        ("help me please", Kind.COMMAND),  # a patient's cry for help goes to a person
        ("😀", Kind.EMPTY),
        ("", Kind.EMPTY),
        ("x" * MAX_BODY, Kind.OTHER),
        ("x" * (MAX_BODY + 1), Kind.TOO_LONG),
    ],
)
def test_what_a_text_looks_like(body, kind):
    assert parse_sms(body).kind == kind


def test_join_reads_code_name_and_optional_availability():
    parsed = parse_sms("join riverside123  Mary-Jane O'Neil, Mon 10:00-12:00; thu 14:00-16:00")
    assert parsed.join is not None
    assert (parsed.join.code, parsed.join.name, parsed.join.availability, parsed.join.problem) == (
        "RIVERSIDE123",
        "Mary-Jane O'Neil",
        ["Mon 10:00-12:00", "Thu 14:00-16:00"],
        None,
    )
    assert parse_sms("JOIN").join.problem  # type: ignore[union-attr]
