"""Who ran a command, British dates, and alerts an organiser can read and acknowledge."""

from __future__ import annotations

import getpass
import json
from datetime import datetime

from rota.domain import OutcomeKind
from tests.support.sample import SAMPLE


def _actors(cli, action: str) -> set[str]:
    events = json.loads(cli("audit", "--json", "--limit", "500").stdout)
    return {e["actor"] for e in events if e["action"] == action}


def test_the_audit_log_names_the_operating_system_user_or_the_name_given_with_as(cli):
    cli("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    assert _actors(cli, "import.volunteers") == {f"cli:{getpass.getuser()}"}
    cli("--as", "Olive Organiser", "volunteers", "pause", "07700 900010", "--until", "2026-12-31")
    assert _actors(cli, "volunteer.pause") == {"cli:OliveOrganiser"}


def test_every_date_option_takes_british_and_iso_dates(cli):
    cli("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    cli("import", "patients", str(SAMPLE / "patients.csv"))
    out = cli("volunteers", "pause", "07700 900010", "--until", "31/12/2026").stdout
    assert "paused until Thu 31 Dec 2026" in out
    cli("volunteers", "resume", "07700 900010")
    out = cli("volunteers", "pause", "07700 900010", "--until", "2026-12-31").stdout
    assert "paused until Thu 31 Dec 2026" in out
    bad = cli("volunteers", "pause", "07700 900011", "--until", "31/13/2026", ok=False)
    assert bad.exit_code == 1 and "not a date like 2026-12-31 or 31/12/2026" in bad.stderr
    # A --week option also takes any day in the week.
    built = json.loads(cli("rota", "build", "--week", "03/12/2026", "--json").stdout)
    assert built["week"] == "2026-W49"
    assert json.loads(cli("rota", "show", "--week", "2026-12-05", "--json").stdout)["week"] == (
        "2026-W49"
    )
    wrong = cli("rota", "show", "--week", "soon", ok=False)
    assert "'soon' is not an ISO week like 2026-W49 or a date like 03/12/2026" in wrong.stderr


def _published_with_a_concern_and_a_reply(cli) -> tuple[str, str]:
    from rota.services import patient_replies, people
    from rota.services.outcomes import record_outcome

    cli("organiser", "add", "--telegram-id", "4242", "--name", "Olive")
    cli("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    cli("import", "patients", str(SAMPLE / "patients.csv"))
    cli("rota", "build", "--week", "2026-W49", "--time-limit", "5")
    cli("rota", "publish", "--week", "2026-W49")
    view = json.loads(cli("rota", "show", "--week", "2026-W49", "--json").stdout)
    call = next(c for c in view["calls"] if c["volunteer"])
    patients = {p["ref"]: p for p in json.loads(cli("patients", "list", "--json").stdout)}

    async def concern(db):
        gid = await people.group_id(db, None)
        vid = await people.volunteer_id_by_phone(db, gid, call["volunteer"])
        await record_outcome(
            db,
            vid,
            kind=OutcomeKind.CONCERN,
            code=call["code"],
            note="Sounded low, out of tablets",
            channel="sms",
            now=datetime.fromisoformat(call["ends_at"]),
        )
        other = next(r for r in patients if r != call["patient_ref"])
        await patient_replies.pass_on(
            db,
            group_id=gid,
            phone=patients[other]["phone"],
            body="Can you ring after lunch please",
            key="SM" + "0" * 32,
            now=datetime.fromisoformat(call["ends_at"]),
        )
        return other

    other = cli.run(concern)
    return call["patient_ref"], str(other)


def test_alerts_show_what_organisers_were_told_and_can_be_acknowledged_by_name(cli):
    concerned, replied = _published_with_a_concern_and_a_reply(cli)
    out = cli("alerts").stdout
    assert f"concern {concerned}" in out and "Sounded low, out of tablets" in out
    assert f"reply {replied}" in out and "Can you ring after lunch please" in out
    rows = json.loads(cli("alerts", "--json").stdout)
    assert {r["kind"] for r in rows} == {"concern", "reply"}
    first = next(r for r in rows if r["kind"] == "concern")
    said = cli("--as", "olive", "alerts", "ack", str(first["id"])).stdout
    assert "Acknowledged" in said
    assert [r["kind"] for r in json.loads(cli("alerts", "--json").stdout)] == ["reply"]
    assert _actors(cli, "escalation.ack") == {"cli:olive"}
    assert "Already acknowledged" in cli("alerts", "ack", str(first["id"])).stdout
    missing = cli("alerts", "ack", "999999", ok=False)
    assert missing.exit_code == 1 and "not one of your group's" in missing.stderr


def test_an_erased_patients_alert_no_longer_shows_their_words(cli):
    concerned, _ = _published_with_a_concern_and_a_reply(cli)
    cli("erase", "patient", concerned, "--yes")
    out = cli("alerts").stdout
    assert "Sounded low" not in out
    events = json.loads(cli("audit", "--json", "--action", "alerts.read").stdout)
    assert events and all(e["detail"]["escalations"] is not None for e in events)
