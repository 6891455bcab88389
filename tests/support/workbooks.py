"""Spreadsheet files as organisers send them, made in the test (openpyxl writes .xlsx)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

import openpyxl


def xlsx(rows: Sequence[Sequence[object]], *, title: str = "Patients") -> bytes:
    """An Excel workbook whose first sheet holds `rows` with their Python types (numbers stay
    numbers, as Excel keeps a phone number typed without formatting; "=…" is a formula)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    workbook.create_sheet("Notes").append(["Exported from the clinical system"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def as_xlsm(data: bytes) -> bytes:
    """The same workbook as Excel saves it macro-enabled: a VBA project and its content type."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                content = content.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            target.writestr(info, content)
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 Sub AutoOpen() Shell ... End Sub")
    return out.getvalue()


def ods(rows: Sequence[Sequence[object]]) -> bytes:
    """A minimal OpenDocument spreadsheet as LibreOffice Calc saves one (mimetype first)."""
    table_rows = []
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            else:
                cells.append(
                    '<table:table-cell office:value-type="string">'
                    f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
                )
        table_rows.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Patients">'
        f"{''.join(table_rows)}</table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()
