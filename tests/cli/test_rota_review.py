"""`rota build` at a practice's size: one line per reason, load per volunteer, phones in JSON."""

from __future__ import annotations

import json
import re
from collections import Counter

from bot.cli.summary import general_reason, uncovered_lines
from tests.support.cli_practice import PATIENTS, VOLUNTEERS, practice_files


def test_a_practice_sized_build_groups_the_uncovered_by_reason_and_shows_each_volunteers_load(
    cli, tmp_path
):
    patients, volunteers = practice_files(tmp_path)
    cli("import", "volunteers", str(volunteers))
    cli("import", "patients", str(patients))
    out = cli("rota", "build", "--week", "2026-W49", "--time-limit", "5").stdout
    view = json.loads(cli("rota", "show", "--week", "2026-W49", "--json").stdout)
    uncovered = view["uncovered"]
    assert len(uncovered) > 20, "the sample should leave calls uncovered"
    lines = out.splitlines()
    assert len(lines) < 60, f"{len(lines)} lines is not a summary"
    assert len(lines) == len(set(lines)), "a line is repeated"
    reasons = [line for line in lines if line.startswith("  - ")]
    assert len(reasons) == len({general_reason(u["reason"], u["patient_ref"]) for u in uncovered})
    counted = sum(int(re.search(r" — (\d+) calls?", line)[1]) for line in reasons)
    assert counted == len(uncovered)
    assert f"not covered: {len(uncovered)} calls" in out
    assert any("nobody speaks Polish" in line for line in reasons)
    # Every uncovered patient's ref is printed (once per reason, with ×N for repeats).
    assert {u["patient_ref"] for u in uncovered} <= set(re.findall(r"RP\d+", out))
    # Load per volunteer, against their maximum, named as the organiser knows them.
    load = view["summary"]["load"]
    assert load and all(re.fullmatch(r"\+447700900\d{3}", phone) for phone in load)
    assert sum(load.values()) == sum(1 for c in view["calls"] if c["volunteer"])
    assert Counter(c["volunteer"] for c in view["calls"] if c["volunteer"]) == load
    assert "load per volunteer (calls/max)" in out
    assert re.search(r"Volunteer \d+ \d+/\d+", out)
    assert len(load) <= VOLUNTEERS and PATIENTS == 300


def test_the_build_json_keys_load_by_phone(cli, tmp_path):
    patients, volunteers = practice_files(tmp_path)
    cli("import", "volunteers", str(volunteers))
    cli("import", "patients", str(patients))
    built = json.loads(
        cli("rota", "build", "--week", "2026-W49", "--json", "--time-limit", "5").stdout
    )
    assert set(built) >= {"group", "week", "status", "calls", "zoom_sessions", "uncovered"}
    assert all(phone.startswith("+44") for phone in built["summary"]["load"])


def test_uncovered_lines_name_each_reason_once_with_counts_and_wrapped_refs():
    uncovered = [{"patient_ref": f"RP{i}", "reason": "nobody speaks Polish"} for i in range(60)] + [
        {"patient_ref": "RP7", "reason": "no volunteer is free in RP7's windows (Mon 10:00-12:00)"},
        {"patient_ref": "RP8", "reason": "no volunteer is free in RP8's windows (Mon 10:00-12:00)"},
        {"patient_ref": "RP8", "reason": "no volunteer is free in RP8's windows (Mon 10:00-12:00)"},
    ]
    lines = uncovered_lines(uncovered)
    assert lines[0] == "  not covered: 63 calls for 60 patients, by reason:"
    assert lines[1].startswith("  - nobody speaks Polish — 60 calls (60 patients): RP0, RP1")
    assert all(len(line) <= 100 for line in lines)
    windows = [line for line in lines if "their windows" in line]
    assert windows == [
        "  - no volunteer is free in their windows (Mon 10:00-12:00) — 3 calls (2 patients): "
        "RP7, RP8\u00a0×2"
    ]
