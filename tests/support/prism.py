"""Prism (Stoplight's OpenAPI mock server) for offline contract tests.

`require_prism()` installs @stoplight/prism-cli@5 once into a cache directory shared by all runs
(and by parallel pytest workers: the install happens under a file lock, and a marker file is
written only after a complete install so a killed install is redone). `start_prism(spec)` runs
`prism mock` on a free port and yields its base URL.

Without Node.js the tests skip with the reason, except in CI (`CI=true`) or with
`RINGROUND_REQUIRE_SERVICES=1`, where a missing service must fail the run instead of silently
shrinking it.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

PRISM_PACKAGE = "@stoplight/prism-cli@5"
READY_LINE = "Prism is listening"
INSTALL_TIMEOUT = 300.0
START_TIMEOUT = 60.0


class PrismError(RuntimeError):
    pass


def cache_dir() -> Path:
    override = os.environ.get("RINGROUND_PRISM_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ringround" / "prism"


def _bin(prefix: Path) -> Path:
    return prefix / "node_modules" / ".bin" / "prism"


def prism_unavailable_reason() -> str | None:
    """Why Prism cannot run here (no Node.js / npm), or None when it can."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"Prism mock tests need Node.js: `{tool}` is not on PATH"
    return None


def services_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("RINGROUND_REQUIRE_SERVICES") == "1"
    )


def ensure_prism(prefix: Path | None = None) -> Path:
    """Path of the prism executable, installing it with npm first if needed."""
    reason = prism_unavailable_reason()
    if reason:
        raise PrismError(reason)
    prefix = prefix or cache_dir()
    prefix.mkdir(parents=True, exist_ok=True)
    marker = prefix / ".installed"
    if marker.exists() and _bin(prefix).exists():  # fast path, no lock needed
        return _bin(prefix)
    with open(prefix / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be installing: wait for it
        if marker.exists() and _bin(prefix).exists():
            return _bin(prefix)
        shutil.rmtree(prefix / "node_modules", ignore_errors=True)
        cmd = ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund"]
        cmd += ["--loglevel=error", PRISM_PACKAGE]
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise PrismError(f"`npm install {PRISM_PACKAGE}` timed out (offline?)") from exc
        if done.returncode != 0 or not _bin(prefix).exists():
            tail = (done.stderr or done.stdout).strip()[-800:]
            raise PrismError(f"`npm install {PRISM_PACKAGE}` failed: {tail}")
        marker.write_text(PRISM_PACKAGE + "\n")
    return _bin(prefix)


def require_prism() -> Path:
    """The prism executable; otherwise skip the test (or fail it when services are required)."""
    try:
        return ensure_prism()
    except PrismError as exc:
        if services_required():
            pytest.fail(f"Prism is required here (CI / RINGROUND_REQUIRE_SERVICES): {exc}")
        pytest.skip(str(exc))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[str]) -> None:
    # prism is a node script that may spawn children: signal its whole process group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextlib.contextmanager
def start_prism(
    spec_path: str | os.PathLike[str],
    *,
    extra_args: Sequence[str] = (),
    timeout: float = START_TIMEOUT,
) -> Iterator[str]:
    """Run `prism mock` on a free 127.0.0.1 port; yields "http://127.0.0.1:PORT"."""
    prism = require_prism()
    port = _free_port()
    cmd = [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), *extra_args, str(spec_path)]
    env = {**os.environ, "NO_COLOR": "1", "NO_UPDATE_NOTIFIER": "1"}
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )
    log: collections.deque[str] = collections.deque(maxlen=200)
    ready = threading.Event()

    def drain() -> None:
        # Prism logs every request; keep reading so a full pipe never blocks it.
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line.rstrip())
            if READY_LINE in line:
                ready.set()

    reader = threading.Thread(target=drain, name=f"prism-{port}", daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if proc.poll() is not None or time.monotonic() > deadline:
                what = "exited" if proc.poll() is not None else f"not ready after {timeout:.0f} s"
                tail = "\n".join(list(log)[-20:])
                raise PrismError(f"prism mock {spec_path} {what}:\n{tail}")
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)
        reader.join(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
