"""A bug in a command is a logged fault and an apology, never its text shown as a refusal."""

from __future__ import annotations

import pytest

BUG = "Joan Whitfield +447700900104"  # what a bug's message could quote


def test_a_bug_in_a_use_case_is_an_apology_and_a_logged_fault(cli, monkeypatch, caplog):
    def broken(*_args: object, **_kwargs: object) -> dict[str, str]:
        raise ValueError(BUG)  # once taken for a refusal, and printed

    monkeypatch.setattr("rota.services.groups.describe_settings", broken)
    result = cli("group", "list", ok=False)
    assert result.exit_code == 1 and "something went wrong" in result.stderr
    assert "Joan" not in result.output and "Joan" not in result.stderr
    [fault] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert fault.getMessage().startswith("command failed: ValueError at ")
    assert "in broken" in fault.getMessage() and fault.exc_info is None


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("group", "create", "Riverside PPG"), "there is already a group called 'Riverside PPG'"),
        (("erase", "patient", "NOBODY", "--yes"), "no patient with ref 'NOBODY'"),
        (("report", "--week", "2026-W60"), "2026 has no week 60"),
    ],
)
def test_a_refusal_is_still_said_plainly(cli, args, said, caplog):
    result = cli(*args, ok=False)
    assert result.exit_code == 1 and said in result.stderr
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
