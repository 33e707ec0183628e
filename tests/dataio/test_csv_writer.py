"""CSV export: our header, Google's header, overflow of collections, formula neutralisation."""

from __future__ import annotations

import codecs
import csv
import io

from rubrica.dataio.tabular import CsvReader, Layout, detect_profile, neutralise, write_csv
from rubrica.dataio.tabular.writers import CsvWriter


def _contact(**fields):
    base = {
        "uid": "u-1",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "display_name": "Ada Lovelace",
        "emails": [],
        "phones": [],
        "addresses": [],
        "urls": [],
        "profiles": [],
        "tags": [],
        "nicknames": [],
        "custom_fields": {},
    }
    base.update(fields)
    return base


def _written(contacts, **options) -> list[list[str]]:
    out = io.BytesIO()
    write_csv(contacts, out, **options)
    data = out.getvalue()
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_neutralise_prefixes_what_a_spreadsheet_would_run():
    assert neutralise('=HYPERLINK("http://evil","x")') == '\'=HYPERLINK("http://evil","x")'
    assert neutralise("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert neutralise("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0"
    assert neutralise("@SUM(1+1)") == "'@SUM(1+1)"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("\rx") == "'\rx"
    assert neutralise("Ada") == "Ada"
    assert neutralise("a=b") == "a=b"


def test_phone_columns_keep_plain_international_numbers_but_not_disguised_formulas():
    assert neutralise("+39 06 1234 5678", phone=True) == "+39 06 1234 5678"
    assert neutralise("+1 (415) 555-0134", phone=True) == "+1 (415) 555-0134"
    assert neutralise("+1+cmd|'/C calc'!A0", phone=True) == "'+1+cmd|'/C calc'!A0"
    assert neutralise("+39 06 1234 5678") == "'+39 06 1234 5678"
    assert neutralise("--04-15") == "--04-15"
    assert neutralise("--04-15+cmd") == "'--04-15+cmd"


def test_export_neutralises_every_dangerous_cell_and_our_reader_restores_them():
    contact = _contact(
        given_name="=1+2",
        family_name="@Lovelace",
        notes="-list item\n- another",
        phones=[{"label": "mobile", "value": "+44 7700 900123", "is_preferred": True}],
        tags=["+plus"],
    )

    rows = _written([contact])

    header, row = rows
    cell = dict(zip(header, row, strict=True))
    assert cell["Given Name"] == "'=1+2"
    assert cell["Family Name"] == "'@Lovelace"
    assert cell["Notes"] == "'-list item\n- another"
    assert cell["Tags"] == "'+plus"
    assert cell["Phone 1 - Value"] == "+44 7700 900123"
    assert all(not value.startswith(("=", "+", "-", "@")) for name, value in cell.items()
               if name != "Phone 1 - Value")  # fmt: skip

    out = io.BytesIO()
    write_csv([contact], out)
    [record] = list(CsvReader(io.BytesIO(out.getvalue())).records())
    assert record.data["given_name"] == "=1+2"
    assert record.data["family_name"] == "@Lovelace"
    assert record.data["notes"] == "-list item\n- another"
    assert record.data["tags"] == ["+plus"]


def test_our_header_is_recognised_as_ours():
    header = _written([])[0]

    assert header[:4] == ["UID", "Display Name", "Prefix", "Given Name"]
    assert "Email 3 - Value" in header and "Email 4 - Value" not in header
    assert detect_profile(header) == ("rubrica", 1.0)


def test_more_entries_than_column_groups_go_into_the_last_group_and_come_back():
    emails = [
        {"label": "home", "value": f"a{i}@example.com", "is_preferred": i == 2} for i in range(4)
    ]
    layout = Layout(counts={"emails": 2})

    rows = _written([_contact(emails=emails)], layout=layout)

    cell = dict(zip(*rows, strict=True))
    assert cell["Email 1 - Value"] == "a0@example.com"
    assert cell["Email 2 - Value"] == "a1@example.com ::: a2@example.com ::: a3@example.com"
    assert cell["Email 2 - Label"] == "home ::: * home ::: home"
    out = io.BytesIO()
    write_csv([_contact(emails=emails)], out, layout=layout)
    [record] = list(CsvReader(io.BytesIO(out.getvalue())).records())
    assert record.data["emails"] == emails


def test_google_flavour_writes_google_names_labels_and_my_contacts():
    contact = _contact(
        prefix="Dr.",
        title="Analyst",
        organization={"name": "Engines", "title": "Analyst", "department": "R&D"},
        birthday="1815-12-10",
        tags=["Friends"],
        nicknames=["Countess"],
        emails=[{"label": "work", "value": "ada@example.com", "is_preferred": True}],
        phones=[{"label": "mobile", "value": "+44 7700 900123", "is_preferred": False}],
        addresses=[
            {
                "label": "home",
                "street": "1 St James's Sq",
                "extended": "",
                "po_box": "",
                "city": "London",
                "region": "",
                "postal_code": "SW1Y 4JH",
                "country": "UK",
                "is_preferred": True,
            }
        ],
        anniversary="--07-08",
    )

    header, row = _written([contact], flavour="google")

    cell = dict(zip(header, row, strict=True))
    assert header[:3] == ["First Name", "Middle Name", "Last Name"]
    assert cell["Name Prefix"] == "Dr."
    assert cell["Organization Name"] == "Engines"
    assert cell["Organization Title"] == "Analyst"
    assert cell["Organization Department"] == "R&D"
    assert cell["Labels"] == "* myContacts ::: Friends"
    assert cell["E-mail 1 - Label"] == "* Work"
    assert cell["E-mail 1 - Value"] == "ada@example.com"
    assert cell["Phone 1 - Label"] == "Mobile"
    assert cell["Phone 1 - Value"] == "+44 7700 900123"
    assert cell["Address 1 - Label"] == "* Home"
    assert cell["Address 1 - Formatted"] == "1 St James's Sq\nSW1Y 4JH London\nUK"
    assert cell["Address 1 - Postal Code"] == "SW1Y 4JH"
    assert (cell["Event 1 - Label"], cell["Event 1 - Value"]) == ("Anniversary", "--07-08")
    assert detect_profile(header)[0] == "google"


def test_push_writer_leaves_the_stream_open_and_counts():
    out = io.BytesIO()
    writer = CsvWriter(out, flavour="google")
    writer.write(_contact())
    writer.write(_contact(given_name="Bo"))
    writer.close()

    assert writer.count == 2
    assert not out.closed
    assert len(list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))) == 3
