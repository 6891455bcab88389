"""`ringround serve` as an organisation's IT supplier would run it: real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.databases import scratch_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ringround(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def environment(database_url: str, port: int) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("RINGROUND_")}
    return keep | {"RINGROUND_DATABASE_URL": database_url, "RINGROUND_HTTP__PORT": str(port)}


def wait_healthy(port: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the service did not become healthy")


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_serve_starts_on_defaults_reports_health_and_stops_cleanly_on_sigterm(tmp_path):
    env = environment(f"sqlite:///{tmp_path / 'r.db'}", free_port())
    assert (
        subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            check=False,
            capture_output=True,
        ).returncode
        == 0
    )
    port = int(env["RINGROUND_HTTP__PORT"])
    process = ringround("serve", env=env, cwd=tmp_path)
    try:
        health = wait_healthy(port)
        assert health["database"] == "ok" and health["dispatcher"] == "running"
    finally:
        output = stop(process)
    # uvicorn re-raises SIGTERM after its graceful shutdown, so the exit reads as the signal.
    assert process.returncode in (0, -signal.SIGTERM), output
    assert "console SMS channel" in output and "stopped cleanly" in output
    assert "Traceback" not in output


def test_serve_refuses_an_unmigrated_database_with_a_clear_line(tmp_path):
    env = environment(f"sqlite:///{tmp_path / 'empty.db'}", free_port())
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "ringround db upgrade" in result.stderr


@pytest.mark.postgres
def test_two_services_on_one_postgres_run_one_scheduler_and_the_other_takes_over(tmp_path):
    with scratch_database() as url:
        ports = [free_port(), free_port()]
        envs = [environment(url, port) for port in ports]
        migrated = subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            env=envs[0],
            cwd=tmp_path,
            capture_output=True,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stdout
        first = ringround("serve", env=envs[0], cwd=tmp_path)
        wait_healthy(ports[0])
        second = ringround("serve", env=envs[1], cwd=tmp_path)
        try:
            states = [wait_healthy(port)["scheduler"] for port in ports]
            deadline = time.monotonic() + 10
            while "running" not in states and time.monotonic() < deadline:
                time.sleep(0.2)
                states = [wait_healthy(port)["scheduler"] for port in ports]
            assert sorted(states) == ["running", "standby"]
            leader = first if states[0] == "running" else second
            follower_port = ports[1] if leader is first else ports[0]
            leader.kill()  # dies without a chance to hand over
            leader.communicate(timeout=30)
            deadline = time.monotonic() + 60
            while wait_healthy(follower_port)["scheduler"] != "running":
                assert time.monotonic() < deadline, "the follower did not take over within a minute"
                time.sleep(0.5)
        finally:
            for process in (first, second):
                stop(process)


def test_settings_that_do_not_fit_together_stop_start_up_with_one_line_each(tmp_path):
    env = environment(f"sqlite:///{tmp_path / 'r.db'}", free_port()) | {
        "RINGROUND_TWILIO__ACCOUNT_SID": "AC" + "0" * 32,
        "RINGROUND_TWILIO__AUTH_TOKEN": "secret-token-value",
        "RINGROUND_TWILIO__FROM_NUMBER": "+447700900001",
        "RINGROUND_TELEGRAM__WEBHOOK_URL": "https://ringround.example.org/telegram/webhook",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: RINGROUND_PUBLIC_BASE_URL: needed with Twilio (it is the URL Twilio signs)",
        "configuration error: RINGROUND_TELEGRAM__WEBHOOK_SECRET: needed with a webhook URL",
        "configuration error: RINGROUND_TELEGRAM__TOKEN: needed with a webhook URL",
    ]
    assert "secret-token-value" not in result.stderr
