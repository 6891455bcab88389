"""Reading an import file from disk: only regular files, and never past the size limit."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rota.imports.csvfile import MAX_BYTES, CsvFileError, read_file

# A real read of a 10 MiB file takes milliseconds; this only stops a hang from hanging the
# suite (an open of a pipe with no writer, or an endless device, never returns by itself).
HANG_GUARD_S = 20


def read_with_guard(path: Path, *, max_bytes: int = MAX_BYTES, unblock=None) -> Exception | bytes:
    """read_file in a thread: its outcome, or a test failure if it is still reading."""
    outcome: list[Exception | bytes] = []

    def work() -> None:
        try:
            outcome.append(read_file(path, max_bytes=max_bytes))
        except Exception as error:  # the outcome under test, returned to the test
            outcome.append(error)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(HANG_GUARD_S)
    if thread.is_alive():
        if unblock is not None:
            unblock()
        pytest.fail(f"reading {path} was still going after {HANG_GUARD_S} s")
    return outcome[0]


def refusal(outcome: Exception | bytes) -> str:
    assert isinstance(outcome, CsvFileError), f"not refused: {type(outcome).__name__}"
    return str(outcome)


def test_dev_zero_is_refused_at_once_as_not_a_regular_file():
    assert "not a regular file" in refusal(read_with_guard(Path("/dev/zero")))


def test_a_symlink_to_dev_zero_is_refused_too(tmp_path):
    link = tmp_path / "patients.csv"
    link.symlink_to("/dev/zero")
    assert "not a regular file" in refusal(read_with_guard(link))


def test_a_named_pipe_with_no_writer_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "patients.csv"
    os.mkfifo(fifo)

    def unblock() -> None:  # a writer lets a blocked open return, so the thread can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    assert "not a regular file" in refusal(read_with_guard(fifo, unblock=unblock))


def test_a_directory_is_refused(tmp_path):
    assert "not a regular file" in refusal(read_with_guard(tmp_path))


def test_a_missing_file_is_a_clear_error(tmp_path):
    assert "No such file" in refusal(read_with_guard(tmp_path / "nope.csv"))


def test_a_file_one_byte_over_the_limit_is_refused_and_one_at_the_limit_is_read(tmp_path):
    at_limit, over = tmp_path / "at.csv", tmp_path / "over.csv"
    at_limit.write_bytes(b"x" * MAX_BYTES)
    over.write_bytes(b"x" * (MAX_BYTES + 1))
    assert len(read_with_guard(at_limit)) == MAX_BYTES
    assert "larger than the limit of 10240 KiB" in refusal(read_with_guard(over))


def test_a_huge_sparse_file_is_refused_after_reading_no_more_than_the_limit(tmp_path, monkeypatch):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as file:
        file.truncate(64 * 1024**3)  # 64 GiB that take no disk space
    read_sizes: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        chunk = real_read(fd, n)
        read_sizes.append(len(chunk))
        return chunk

    monkeypatch.setattr(os, "read", counting_read)
    assert "larger than the limit" in refusal(read_with_guard(huge))
    assert sum(read_sizes) == MAX_BYTES + 1


# The command starts in about 2 s; a read of /dev/zero or a pipe would never end.
CLI_GUARD_S = 90


@pytest.mark.parametrize("kind", ["/dev/zero", "named pipe"])
def test_import_patients_from_a_device_or_pipe_exits_at_once_with_one_clear_line(kind, tmp_path):
    path = Path("/dev/zero")
    if kind == "named pipe":
        path = tmp_path / "patients.csv"
        os.mkfifo(path)
    env = {**os.environ, "RINGROUND_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    ringround = str(Path(sys.executable).parent / "ringround")
    # The file is read before the database is opened. If the guard expires,
    # subprocess.run kills the command, so a hang fails the test cleanly.
    result = subprocess.run(
        [ringround, "import", "patients", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_GUARD_S,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"error: {path} is not a regular file; give the path of a CSV file"
    )
