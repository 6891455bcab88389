"""Names and numbers of the fictional people in the fixtures, to look for in logs."""

from __future__ import annotations

import csv
import logging
from functools import lru_cache

from rota.phones import parse_phone
from rota.sample import SAMPLE_DIR


@lru_cache(maxsize=1)
def fixture_people() -> frozenset[str]:
    found: set[str] = set()
    for kind in ("patients", "volunteers"):
        with open(SAMPLE_DIR / f"{kind}.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                found.add(row["name"])
                phone = parse_phone(row["phone"], allow_fictional=True)
                found.update(
                    {phone.e164, phone.e164[1:], row["phone"], row["phone"].replace(" ", "")}
                )
    return frozenset(found)


class Recorder(logging.Handler):
    """Keeps every log line, fully formatted with its arguments, as production would write it."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            line += " " + repr(record.exc_info[1])
        self.lines.append(f"{record.name}: {line}")


def leaks(lines: list[str]) -> list[str]:
    people = fixture_people()
    return [line for line in lines if any(p in line for p in people)]
