"""Texting hours and who may be texted: pure rules, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.domain import PhoneKind, Risk
from rota.outbox import next_allowed_send, suppression_reason
from rota.storage import Patient

LONDON = ZoneInfo("Europe/London")
NINE, EIGHT_PM = 9 * 60, 20 * 60


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_a_text_due_inside_texting_hours_goes_at_once():
    due = london(2026, 11, 23, 10, 15)
    assert next_allowed_send(due, "Europe/London", NINE, EIGHT_PM) == due


def test_a_text_due_at_21_30_waits_until_09_00_the_next_morning():
    opening = next_allowed_send(london(2026, 11, 23, 21, 30), "Europe/London", NINE, EIGHT_PM)
    assert opening == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert opening.tzinfo == UTC


def test_a_text_due_at_06_00_waits_until_09_00_the_same_day():
    opening = next_allowed_send(london(2026, 7, 1, 6, 0), "Europe/London", NINE, EIGHT_PM)
    assert opening == london(2026, 7, 1, 9, 0)  # 08:00 UTC in summer time


def test_20_00_is_already_quiet_but_19_59_is_not():
    assert next_allowed_send(london(2026, 7, 1, 19, 59), LONDON, NINE, EIGHT_PM) == london(
        2026, 7, 1, 19, 59
    )
    assert next_allowed_send(london(2026, 7, 1, 20, 0), LONDON, NINE, EIGHT_PM) == london(
        2026, 7, 2, 9, 0
    )


def test_the_night_the_clocks_go_forward_the_text_still_goes_at_09_00_local():
    # Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST overnight.
    opening = next_allowed_send(london(2026, 3, 28, 21, 30), "Europe/London", NINE, EIGHT_PM)
    assert opening == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_the_night_the_clocks_go_back_the_text_still_goes_at_09_00_local():
    # Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT overnight.
    opening = next_allowed_send(london(2026, 10, 24, 21, 30), "Europe/London", NINE, EIGHT_PM)
    assert opening == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)


def test_a_window_that_runs_past_midnight_opens_the_same_evening():
    night_shift = (22 * 60, 2 * 60)
    assert next_allowed_send(london(2026, 11, 23, 23, 0), LONDON, *night_shift) == london(
        2026, 11, 23, 23, 0
    )
    assert next_allowed_send(london(2026, 11, 23, 12, 0), LONDON, *night_shift) == london(
        2026, 11, 23, 22, 0
    )


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        next_allowed_send(datetime(2026, 11, 23, 21, 30), LONDON, NINE, EIGHT_PM)


def allowed(moment: datetime, start: int, end: int) -> bool:
    local = moment.astimezone(LONDON)
    minute = local.hour * 60 + local.minute
    return start <= minute < end if start < end else (minute >= start or minute < end)


@given(
    due=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    start=st.integers(0, 23 * 60 + 59),
    length=st.integers(1, 23 * 60),
)
def test_a_text_goes_at_the_first_allowed_minute_and_never_early(due, start, length):
    end = (start + length) % (24 * 60)
    opening = next_allowed_send(due, LONDON, start, end)
    assert opening >= due
    assert allowed(opening, start, end)
    if opening != due:
        assert opening - due <= timedelta(hours=25)
        # Nothing earlier was allowed - except for a window opening inside the hour the
        # clocks skip (01:00-02:00 in London), which opens an hour late by the wall clock that day.
        if not 60 <= start < 120:
            assert not allowed(opening - timedelta(minutes=1), start, end)


def facts(**kw: object) -> SimpleNamespace:
    base = {
        "phone_kind": PhoneKind.MOBILE,
        "sms_consent": True,
        "opted_out_at": None,
        "active": True,
        "sms_undeliverable_at": None,
    }
    return SimpleNamespace(**(base | kw))


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({}, None),
        ({"phone_kind": PhoneKind.LANDLINE}, "landline"),
        ({"phone_kind": PhoneKind.OTHER}, "landline"),
        ({"sms_consent": False}, "no consent"),
        ({"opted_out_at": datetime(2026, 11, 1, tzinfo=UTC)}, "opted out"),
        ({"active": False}, "no longer on the list"),
        (
            {"sms_undeliverable_at": datetime(2026, 11, 1, tzinfo=UTC)},
            "number cannot receive texts",
        ),
    ],
)
def test_a_patient_is_texted_only_on_a_consenting_mobile_that_has_not_opted_out(kw, reason):
    assert suppression_reason(facts(**kw)) == reason


def test_the_rule_reads_a_stored_patient_record_too():
    patient = Patient(
        ref="P1", name="Edith", phone="+441632960001", phone_kind=PhoneKind.LANDLINE,
        risk=Risk.HIGH, sms_consent=True,
    )  # fmt: skip
    assert suppression_reason(patient) == "landline"
