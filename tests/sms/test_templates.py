"""Every text a patient can get fits PATIENT_MAX_SEGMENTS in GSM-7, whatever the names.

Refused here, in tests, rather than trimmed or split at send time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.sms.conversation import (
    ASK_AVAILABILITY,
    CANCEL_HINT,
    NEW_VOLUNTEER,
    ORGANISER,
    UNKNOWN_NUMBER,
    USAGE,
)
from rota.services.patient_texts import (
    PATIENT_MAX_SEGMENTS,
    check_in_text,
    greeting_name,
    gsm_plain,
    help_text,
    opt_in_confirmation,
    opt_out_confirmation,
    reply_received_text,
    zoom_invite_text,
)
from rota.sms_text import measure

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
END = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ZOOM = "https://us06web.zoom.us/j/81234567890?pwd=bGtSa0VxZm5RaE1nUzZzQ1Q3ZkR0Zz09.1"
NAMES = [
    "Jo Li",
    "Bartholomew-Maximilian Featherstonehaugh",
    "Mrs Wilhelmina Ffoulkes-Montgomery-Smythe",
    "Dariusz Wiśniewski",
    "Zoë Łukasiewicz",
    "Siobhán Ní Bhriain",
    "王小明",
    "Grace 🌸 Adeyemi",
]
GROUPS = [
    "Riverside PPG",
    "St Mary's and St John's Medical Practice Patient Participation Group (Little Snoring)",
    "Gesundheitszentrum Müller-Lüdenscheidt Patientenbeirat",
]


def patient_texts(name: str, group: str) -> dict[str, str]:
    return {
        "check-in": check_in_text(name, group, START, END, LONDON),
        "zoom invite": zoom_invite_text(name, group, START, LONDON, ZOOM),
        "STOP confirmation": opt_out_confirmation(group),
        "START confirmation": opt_in_confirmation(group),
        "HELP reply": help_text(group, "+441632960999"),
        "reply received": reply_received_text(group),
    }


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("name", NAMES)
def test_every_patient_text_fits_two_gsm_segments_whatever_the_names(name, group):
    for template, text in patient_texts(name, group).items():
        size = measure(text)
        assert size.encoding == "GSM-7", (template, text)
        assert size.segments <= PATIENT_MAX_SEGMENTS, (template, text, size)


def test_texts_with_ordinary_names_fit_one_segment_except_the_two_invitations():
    sizes = {
        k: measure(v).segments for k, v in patient_texts("Doris Holt", "Riverside PPG").items()
    }
    assert sizes == {
        "check-in": 1,
        "zoom invite": 2,  # the Zoom link alone is ~80 characters
        "STOP confirmation": 1,
        "START confirmation": 1,
        "HELP reply": 1,
        "reply received": 1,
    }


def test_the_check_in_text_reads_as_the_product_describes():
    assert check_in_text("Doris Holt", "Riverside PPG", START, END, LONDON) == (
        "Hello Doris, a volunteer from Riverside PPG will ring you today between 10:00 and "
        "12:00. Reply STOP to stop these texts."
    )


def test_a_check_in_in_summer_time_uses_local_clock_times():
    summer = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)
    text = check_in_text("Doris Holt", "Riverside PPG", summer, summer.replace(hour=11), LONDON)
    assert "between 10:00 and 12:00" in text


def test_names_are_greeted_in_plain_letters():
    assert greeting_name("Dariusz Wiśniewski") == "Dariusz"
    assert greeting_name("Mrs Doris Holt") == "Mrs Holt"
    assert greeting_name("Łucja Nowak") == "Lucja"
    assert greeting_name("王小明") == ""
    assert check_in_text("王小明", "Riverside PPG", START, END, LONDON).startswith(
        "Hello, a volunteer"
    )
    assert gsm_plain("Line\nbreak", 40) == "Line break"
    assert gsm_plain("A" * 30, 20) == "A" * 20 + "."


@pytest.mark.parametrize("text", [USAGE, USAGE + CANCEL_HINT, UNKNOWN_NUMBER, ORGANISER])
def test_our_own_sms_replies_fit_one_segment(text):
    assert measure(text).segments == 1


def test_the_new_volunteer_reply_fits_one_segment_with_long_names():
    name, group = gsm_plain(NAMES[1], 20), gsm_plain(GROUPS[1], 40)
    text = NEW_VOLUNTEER.format(name=name, group=group) + ASK_AVAILABILITY
    assert measure(text).segments == 1
