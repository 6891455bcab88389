"""`ringround volunteers feed PHONE [--revoke]`: the URL a volunteer's phone subscribes to."""

from __future__ import annotations

import json

from integrations.fakes.clock import FixedClock
from tests.support.calendar_feeds import feed_client
from tests.support.sample import SAMPLE

PHONE = "07700 900010"


def status_of(cli, path: str) -> int:
    async def fetch(db) -> int:
        async with feed_client(db, FixedClock(cli.now)) as client:
            return (await client.get(path)).status_code

    return cli.run(fetch)


def test_an_organiser_prints_a_volunteers_feed_url_replaces_and_revokes_it(cli, monkeypatch):
    cli("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    first = cli("volunteers", "feed", PHONE)
    webcal, https, hint = first.stdout.splitlines()
    assert webcal.startswith("webcal://127.0.0.1:8080/calendar/") and webcal.endswith(".ics")
    assert https == "http://" + webcal.removeprefix("webcal://")
    assert "webcal://" in hint and "Google Calendar" in hint
    assert "RINGROUND_PUBLIC_BASE_URL is not set" in first.stderr
    old = https.removeprefix("http://127.0.0.1:8080")
    assert status_of(cli, old) == 200

    monkeypatch.setenv("RINGROUND_PUBLIC_BASE_URL", "https://ringround.example.org/riverside/")
    second = cli("volunteers", "feed", PHONE)
    webcal, https, _ = second.stdout.splitlines()
    assert webcal.startswith("webcal://ringround.example.org/riverside/calendar/")
    assert https == "https://" + webcal.removeprefix("webcal://")
    assert "previous feed URL no longer works" in second.stderr
    assert "RINGROUND_PUBLIC_BASE_URL" not in second.stderr
    new = https.removeprefix("https://ringround.example.org/riverside")
    assert status_of(cli, old) == 404 and status_of(cli, new) == 200

    assert "no longer works" in cli("volunteers", "feed", PHONE, "--revoke").stdout
    assert status_of(cli, new) == 404
    assert "had no calendar feed" in cli("volunteers", "feed", PHONE, "--revoke").stdout
    unknown = cli("volunteers", "feed", "07700 900998", ok=False)
    assert unknown.exit_code == 1 and "no volunteer" in unknown.stderr

    audit = cli("audit", "--json", "--limit", "500").stdout
    actions = [e["action"] for e in json.loads(audit)]
    assert actions.count("calendar_feed.issue") == 2 and actions.count("calendar_feed.revoke") == 1
    for path in (old, new):
        assert path.removeprefix("/calendar/").removesuffix(".ics") not in audit
