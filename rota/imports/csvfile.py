"""Reading an organiser's CSV file: encodings, size limits, headers, row numbers."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rota.imports.columns import resolve
from rota.imports.problems import CsvFileError, Problem
from rota.imports.sheets import sheet_rows, spreadsheet_kind

__all__ = ["CsvFileError", "CsvRows", "Problem", "read_csv", "read_file", "write_csv"]

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 25_000
READ_CHUNK = 1024 * 1024


@dataclass
class CsvRows:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, cells)
    notes: list[str] = field(default_factory=list)  # columns ignored, for the organiser


def read_file(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of an organiser's file, refusing what is not one and stopping at the limit.

    A device (/dev/zero), a named pipe or a directory is refused before reading: opened
    non-blocking, so a pipe with no writer cannot hang us, and checked with fstat on the
    open file, so a symlink or a swap between check and read changes nothing. Never more
    than `max_bytes + 1` bytes are read, whatever the file claims its size is.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise CsvFileError([Problem(None, f"cannot read {path}: {error.strerror}")]) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CsvFileError(
                [Problem(None, f"{path} is not a regular file; give the path of a CSV file")]
            )
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(READ_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise CsvFileError([Problem(None, f"cannot read {path}: {error.strerror}")]) from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise CsvFileError([_too_big(max_bytes)])
    return b"".join(chunks)


def _too_big(max_bytes: int) -> Problem:
    return Problem(None, f"the file is larger than the limit of {max_bytes // 1024} KiB; split it")


def decode(data: bytes, *, prefix: bool = False) -> str:
    """The file's text, by strict rules; a file that fits none is refused, never guessed at.

    - a UTF-16 byte-order mark (Excel's "Unicode text"): UTF-16;
    - valid UTF-8, with or without the BOM Excel writes: UTF-8;
    - no UTF-8 multi-byte sequence at all, and valid Windows-1252 (older Excel): Windows-1252;
    - otherwise (UTF-8 with a stray byte, which as Windows-1252 would turn every "ë" in
      the file into "Ã«"): refused, naming the first bad byte's offset and row.

    `prefix`: `data` is only the start of a file (to read its header), so a character cut
    in two at the end is dropped rather than refused.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise CsvFileError([Problem(None, "the file is UTF-32 text; save it as CSV UTF-8")])
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strictly(data, "utf-16", "UTF-16", prefix)
    has_bom = data.startswith(codecs.BOM_UTF8)
    skipped = len(codecs.BOM_UTF8) if has_bom else 0
    try:
        return _decoded(data[skipped:], "utf-8", prefix)
    except UnicodeDecodeError as error:
        first_bad = skipped + error.start
    if b"\x00" in data:
        raise CsvFileError(
            [
                Problem(
                    None, "the file is not text (or is UTF-16 without a BOM); save it as CSV UTF-8"
                )
            ]
        )
    if has_bom or _has_utf8_sequence(data):
        raise CsvFileError([_stray_byte(data, first_bad)])
    return _strictly(data, "cp1252", "Windows-1252", prefix)


def _decoded(data: bytes, codec: str, prefix: bool) -> str:
    return codecs.getincrementaldecoder(codec)().decode(data, final=not prefix)


def _strictly(data: bytes, codec: str, label: str, prefix: bool) -> str:
    try:
        return _decoded(data, codec, prefix)
    except UnicodeDecodeError as error:
        row = _row_at(data[: error.start].decode(codec, errors="replace"))
        raise CsvFileError(
            [
                Problem(
                    row,
                    f"byte 0x{data[error.start]:02X} at offset {error.start} is not valid "
                    f"{label}; save the file as CSV UTF-8",
                )
            ]
        ) from None


# A well-formed UTF-8 multi-byte sequence (RFC 3629: no overlongs, no surrogates).
_UTF8_SEQUENCE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]"
    rb"|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}|\xED[\x80-\x9F][\x80-\xBF]"
    rb"|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}|\xF4[\x80-\x8F][\x80-\xBF]{2}"
)


