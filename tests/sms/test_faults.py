"""A bug behind a volunteer's text is a logged fault and an apology, never the bug's text."""

from __future__ import annotations

from rota.services.outcomes import EMERGENCY_LINE
from tests.support.usecases import calls

BILL = "+447700900011"
BUG = "Joan Whitfield +447700900104"  # what a bug's message could quote
APOLOGY = "Sorry, something went wrong. Please try again, or text HELP."


def _broken(error: Exception):
    async def broken(*_args: object, **_kwargs: object) -> object:
        raise error

    return broken


async def test_a_bug_in_a_command_is_an_apology_and_a_logged_fault(week, monkeypatch, caplog):
    monkeypatch.setattr("rota.services.calls.list_open_calls", _broken(KeyError(BUG)))
    assert await week.twilio.reply(BILL, "OPEN") == APOLOGY
    [fault] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert fault.getMessage().startswith("sms open failed: KeyError at ")
    assert "Joan" not in fault.getMessage() and fault.exc_info is None
    assert await week.twilio.reply(BILL, "RELEASE D3") == "Call D3 is not yours to release."


async def test_a_bug_while_raising_an_urgent_alert_still_gives_the_emergency_numbers(
    week, monkeypatch
):
    mine = next(c for c in await calls(week.db) if c.volunteer_id == week.world.vid(BILL))
    monkeypatch.setattr("rota.services.outcomes.record_outcome", _broken(ValueError(BUG)))
    reply = await week.twilio.reply(BILL, f"URGENT {mine.code} fell over")
    assert reply == f"{EMERGENCY_LINE} {APOLOGY}"
