"""Reading an organiser's CSV file: encodings, size limits, headers, row numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 25_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, pointed at the row a spreadsheet shows (header = 1)."""

    row: int | None
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}" if self.row is not None else self.message


@dataclass
class CsvRows:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, cells)


class CsvFileError(Exception):
    """The file as a whole cannot be read; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else Windows-1252 (older Excel)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise CsvFileError(
            [Problem(None, "the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8")]
        ) from None


def read_csv(
    data: bytes,
    *,
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> CsvRows:
    if len(data) > max_bytes:
        raise CsvFileError(
            [
                Problem(
                    None,
                    f"the file is {len(data) // 1024} KiB; the limit is {max_bytes // 1024} KiB",
                )
            ]
        )
    text = decode(data)
    if not text.strip():
        raise CsvFileError([Problem(None, "the file is empty")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as error:
        raise CsvFileError([Problem(1, f"the header row cannot be read ({error})")]) from None
    columns = [name.strip().lower() for name in header]
    _check_header(columns, allowed, required)
    result = CsvRows()
    for number, cells in _numbered(reader):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines that spreadsheets leave at the end
        if len(result.rows) >= max_rows:
            raise CsvFileError([Problem(None, f"the file has more than {max_rows} rows; split it")])
        if len(cells) > len(columns):
            extra = [c for c in cells[len(columns) :] if c.strip()]
            if extra:
                raise CsvFileError(
                    [Problem(number, f"{len(cells)} cells but the header names {len(columns)}")]
                )
        padded = cells + [""] * (len(columns) - len(cells))
        result.rows.append((number, dict(zip(columns, padded, strict=False))))
    if not result.rows:
        raise CsvFileError([Problem(None, "the file has a header but no rows")])
    return result


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Number records as a spreadsheet shows them: the header is row 1."""
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvFileError([Problem(number, f"cannot be read ({error})")]) from None
        yield number, cells


def _check_header(columns: list[str], allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
    problems = []
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        problems.append(
            Problem(
                1,
                f"unknown column(s) {', '.join(repr(c) for c in unknown)}; "
                f"the columns are: {', '.join(allowed)}",
            )
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        problems.append(Problem(1, f"column(s) {', '.join(duplicated)} appear more than once"))
    missing = [c for c in required if c not in columns]
    if missing:
        problems.append(Problem(1, f"required column(s) missing: {', '.join(missing)}"))
    if problems:
        raise CsvFileError(problems)


def neutralise_formula(value: object) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def write_csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise_formula(cell) for cell in row])
    return out.getvalue()
