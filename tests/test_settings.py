import subprocess
import sys

import pytest

from config import SettingsError, load_settings


def test_defaults_need_no_configuration(monkeypatch):
    monkeypatch.delenv("RINGROUND_DATABASE_URL", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url.startswith("sqlite")
    assert not settings.telegram.configured and not settings.twilio.configured
    assert settings.http.port == 8080 and settings.allow_fictional_numbers is False


def test_nested_variables_and_secrets_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("RINGROUND_TELEGRAM__TOKEN", "123:abc")
    monkeypatch.setenv("RINGROUND_TWILIO__ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("RINGROUND_TWILIO__AUTH_TOKEN", "tok")
    monkeypatch.setenv("RINGROUND_TWILIO__FROM_NUMBER", "+447700900001")
    settings = load_settings(_env_file=None)
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(settings)
    assert settings.twilio.configured


def test_a_dotenv_file_is_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("RINGROUND_HTTP__PORT=9090\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().http.port == 9090


def test_each_problem_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("RINGROUND_HTTP__PORT", "eighty")
    monkeypatch.setenv("RINGROUND_TWILIO__ACCOUNT_SID", "not-a-sid-supersecret")
    monkeypatch.setenv("RINGROUND_TELEGRAM__WEBHOOK_SECRET", "has spaces supersecret")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    problems = caught.value.problems
    assert len(problems) == 3
    assert {p.split(":")[0] for p in problems} == {
        "RINGROUND_HTTP__PORT",
        "RINGROUND_TWILIO__ACCOUNT_SID",
        "RINGROUND_TELEGRAM__WEBHOOK_SECRET",
    }
    assert all("supersecret" not in p for p in problems)


def test_invalid_configuration_stops_the_program_with_status_2_and_no_traceback(tmp_path):
    env = {"RINGROUND_TELEGRAM__WEBHOOK_SECRET": "bad secret topsecret", "PATH": "/usr/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "group", "list"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: RINGROUND_TELEGRAM__WEBHOOK_SECRET: "
        "must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
    ]
    assert "Traceback" not in result.stderr and "topsecret" not in result.stderr
