"""Finding the PostgreSQL server (and other services) the tests need.

On a laptop without them the tests skip with the reason printed; in CI (CI=true or
RINGROUND_REQUIRE_SERVICES=1) a missing service fails the run instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "RINGROUND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def services_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("RINGROUND_REQUIRE_SERVICES") == "1"
    )


def unavailable(reason: str) -> NoReturn:
    if services_required():
        pytest.fail(f"{reason} (required in CI)", pytrace=False)
    pytest.skip(reason)


def postgres_unavailable_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as error:  # any failure means: no usable server here
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error.__class__.__name__}"


# The third-party API descriptions the tests check against, vendored (tests/specs/README.md).
SPECS = Path(__file__).resolve().parent.parent / "specs"
