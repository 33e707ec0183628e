"""XLSX: workbooks as Excel saves them (typed cells: dates, numbers) read through the same
mapping as CSV; our writer's cells are typed text, never formulas."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from rubrica.dataio.tabular import XlsxFormatError, XlsxReader, preview_xlsx, write_xlsx
from rubrica.dataio.tabular.xlsx import cell_text


def _workbook(rows: list[list[object]], title: str = "Sheet1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_excel_dates_numbers_and_blank_rows_are_read_as_the_mapping_expects():
    birthday = dt.datetime(1990, 5, 17)  # noqa: DTZ001 - Excel cells have no time zone
    body = _workbook(
        [
            ["First Name", "Last Name", "Birthday", "Mobile Phone", "E-mail Address", "Notes"],
            ["Ana", "Silva", birthday, 4155550134, "ana@example.com", None],
            [None, None, None, None, None, None],
            ["Rui", "Costa", dt.date(1985, 1, 2), "+351 912 345 678", "rui@example", 12.5],
        ]
    )

    reader = XlsxReader(io.BytesIO(body))
    records = list(reader.records())

    assert reader.profile == "outlook"
    assert [r.line for r in records] == [2, 4]
    ana, rui = records
    assert ana.errors == []
    assert ana.data["birthday"] == "1990-05-17"
    assert ana.data["phones"] == [{"label": "mobile", "value": "4155550134", "is_preferred": False}]
    assert rui.data["birthday"] == "1985-01-02"
    assert rui.data["notes"] == "12.5"
    assert rui.set_aside == ['line 4, column "E-mail Address": Enter a valid email address.']


def test_cell_text_of_each_excel_type():
    assert cell_text(None) == ""
    assert cell_text(True) == "TRUE"
    assert cell_text(3.0) == "3"
    assert cell_text(3.25) == "3.25"
    assert cell_text(dt.datetime(2020, 1, 2, 3, 4))  # noqa: DTZ001 == "2020-01-02 03:04:00"
    assert cell_text(dt.time(9, 30)) == "09:30:00"


def test_another_sheet_can_be_chosen_and_a_damaged_file_is_a_clear_error():
    workbook = Workbook()
    workbook.active.append(["nothing"])  # type: ignore[union-attr]
    people = workbook.create_sheet("People")
    people.append(["First Name", "Last Name"])
    people.append(["Li", "Wei"])
    out = io.BytesIO()
    workbook.save(out)

    [record] = list(XlsxReader(io.BytesIO(out.getvalue()), sheet="People").records())

    assert (record.data["given_name"], record.data["family_name"]) == ("Li", "Wei")
    with pytest.raises(XlsxFormatError, match="not a readable XLSX workbook"):
        XlsxReader(io.BytesIO(b"PK\x03\x04 not really a zip")).open()


def test_our_xlsx_cells_are_typed_text_even_when_they_look_like_formulas():
    contact = {
        "uid": "u-1",
        "given_name": "=1+2",
        "family_name": "@x",
        "display_name": "=1+2 @x",
        "phones": [{"label": "mobile", "value": "+39 06 1234 5678", "is_preferred": False}],
        "notes": "line\x01 with a control character",
    }
    out = io.BytesIO()

    assert write_xlsx([contact], out) == 1

    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    row = {header[i]: c for i, c in enumerate(sheet[2])}
    assert (row["Given Name"].value, row["Given Name"].data_type) == ("=1+2", "s")
    assert row["Phone 1 - Value"].value == "+39 06 1234 5678"
    assert row["Notes"].value == "line with a control character"
    assert sheet.freeze_panes == "A2"


def test_preview_of_a_workbook():
    body = _workbook([["Name", "Email"], ["Jane Doe", "bad"]])

    result = preview_xlsx(io.BytesIO(body))

    assert result["headers"] == ["Name", "Email"]
    assert result["profile"] == "generic"
    assert result["mapping"] == {0: "full_name", 1: "emails[1].value"}
    assert result["rows"][0]["cells"][1]["problem"] == "Enter a valid email address."
    assert result["rows"][0]["data"]["given_name"] == "Jane"
