"""Publishing a week already under way or over, and erasing someone, ask first (or --yes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.support.sample import SAMPLE

IN_W49 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # Wednesday midday of 2026-W49
AFTER_W49 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def _draft(cli, week: str = "2026-W49") -> None:
    cli("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    cli("import", "patients", str(SAMPLE / "patients.csv"))
    cli("rota", "build", "--week", week, "--time-limit", "5")


def _status(cli, week: str = "2026-W49") -> str:
    return json.loads(cli("rota", "show", "--week", week, "--json").stdout)["status"]


def test_publishing_a_week_under_way_without_an_answer_is_refused_and_changes_nothing(cli):
    _draft(cli)
    cli.now = IN_W49
    refused = cli("rota", "publish", "--week", "2026-W49", ok=False)
    assert refused.exit_code == 1
    assert "2026-W49 is under way" in refused.stderr and "--yes" in refused.stderr
    assert _status(cli) == "draft"
    said_no = cli("rota", "publish", "--week", "2026-W49", input="n\n", ok=False)
    assert said_no.exit_code == 1 and "nothing was changed" in said_no.stderr
    assert _status(cli) == "draft"
    said_yes = cli("rota", "publish", "--week", "2026-W49", input="y\n")
    assert "published 2026-W49" in said_yes.stdout
    assert _status(cli) == "published"


def test_publishing_a_past_week_needs_yes(cli):
    _draft(cli)
    cli.now = AFTER_W49
    refused = cli("rota", "publish", "--week", "2026-W49", ok=False)
    assert "2026-W49 is over" in refused.stderr
    assert "published 2026-W49" in cli("rota", "publish", "--week", "2026-W49", "--yes").stdout


def test_publishing_next_week_asks_nothing_and_says_who_is_told_and_when(cli):
    _draft(cli)
    out = cli("rota", "publish", "--week", "2026-W49").stdout
    view = json.loads(cli("rota", "show", "--week", "2026-W49", "--json").stdout)
    holders = {c["volunteer"] for c in view["calls"] if c["volunteer"]}
    assert f"{len(holders)} volunteer(s) will be told their calls" in out
    assert "`ringround serve` is running" in out
    assert "?" not in out


def test_erasing_a_patient_asks_first_and_yes_skips_the_question(cli):
    cli("import", "patients", str(SAMPLE / "patients.csv"))
    refused = cli("erase", "patient", "RP1001", ok=False)
    assert refused.exit_code == 1 and "cannot be undone" in refused.stderr
    refs = {r["ref"] for r in json.loads(cli("patients", "list", "--json").stdout)}
    assert "RP1001" in refs
    assert "erased patient RP1001" in cli("erase", "patient", "RP1001", input="y\n").stdout
    assert "erased patient RP1002" in cli("erase", "patient", "RP1002", "--yes").stdout
    refs = {r["ref"] for r in json.loads(cli("patients", "list", "--json").stdout)}
    assert not {"RP1001", "RP1002"} & refs


def test_erasing_a_volunteer_asks_first(cli):
    cli("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    refused = cli("erase", "volunteer", "07700 900010", ok=False)
    assert "cannot be undone" in refused.stderr
    phones = {r["phone"] for r in json.loads(cli("volunteers", "list", "--json").stdout)}
    assert "+447700900010" in phones
    assert "erased volunteer" in cli("erase", "volunteer", "07700 900010", "-y").stdout
