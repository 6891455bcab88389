"""`ringround demo`: a whole simulated week through the real bot, webhook, sweeps and outbox."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app as cli_app
from bot.demo import DemoResult, run_demo
from rota.phones import parse_phone
from rota.sample import SAMPLE_DIR

ROOT = Path(__file__).resolve().parents[1]
HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?>")
RAW_ID = re.compile(
    r"call_id|\b(volunteer|patient|organiser|escalation|call|rota|ack|done|take|claim|swap)"
    r"[:_]\d+"
)


def sample_patients() -> dict[str, dict[str, str]]:
    """Name -> row, with the phone in E.164."""
    with (SAMPLE_DIR / "patients.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["e164"] = parse_phone(row["phone"], allow_fictional=True).e164
    return {row["name"]: row for row in rows}


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, str, Path]:
    """One in-process run shared by the tests below (a week takes a few seconds)."""
    chart = tmp_path_factory.mktemp("demo") / "chart.png"
    out = io.StringIO()
    result = asyncio.run(run_demo(out, chart=chart))
    return result, out.getvalue(), chart


def story_time(result: DemoResult, words: str) -> tuple[datetime, str]:
    found = [(at, text) for at, text in result.story if words in text]
    assert found, f"no '{words}' in the story: {result.story}"
    return found[0]


def test_the_demo_runs_cleanly(played):
    # How long it takes is measured, not asserted: README "Measurements".
    result, output, _chart = played
    assert result.exit_code == 0, result.problems
    assert result.problems == []
    assert 120 <= len(output.splitlines()) <= 340  # a readable page or two, not a flood


def test_every_scripted_event_shows_in_the_output(played):
    result, output, _chart = played
    # An SMS volunteer claims an open call by text and logs it with DONE.
    claim = re.search(r"(\w+) texts: CLAIM ([A-Z]+\d+)", output)
    assert claim, output
    assert f"Call {claim[2]} is yours." in output
    story_time(result, f"texts DONE {claim[2]}")
    # A swap offered on Telegram and taken by another volunteer.
    assert re.search(r": /swap [A-Z]+\d+", output)
    assert re.search(r"taps 'Take [A-Z]+\d+'", output)
    assert re.search(r"\w+ \w+ has taken call [A-Z]+\d+", output)
    # A missed call: the volunteer is chased; a high-risk patient's gets a make-up call and the
    # organisers are asked at once (issue 19); others wait for the daily digest.
    assert "How did call" in output
    assert "was missed" in output and "Make-up call" in output
    # No answer books a retry.
    assert "taps 'No answer'" in output and "Please try again" in output
    # The concern reaches the organiser at once, who acknowledges it with the button.
    assert re.search(r"texts: CONCERN [A-Z]+\d+ seemed low", output)
    assert re.search(r"bot: Concern from [\w ]+ about [\w ]+ \(RP\d+\), call [A-Z]+\d+", output)
    assert "Olive taps 'Seen, I'll follow up'" in output and "Acknowledged." in output
    # A patient's STOP is confirmed once, however often they send it.
    assert "texts: STOP" in output
    assert output.count("You will get no more texts from") == 1
    # The weekly report, to the organiser and printed at the end.
    assert re.search(r"Week 2026-W49: \d+ of \d+ patients reached", output)
    assert re.search(r"\(the full report is printed\s+at the end\)", output)  # on their Telegram
    assert result.report["patients_due"] >= result.report["reached"] > 0
    # one no answer logged by hand (above), one rung through the group's number (below)
    assert result.report["concerns"] == 1 and result.report["no_answer"] == 2
    assert "The practice contact" in output


def test_one_call_is_bridged_through_the_group_number_and_one_unanswered_books_a_retry(played):
    result, output, _chart = played
    _at, bridged = story_time(result, "through the group's number: connected, 12 minutes")
    _at, rung_out = story_time(result, "through the group's number: no answer")
    assert "a retry is booked" in rung_out
    code = re.search(r"rings call ([A-Z]+\d+)", bridged)[1]
    unanswered = re.search(r"rings call ([A-Z]+\d+)", rung_out)[1]
    # each volunteer heard their call offered by code and first name, and pressed its key
    for rung in (code, unanswered):
        assert re.search(rf'dials in: "For call {rung}, to \w+, [^"]+, press \d\."', output)
    assert "the patient, seeing the group's number, picks up; 12 min" in output
    assert f"Call {code} lasted 12 min. How did it go? Please log it now." in output
    assert re.search(r"the patient's phone rings out; then hears \"There was no\s+answer", output)
    retry = re.search(r"Please try again [^(]+\(call ([A-Z]+\d+)\)", output)
    assert retry and retry[1] not in (code, unanswered)
    # both are attempts in the report, the bridged one answered, with its minutes
    report = result.report
    assert (report["attempts"], report["answered"], report["minutes"]) == (2, 1, 12)
    by_code = {c["code"]: c["attempts"] for c in report["call_attempts"]}
    assert [(a["result"], a["seconds"]) for a in by_code[code]] == [("completed", 720)]
    assert [(a["result"], a["seconds"]) for a in by_code[unanswered]] == [("no-answer", 0)]


def test_output_is_plain_english(played):
    _result, output, _chart = played
    assert "Traceback" not in output and "Error" not in output
    assert not HTML_TAG.search(output), HTML_TAG.search(output)
    assert "&lt;" not in output and "&amp;" not in output
    assert not RAW_ID.search(output), RAW_ID.search(output)
    assert "{" not in output  # no JSON


def test_nothing_is_texted_to_a_landline_or_after_stop(played):
    result, _output, _chart = played
    patients = sample_patients()
    landlines = {
        row["e164"]
        for row in patients.values()
        if not parse_phone(row["phone"], allow_fictional=True).is_mobile
    }
    assert landlines
    assert not [m.address for _, m in result.sms_sent if m.address in landlines]
    stopped_at, text = story_time(result, "replies STOP")
    name = text.split(" (a patient)")[0]
    phone = patients[name]["e164"]
    before = [at for at, m in result.sms_sent if m.address == phone and at <= stopped_at]
    after = [m.body for at, m in result.sms_sent if m.address == phone and at > stopped_at]
    assert before and after == []


def test_the_chart_is_written_only_where_asked(played):
    _result, output, chart = played
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert f"The report's chart is in {chart}" in output


def test_the_ringround_demo_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGROUND_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,  # the demo leaves nothing behind in the working directory
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,  # a hang guard only: the demo takes seconds (README "Measurements")
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Weekly coverage report" in done.stdout
    assert "./dev demo --chart chart.png" in done.stdout
    assert list(tmp_path.iterdir()) == []


def printed_commands(output: str) -> list[list[str]]:
    """Every `ringround …` command the demo tells a newcomer to run."""
    found = re.findall(r"(?:\(|`)(?:\./dev |\.venv/bin/)?(ringround [^)`]*)[)`]", output)
    return [shlex.split(command)[1:] for command in found]


def usage_error(args: list[str], database: Path) -> str | None:
    """What `ringround` says if it cannot even parse this command line, else None.

    The command runs against an empty database, so it fails later for want of a group;
    what matters here is only whether the words and options exist.
    """
    result = CliRunner().invoke(
        cli_app, args, env={"RINGROUND_DATABASE_URL": f"sqlite:///{database}"}
    )
    if result.exit_code == 2 and "Usage:" in result.output:
        return result.output
    return None


def test_every_command_the_demo_prints_is_one_that_works(played, tmp_path):
    _result, output, _chart = played
    commands = printed_commands(output)
    assert ["rota", "build"] in [c[:2] for c in commands], commands
    assert ["--help"] in commands
    for args in commands:
        assert usage_error(args, tmp_path / "empty.db") is None, args


def test_a_wrong_command_line_would_be_caught(tmp_path):
    assert usage_error(["rota", "publish", "2026-W49"], tmp_path / "empty.db")
