"""Test support moved out of tests/conftest.py so that tests import no test module or conftest."""

from __future__ import annotations

from datetime import UTC, datetime

from rota.sample import SAMPLE_DIR

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


SAMPLE = SAMPLE_DIR
