"""`organiser set` / `volunteers set`: each person's own hours and digest time (issue 19)."""

from __future__ import annotations

import json

from tests.support.sample import SAMPLE


def test_an_organiser_and_a_volunteer_set_their_own_hours_and_digest_time(cli):
    cli("organiser", "add", "--phone", "07700 900990", "--name", "Sam")
    cli("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    out = cli("organiser", "set", "quiet_hours", "08:00-21:00", "--phone", "07700 900990").stdout
    assert "quiet_hours = 08:00-21:00" in out
    assert (
        "digest_at = 18:30"
        in cli("organiser", "set", "digest_at", "18:30", "--phone", "07700 900990").stdout
    )
    assert (
        "quiet_hours = 10:00-17:00"
        in cli("volunteers", "set", "07700 900010", "quiet_hours", "10:00-17:00").stdout
    )
    assert (
        "quiet_hours = -" in cli("volunteers", "set", "07700 900010", "quiet_hours", "off").stdout
    )
    bad = cli("organiser", "set", "digest_at", "half six", "--phone", "07700 900990", ok=False)
    assert bad.exit_code == 1 and "digest_at should look like 18:00" in bad.stderr
    nobody = cli("organiser", "set", "digest_at", "07:00", "--telegram-id", "5", ok=False)
    assert nobody.exit_code == 1 and "no organiser" in nobody.stderr
    events = json.loads(cli("audit", "--json", "--limit", "500").stdout)
    assert {"organiser.set", "volunteer.set"} <= {e["action"] for e in events}


def test_the_group_sets_its_digest_time_and_console_address(cli):
    assert "digest_at = 07:30" in cli("group", "set", "digest_at", "07:30").stdout
    url = "https://console.example.org/riverside"
    assert url in cli("group", "set", "console_url", url).stdout
    assert "console_url = -" in cli("group", "set", "console_url", "-").stdout
    assert cli("group", "set", "console_url", "http://plain", ok=False).exit_code == 1


def test_messages_counts_what_was_sent_by_purpose_and_recipient(cli):
    cli("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    assert "no messages sent that week" in cli("messages", "--week", "2026-W49").stdout
    assert json.loads(cli("messages", "--week", "2026-W49", "--json").stdout) == []
