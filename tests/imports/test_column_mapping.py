"""The practice's own column names, maps, delimiters and Excel's habits (issue 16, point 2)."""

from __future__ import annotations

import pytest

from rota.imports.columns import parse_map
from rota.services.audit import CLI
from rota.services.importing import import_patients, import_volunteers
from rota.storage import Group
from tests.support.patient_import import csv_bytes, run_import, stored
from tests.support.workbooks import xlsx

# A practice's report as exported to Excel: its own headers, identifiers we must not keep.
CLINICAL_HEADER = [
    "Patient Reference",
    "Surname",
    "Forename",
    "NHS Number",
    "Date of Birth",
    "Mobile Telephone",
    "Risk Level",
    "Preferred Language",
]


def clinical_rows(count: int) -> list[list[object]]:
    return [
        [
            f"RP{i}",
            f"Surname{i}",
            f"Forename{i}",
            f"943 476 {i:04d}",
            "1941-03-0" + str(1 + i % 9),
            7700900000 + i,
            "HIGH" if i % 2 else "Medium",
            "English",
        ]
        for i in range(count)
    ]


async def test_a_clinical_system_export_imports_through_the_mapping_and_drops_identifiers(db, now):
    result, group_id = await run_import(db, now, xlsx([CLINICAL_HEADER, *clinical_rows(150)]))
    assert result.ok, result.problems[:3]
    assert len(result.added) == 150
    assert any("NHS Number" in n and "never stored" in n for n in result.notes)
    patient = (await stored(db, group_id))["RP7"]
    assert patient.name == "Forename7 Surname7" and patient.phone == "+447700900007"
    stored_text = repr([vars(p) for p in (await stored(db, group_id)).values()])
    assert "943 476" not in stored_text and "1941-03" not in stored_text


@pytest.mark.parametrize(
    "header",
    [
        "REF,Patient Name,Tel No,Risk Level",
        "  ref , NAME , Phone Number , risk ",
        "Patient_ID,Full Name,Mobile Number,Risk Category",
    ],
)
async def test_header_variants_are_recognised(sqlite_db, now, header):
    result, _ = await run_import(
        sqlite_db, now, csv_bytes("P1,Ann Smith,07700 900001,high", header=header)
    )
    assert result.ok, result.problems


async def test_a_semicolon_separated_file_is_read_by_its_delimiter(sqlite_db, now):
    data = "ref;name;phone;risk;call_windows\nP1;Ann;07700 900001;high;Mon 10:00-12:00\n"
    result, group_id = await run_import(sqlite_db, now, data.encode())
    assert result.ok, result.problems
    assert (await stored(sqlite_db, group_id))["P1"].call_windows == ["Mon 10:00-12:00"]


async def test_an_unknown_column_is_refused_with_did_you_mean_and_the_map_to_give(sqlite_db, now):
    result, _ = await run_import(
        sqlite_db,
        now,
        csv_bytes("P1,Ann,07700 900001,high,1", header="ref,name,phone,risk,calls_per_wek"),
    )
    [problem] = result.problems
    assert "did you mean 'calls per week'" in problem.message
    assert "--map 'calls_per_wek=field'" in problem.message


async def test_a_map_places_a_column_and_is_remembered_for_the_group(db, now):
    data = csv_bytes("P1,Ann,07700 900001,high", header="ref,name,Home Phone Line,risk")
    result, group_id = await run_import(db, now, data)
    assert not result.ok and "Home Phone Line" in str(result.problems[0])
    result = await import_patients(
        db,
        group_id=group_id,
        data=data,
        actor=CLI,
        now=now,
        allow_fictional=True,
        mapping=parse_map(["Home Phone Line=phone"]),
    )
    assert result.ok and result.added == ["P1"]
    async with db.transaction() as session:
        group = await session.get_one(Group, group_id)
        assert group.settings["column_map"]["patients"] == {"home phone line": "phone"}
    again, _ = await run_import(db, now, data, group_id=group_id)  # no --map this time
    assert again.ok and again.unchanged == 1


async def test_a_column_mapped_to_nothing_is_never_stored(sqlite_db, now):
    data = csv_bytes("P1,Ann,07700 900001,high,Flat 3", header="ref,name,phone,risk,Flat Number")
    result, group_id = await run_import(sqlite_db, now, data)
    assert not result.ok
    result = await import_patients(
        sqlite_db,
        group_id=group_id,
        data=data,
        actor=CLI,
        now=now,
        allow_fictional=True,
        mapping=parse_map(["Flat Number="]),
    )
    assert result.ok and "Flat 3" not in repr(vars((await stored(sqlite_db, group_id))["P1"]))


async def test_excel_scientific_notation_phones_are_explained_with_the_fix(sqlite_db, now):
    result, _ = await run_import(sqlite_db, now, csv_bytes("P1,Ann,7.7009E+09,high"))
    [problem] = result.problems
    assert problem.row == 2 and "7.7009E+09" in problem.message
    assert "Excel" in problem.message and "format the column as Text" in problem.message


async def test_commas_in_a_list_get_a_did_you_mean_with_semicolons(sqlite_db, now):
    data = csv_bytes(
        'P1,Ann,07700 900001,high,"Mon 10:00-12:00, Thu 14:00-16:00"',
        header="ref,name,phone,risk,call_windows",
    )
    result, _ = await run_import(sqlite_db, now, data)
    [problem] = result.problems
    assert "did you mean 'Mon 10:00-12:00; Thu 14:00-16:00'" in problem.message


async def test_volunteer_headers_like_max_calls_are_recognised(sqlite_db, now):
    _, group_id = await run_import(sqlite_db, now, csv_bytes("P1,Ann,07700 900001,high"))
    data = b"Name,Mobile,Max Calls,Languages\nVera Vine,07700 900066,3,English; Polish\n"
    result = await import_volunteers(
        sqlite_db, group_id=group_id, data=data, actor=CLI, now=now, allow_fictional=True
    )
    assert result.ok, result.problems
