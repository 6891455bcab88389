"""The log scan that runs around every test (tests/conftest.py) can see a leak."""

import logging

from tests.support.pii import Recorder, fixture_people, leaks


def test_the_scan_catches_a_patient_name_or_number_in_a_log_line():
    recorder = Recorder()
    log = logging.getLogger("rota.example")
    log.propagate = False  # keep this deliberate leak away from the scan around the test
    log.addHandler(recorder)
    try:
        log.warning("calling %s", "Margaret Kowalski")
        log.warning("texting %s", "+447700900102")
        log.warning("call %s done", 42)
    finally:
        log.removeHandler(recorder)
        log.propagate = True
    assert len(leaks(recorder.lines)) == 2
    assert "Ann Baxter" in fixture_people() and "+441632960100" in fixture_people()
