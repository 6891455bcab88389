"""The `ringround` command line, driven as a user would, on a throwaway SQLite file."""

from __future__ import annotations

import csv
import io
import json

import click
import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.support.sample import NOW, SAMPLE


@pytest.fixture
def ringround(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RINGROUND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RINGROUND_ALLOW_FICTIONAL_NUMBERS", "true")
    monkeypatch.setenv("RINGROUND_AS", "olive")
    # The week before 2026-W49, whatever day the tests run: publishing it asks nothing.
    monkeypatch.setattr("bot.composition.now", lambda: NOW)
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(app, list(args))
        if ok:
            assert result.exit_code == 0, (result.output, result.stderr)
        return result

    invoke("db", "upgrade")
    invoke("group", "create", "Riverside PPG")
    return invoke


def test_patients_list_json_after_importing_the_bundled_sample(ringround):
    ringround("import", "patients", str(SAMPLE / "patients.csv"))
    rows = json.loads(ringround("patients", "list", "--json").stdout)
    assert len(rows) == 40
    keys = {
        "ref",
        "name",
        "phone",
        "risk",
        "calls_per_week",
        "textable",
        "language",
        "zoom",
        "active",
    }
    assert all(keys <= set(row) for row in rows)
    assert all(row["phone"].startswith("+44") and row["phone"][1:].isdigit() for row in rows)
    landlines = [r for r in rows if r["phone"].startswith("+441632")]
    assert landlines and not any(r["textable"] for r in landlines)
    assert any(r["textable"] for r in rows)


def test_volunteers_list_json_has_the_documented_shape(ringround):
    ringround("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    rows = json.loads(ringround("volunteers", "list", "--json").stdout)
    assert {r["status"] for r in rows} == {"active"}
    keys = {
        "name",
        "phone",
        "channel",
        "status",
        "max_calls",
        "languages",
        "zoom_host",
        "telegram_linked",
    }
    assert all(keys <= set(r) for r in rows)


def test_a_dry_run_prints_what_would_change_and_changes_nothing(ringround):
    out = ringround("import", "patients", str(SAMPLE / "patients.csv"), "--dry-run").stdout
    assert "40 would be added" in out and "nothing was changed" in out
    assert json.loads(ringround("patients", "list", "--json").stdout) == []


def test_a_bad_file_exits_non_zero_with_row_numbers_on_stderr(ringround, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ref,name,phone,risk\nP1,Ann,07700 900001,high\nP2,Bob,nonsense,high\n")
    result = ringround("import", "patients", str(bad), ok=False)
    assert result.exit_code == 1
    assert "row 3: phone" in result.stderr and "nothing imported" in result.stderr


def test_csv_export_neutralises_formula_injection(ringround, tmp_path):
    evil = tmp_path / "evil.csv"
    evil.write_text('ref,name,phone,risk\n"=HYPERLINK(""http://x"")",@SUM(A1),07700 900001,high\n')
    ringround("import", "patients", str(evil))
    out = ringround("patients", "list", "--csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][1] == "'@SUM(A1)"
    assert all(not cell or cell[0] not in "=+-@" for row in rows for cell in row)


def test_an_unknown_group_is_a_clear_error(ringround):
    result = ringround("patients", "list", "--group", "Nowhere", ok=False)
    assert result.exit_code == 1 and "no group called 'Nowhere'" in result.stderr


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help(ringround):
    import typer.main

    root = typer.main.get_command(app)
    for path in _commands(root):
        result = ringround(*path, "--help")
        assert "Usage" in result.stdout, path


def test_the_weekly_rota_routine_from_the_command_line(ringround, tmp_path):
    ringround("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    ringround("import", "patients", str(SAMPLE / "patients.csv"))
    ringround("sessions", "add", "Wed 10:30-11:30", "--capacity", "6")
    assert json.loads(ringround("sessions", "list", "--json").stdout)[0]["capacity"] == 6
    built = json.loads(ringround("rota", "build", "--week", "2026-W49", "--json").stdout)
    assert built["status"] == "draft" and built["calls"]
    assert "published 2026-W49" in ringround("rota", "publish", "--week", "2026-W49").stdout
    shown = json.loads(ringround("rota", "show", "--week", "2026-W49", "--json").stdout)
    assert shown["status"] == "published" and shown["calls"] == built["calls"]
    assert ringround("rota", "show", "--week", "2026-W49", "--csv").stdout.startswith("code,day,")
    ics = ringround("rota", "show", "--week", "2026-W49", "--ics", "07700 900010").stdout
    assert ics.startswith("BEGIN:VCALENDAR")
    page = tmp_path / "rota.html"
    ringround("rota", "show", "--week", "2026-W49", "--html", str(page))
    assert "2026-W49" in page.read_text()
    for by in ("day", "volunteer"):
        printed = tmp_path / f"rota-{by}.pdf"
        ringround("rota", "show", "--week", "2026-W49", "--pdf", str(printed), "--by", by)
        assert printed.read_bytes().startswith(b"%PDF-")
    again = ringround("rota", "build", "--week", "2026-W49", ok=False)
    assert again.exit_code == 1 and "already published" in again.stderr
    bad = ringround("rota", "build", "--week", "2026-W60", ok=False)
    assert bad.exit_code == 1 and "has no week 60" in bad.stderr


def test_erasure_audit_alerts_purge_and_invites_from_the_command_line(ringround):
    ringround("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    ringround("import", "patients", str(SAMPLE / "patients.csv"))
    link = ringround("volunteers", "invite", "07700 900010").stdout.strip()
    assert link.startswith("https://t.me/RingroundBot?start=inv_")
    assert "erased patient RP1001" in ringround("erase", "patient", "RP1001", "--yes").stdout
    assert (
        "no patient with ref 'RP1001'"
        in ringround("erase", "patient", "RP1001", "--yes", ok=False).stderr
    )
    events = json.loads(ringround("audit", "--json").stdout)
    assert {"patient.erase", "volunteer.invite", "import.patients"} <= {e["action"] for e in events}
    assert all("Kowalski" not in json.dumps(e) for e in events)
    assert "no open alerts" in ringround("alerts").stdout
    assert "purged" in ringround("purge").stdout


def test_an_organiser_pauses_resumes_and_approves_volunteers_from_the_command_line(ringround):
    ringround("import", "volunteers", str(SAMPLE / "volunteers.csv"))
    out = ringround("volunteers", "pause", "07700 900010", "--until", "2026-12-31").stdout
    assert "paused until Thu 31 Dec 2026" in out
    rows = {r["phone"]: r for r in json.loads(ringround("volunteers", "list", "--json").stdout)}
    assert rows["+447700900010"]["status"] == "paused"
    assert "back on the rota" in ringround("volunteers", "resume", "07700 900010").stdout
    refused = ringround("volunteers", "resume", "07700 900010", ok=False)
    assert refused.exit_code == 1 and "not paused" in refused.stderr
    assert (
        "no volunteer with phone"
        in ringround("volunteers", "approve", "07700 900999", ok=False).stderr
    )
    events = json.loads(ringround("audit", "--json").stdout)
    assert {"volunteer.pause", "volunteer.resume"} <= {e["action"] for e in events}
    assert {e["actor"] for e in events if e["action"] == "volunteer.pause"} == {"cli:olive"}


def test_a_partial_list_stops_with_how_many_and_allow_deactivate_proceeds(ringround, tmp_path):
    ringround("import", "patients", str(SAMPLE / "patients.csv"))
    lines = (SAMPLE / "patients.csv").read_text().splitlines()
    partial = tmp_path / "page-one.csv"
    partial.write_text("\n".join(lines[:11]) + "\n")  # the header and 10 of the 40 patients
    result = ringround("import", "patients", str(partial), ok=False)
    assert result.exit_code == 1
    assert "deactivate 30 of 40 active patients" in result.stderr
    assert "--allow-deactivate" in result.stderr
    rows = json.loads(ringround("patients", "list", "--json").stdout)
    assert sum(r["active"] for r in rows) == 40
    ringround("import", "patients", str(partial), "--allow-deactivate")
    rows = json.loads(ringround("patients", "list", "--json").stdout)
    assert sum(r["active"] for r in rows) == 10


def test_an_xlsx_file_imports_from_the_command_line(ringround, tmp_path):
    from tests.support.workbooks import as_xlsm, xlsx

    rows = [
        ["ref", "name", "phone", "risk"],
        *[[f"X{i}", f"P {i}", 7700900100 + i, "high"] for i in range(25)],
    ]
    book = tmp_path / "at-risk.xlsx"
    book.write_bytes(xlsx(rows))
    assert "25 were added" in ringround("import", "patients", str(book)).stdout
    macro = tmp_path / "at-risk.xlsm"
    macro.write_bytes(as_xlsm(xlsx(rows)))
    result = ringround("import", "patients", str(macro), ok=False)
    assert result.exit_code == 1 and "macro" in result.stderr


@pytest.mark.parametrize("kind", ["patients", "volunteers"])
def test_the_template_has_every_column_and_example_rows_that_import(ringround, tmp_path, kind):
    template = tmp_path / f"{kind}.csv"
    ringround("import", "template", kind, str(template))
    rows = list(csv.reader(io.StringIO(template.read_text(encoding="utf-8-sig"))))
    assert len(rows) >= 3 and all(
        "07700 900" in "".join(r) or "01632 960" in "".join(r) for r in rows[1:]
    )
    out = ringround("import", kind, str(template)).stdout
    assert f"{len(rows) - 1} were added" in out
    assert ringround("import", "template", kind, str(template), ok=False).exit_code == 1