def _has_utf8_sequence(data: bytes) -> bool:
    return _UTF8_SEQUENCE.search(data) is not None


def _stray_byte(data: bytes, offset: int) -> Problem:
    row = _row_at(data[:offset].decode("utf-8-sig"))  # valid up to the first bad byte
    return Problem(
        row,
        f"byte 0x{data[offset]:02X} at offset {offset} is not valid UTF-8, though the rest "
        "of the file is UTF-8: the file is damaged or mixes encodings; save it again as "
        "CSV UTF-8 (nothing was guessed)",
    )


def _row_at(text_before: str) -> int:
    """The spreadsheet row (header = 1) in which the text after `text_before` sits."""
    reader = csv.reader(
        io.StringIO(text_before + "x", newline=""), delimiter=_delimiter(text_before)
    )
    rows = 0
    try:
        for _ in reader:
            rows += 1
    except csv.Error:
        rows += 1
    return max(rows, 1)


def _delimiter(text: str) -> str:
    """The header row's separator: commas, semicolons (Excel in much of Europe), tabs
    (Excel's "Unicode text") or bars, as csv.Sniffer finds it; commas when it cannot tell."""
    header = text.split("\n", 1)[0]
    if not any(sep in header for sep in ",;\t|"):
        return ","
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_csv(
    data: bytes,
    *,
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    mapping: Mapping[str, str] | None = None,
) -> CsvRows:
    """The rows of a CSV file or of a spreadsheet's first sheet, by field (see columns.py)."""
    if len(data) > max_bytes:
        raise CsvFileError([_too_big(max_bytes)])
    return _checked(_records(data, max_rows), allowed, required, max_rows, mapping)


def header_of(data: bytes) -> list[str]:
    """The header row's column names, lower-cased, or [] when it cannot be read."""
    try:
        if spreadsheet_kind(data) is not None:
            rows = sheet_rows(data, max_rows=0)
        else:
            text = decode(data[:4096], prefix=True)
            rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))[:1]
    except (CsvFileError, csv.Error):
        return []
    return [cell.strip().lower() for cell in rows[0]] if rows else []


def _records(data: bytes, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """Numbered records, the header first (row 1), from whichever kind of file this is."""
    if spreadsheet_kind(data) is not None:
        return enumerate(sheet_rows(data, max_rows=max_rows), start=1)
    text = decode(data)
    if not text.strip():
        raise CsvFileError([Problem(None, "the file is empty")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=_delimiter(text))
    return _numbered(reader)


def _checked(
    records: Iterator[tuple[int, list[str]]],
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    max_rows: int,
    mapping: Mapping[str, str] | None,
) -> CsvRows:
    try:
        _, header = next(records)
    except StopIteration:
        raise CsvFileError([Problem(None, "the file is empty")]) from None
    while header and not header[-1].strip():
        header = header[:-1]  # spreadsheets pad the header with empty cells
    columns, notes = resolve(header, allowed=allowed, required=required, mapping=mapping)
    result = CsvRows(notes=notes)
    for number, cells in records:
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
        # Columns mapped to nothing are dropped here, so they are never stored.
        row = {c: v for c, v in zip(columns, padded, strict=False) if c is not None}
        result.rows.append((number, _joined_name(row)))
    if not result.rows:
        raise CsvFileError([Problem(None, "the file has a header but no rows")])
    return result


def _joined_name(row: dict[str, str]) -> dict[str, str]:
    """A "Forename" and a "Surname" column make the name, as people say it."""
    if "forename" in row or "surname" in row:
        parts = (row.pop("forename", "").strip(), row.pop("surname", "").strip())
        row.setdefault("name", " ".join(p for p in parts if p))
    return row


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Number records as a spreadsheet shows them: the header is row 1."""
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvFileError([Problem(number, f"cannot be read ({error})")]) from None
        yield number, cells


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
