"""Reading .xlsx and .ods files: the values a person sees, never formulas or macros.

python-calamine reads the value each cell last showed (a formula's cached result, or nothing),
so no formula is ever evaluated or stored as text, and it runs no macros at all; a
macro-enabled workbook is still refused, so that nobody is taught to send one.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta

from rota.imports.problems import FileError, Problem

ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and password-protected files
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# A 10 MiB zip can unpack to gigabytes (a "zip bomb"); a real list unpacks to a few dozen MiB.
MAX_UNPACKED = 200 * 1024 * 1024

SAVE_AS = "save it as .xlsx (Excel Workbook), .ods or CSV UTF-8"


def spreadsheet_kind(data: bytes) -> str | None:
    """ "xlsx" or "ods" for a workbook we read, None for text; refuses other binary files."""
    if data.startswith(OLE2):
        raise FileError(
            [
                Problem(
                    None,
                    "this is an old Excel 97-2003 (.xls) or a password-protected workbook, "
                    f"which cannot be read; remove any password and {SAVE_AS}",
                )
            ]
        )
    if not data.startswith(ZIP):
        return None
    archive = _archive(data)
    names = set(archive.namelist())
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        if any(n.startswith(("Basic/", "Scripts/")) for n in names):
            raise FileError([_macros("an OpenDocument spreadsheet with macros")])
        return "ods"
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        types = archive.read("[Content_Types].xml")
        if "xl/vbaProject.bin" in names or b"macroEnabled" in types:
            raise FileError([_macros("a macro-enabled workbook (.xlsm)")])
        return "xlsx"
    raise FileError([Problem(None, f"this is a zip file, not a spreadsheet; {SAVE_AS}")])


def _macros(what: str) -> Problem:
    return Problem(
        None,
        f"this is {what}: macros are never imported; {SAVE_AS} (File > Save As) and send that",
    )


def _archive(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileError([_damaged()]) from None
    if unpacked > MAX_UNPACKED:
        raise FileError(
            [
                Problem(
                    None,
                    f"the spreadsheet unpacks to more than {MAX_UNPACKED // 2**20} MiB; "
                    "split it or save it as CSV",
                )
            ]
        )
    return archive


def _damaged() -> Problem:
    return Problem(None, f"the spreadsheet is damaged and cannot be read; open it and {SAVE_AS}")


def sheet_rows(data: bytes, *, max_rows: int) -> list[list[str]]:
    """The first sheet's rows as text, row 1 first (blank rows kept, so numbers match).

    Reading stops after `max_rows` + 1 data rows: the caller refuses a longer file anyway.
    """
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise FileError([Problem(None, "the spreadsheet has no sheets")])
        sheet = workbook.get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False, nrows=max_rows + 2)
    except FileError:
        raise
    except Exception:  # calamine raises its own error types for every kind of damage
        raise FileError([_damaged()]) from None
    return [[cell_text(value) for value in row] for row in values]


def cell_text(value: object) -> str:
    """A cell as the text the organiser typed, as near as a value allows.

    A whole number stored as a number (Excel's default for phone numbers and counts) is
    written without ".0"; dates as ISO dates; yes/no cells as yes and no.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)
