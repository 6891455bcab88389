"""Which text encoding an import file is read in: decided by strict rules, never guessed.

A practice's list of 300 people with the names a British practice has: one stray byte must
not turn every "Zoë Brontë" in it into "ZoÃ« BrontÃ«".
"""

from __future__ import annotations

import codecs

import pytest

from rota.imports.csvfile import CsvFileError, decode
from tests.support.patient_import import run_import, stored

FIRST = ["Zoë", "Siobhán", "Renée", "Łucja", "Margaret", "Dafydd", "Agnieszka", "Raj", "Chloé"]
LAST = ["Brontë", "Ó Briain", "Côté", "Wiśniewska", "Kowalski", "Llewellyn", "Nowak", "Müller"]
HEADER = "ref,name,phone,risk,notes"


def names(count: int = 300) -> list[str]:
    return [f"{FIRST[i % len(FIRST)]} {LAST[i // len(FIRST) % len(LAST)]}" for i in range(count)]


def practice_list(separator: str = ",", newline: str = "\r\n") -> str:
    rows = [HEADER.replace(",", separator)]
    for i, name in enumerate(names()):
        cells = [f"RP{i:04d}", name, f"07700 900{i:03d}", "medium", "Prefers mornings, café chat"]
        rows.append(separator.join(f'"{c}"' if separator in c else c for c in cells))
    return newline.join(rows) + newline


def plain_cp1252_list() -> str:
    """Names Windows-1252 can spell (it has no Ł or ś)."""
    return practice_list().replace("Łucja", "Lucja").replace("Wiśniewska", "Wisniewska")


async def imported_names(db, now, data: bytes) -> dict[str, str]:
    result, group_id = await run_import(db, now, data)
    assert result.ok, result.problems[:3]
    return {ref: p.name for ref, p in (await stored(db, group_id)).items()}


async def test_a_utf8_list_keeps_every_name_exactly(db, now):
    got = await imported_names(db, now, practice_list().encode("utf-8"))
    assert got["RP0000"] == "Zoë Brontë" and got["RP0003"] == "Łucja Brontë"
    assert sorted(got.values()) == sorted(names())


async def test_a_utf8_list_with_excels_bom_keeps_every_name_exactly(db, now):
    got = await imported_names(db, now, codecs.BOM_UTF8 + practice_list().encode("utf-8"))
    assert sorted(got.values()) == sorted(names())


async def test_one_stray_byte_in_a_utf8_list_refuses_the_file_naming_its_offset_and_row(db, now):
    text = practice_list()
    # Row 157 (data row 156) was pasted from an old Windows program: "Renée" in Windows-1252.
    good = text.encode("utf-8")
    line_start = good.index(b"RP0155,")
    pasted = good.replace(b"RP0155,", b"RP0155,Ren\xe9e ", 1)
    result, group_id = await run_import(db, now, pasted)
    assert not result.ok and len(result.problems) == 1
    problem = result.problems[0]
    offset = line_start + len(b"RP0155,Ren")
    assert problem.row == 157
    assert f"byte 0xE9 at offset {offset} is not valid UTF-8" in problem.message
    assert await stored(db, group_id) == {}  # nothing imported, nothing mangled


async def test_a_stray_byte_inside_a_quoted_multiline_cell_names_the_spreadsheet_row():
    text = 'ref,name,phone,risk,notes\r\nRP1,Zoë Brontë,07700 900001,low,"two\r\nlines"\r\n'
    data = text.encode("utf-8") + b"RP2,Ren\xe9e,07700 900002,low,\r\n"
    with pytest.raises(CsvFileError) as refused:
        decode(data)
    assert refused.value.problems[0].row == 3  # the header is row 1; row 2 spans two lines


async def test_a_windows_1252_list_with_no_utf8_in_it_is_read_as_windows_1252(db, now):
    text = plain_cp1252_list()
    got = await imported_names(db, now, text.encode("cp1252"))
    assert got["RP0000"] == "Zoë Brontë" and got["RP0002"] == "Renée Brontë"
    assert "Ã" not in "".join(got.values())


async def test_a_windows_1252_list_with_a_byte_it_does_not_define_is_refused_with_the_offset():
    data = plain_cp1252_list().encode("cp1252")
    at = data.index(b"RP0042,") + 7
    with pytest.raises(CsvFileError) as refused:
        decode(data[:at] + b"\x81" + data[at:])
    assert refused.value.problems[0].row == 44
    assert f"byte 0x81 at offset {at} is not valid Windows-1252" in str(refused.value)


async def test_excels_unicode_text_utf16_tab_separated_is_read(db, now):
    data = practice_list(separator="\t").encode("utf-16")  # with the BOM, as Excel saves it
    assert data.startswith(codecs.BOM_UTF16_LE)
    got = await imported_names(db, now, data)
    assert sorted(got.values()) == sorted(names())


async def test_a_big_endian_utf16_csv_with_a_bom_is_read(db, now):
    data = codecs.BOM_UTF16_BE + practice_list().encode("utf-16-be")
    got = await imported_names(db, now, data)
    assert got["RP0001"] == "Siobhán Brontë"


def test_utf16_without_a_bom_is_refused_clearly():
    with pytest.raises(CsvFileError, match="UTF-16 without a BOM"):
        decode(practice_list().encode("utf-16-le"))


def test_utf32_is_refused_clearly():
    with pytest.raises(CsvFileError, match="UTF-32"):
        decode(practice_list().encode("utf-32"))


def test_the_start_of_a_file_cut_inside_a_character_still_decodes_for_its_header():
    data = practice_list().encode("utf-8")
    cut = data.index("ë".encode(), 4000) + 1  # inside the two bytes of an "ë" near 4 KiB
    assert decode(data[:cut], prefix=True).startswith(HEADER)
    with pytest.raises(CsvFileError, match="at offset"):
        decode(data[:cut])  # a whole file that ends like that is damaged
    utf16 = practice_list(separator="\t").encode("utf-16")
    assert decode(utf16[:4097], prefix=True).startswith(HEADER.replace(",", "\t"))
