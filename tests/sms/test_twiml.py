"""Every SMS reply is well-formed TwiML, whatever was texted (issue 13, point 7).

The PAUSE refusal echoed control characters into the reply, and XML 1.0 cannot carry them:
Twilio rejects such a reply whole. Each reply path is driven through the real app with
fuzzed text and read back with an independent parser (the standard library's expat).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sms.webhook import twiml
from tests.support.sms import GROUP_NUMBER

JOAN = "+447700900104"  # a patient
BILL = "+447700900011"  # a volunteer
STRANGER = "+447700900999"  # nobody: the sign-up path
ELSEWHERE = "+441632960777"  # a number no group answers on (one group: routed to it)

# Every branch of bot/sms/conversation.py and bot/sms/patients.py that answers something.
LEADS = [
    "",
    "PAUSE ",
    "PAUSE 31/12 ",
    "JOIN ",
    "JOIN RIVER123 ",
    "JOIN RIVER123 Jane ",
    "CLAIM ",
    "DONE A1 ",
    "CONCERN A1 ",
    "AVAIL ",
    "AVAIL Mon 10:00-12:00; ",
    "SWAP ",
    "TAKE ",
    "RELEASE ",
    "CANCEL ",
    "HELP",
    "START",
    "YES ",
    "stop calling ",
]
# Anything at all, with the characters that broke it made likely.
NASTY = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(
            ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\ufffe", "<", "&", ">"]
        ),
    ),
    max_size=80,
)


def reply_text(xml: str) -> str:
    root = ET.fromstring(xml.encode("utf-8"))  # raises ParseError on anything not XML 1.0
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1 and len(root) == len(messages)
    return messages[0].text or "" if messages else ""


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_the_twiml_builder_makes_well_formed_xml_of_any_text(text):
    body = twiml(text).body.decode("utf-8")
    assert "\x00" not in reply_text(body)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sender=st.sampled_from([JOAN, BILL, STRANGER]),
    to=st.sampled_from([GROUP_NUMBER, ELSEWHERE]),
    lead=st.sampled_from(LEADS),
    tail=NASTY,
)
async def test_every_sms_reply_path_answers_well_formed_xml_to_fuzzed_text(
    week, sender, to, lead, tail
):
    response = await week.twilio.text(sender, lead + tail, to=to)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    text = reply_text(response.text)
    assert not any(ch < " " and ch != "\n" for ch in text)


async def test_a_pause_refusal_echoing_control_characters_is_well_formed(week):
    response = await week.twilio.text(BILL, "PAUSE \x01\x02\x1bnext\x08 week\x0b")
    assert reply_text(response.text) == "'next week' is not a date I know. Try 2026-12-31 or 31/12."
