"""Imports fed hostile files and options: each gets a clear error naming the field or line,
nobody is half-written, nothing answers 500, and nothing a file points at is fetched."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rubrica.contacts.models import Contact
from rubrica.dataio.models import ImportRow
from rubrica.jobs.models import Job, JobStatus
from rubrica.organizations.models import Organization
from tests.dataio.import_helpers import bearer, outcomes, run_import


@pytest.fixture(autouse=True)
def _roots(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def no_network(monkeypatch: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an import opened a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _messages(job: Job) -> list[str]:
    return list(
        ImportRow.objects.filter(job=job).order_by("line").values_list("message", flat=True)
    )


def _stored(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "private" / "imports"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _document(*contacts: Any) -> bytes:
    return json.dumps({"format": "rubrica", "version": 1, "contacts": list(contacts)}).encode()


# CSV ----------------------------------------------------------------------------------------


def test_a_csv_quote_left_open_at_the_end_fails_the_job_naming_its_line(member: Any) -> None:
    content = b'First Name,Last Name\r\nAda,Lovelace\r\nBob,"Smith\r\nCy,Young\r\n'
    job = run_import(member, content, "people.csv")
    assert job.status == JobStatus.FAILED
    assert job.error == "line 3: a quoted cell is never closed (a quote is missing)."
    assert Contact.objects.count() == 0


def test_a_csv_header_with_a_quote_left_open_fails_naming_line_1(member: Any) -> None:
    job = run_import(member, b'First Name,"Last Name\r\n', "people.csv")
    assert job.status == JobStatus.FAILED
    assert job.error == "line 1: a quoted cell is never closed (a quote is missing)."


def test_a_csv_quote_closed_on_the_last_line_without_a_line_end_is_read(member: Any) -> None:
    job = run_import(member, b'First Name,Last Name\r\nAda,"Love\r\nlace"', "people.csv")
    assert job.status == JobStatus.SUCCEEDED
    assert outcomes(job) == [(2, "created")]
    assert Contact.objects.get().family_name == "Love lace"


@pytest.mark.parametrize(
    "content",
    [b"First Name,Last Name\r\n", b"\xef\xbb\xbf", b"\r\n\r\n\r\n"],
    ids=["header only", "a BOM only", "blank lines"],
)
def test_a_csv_without_rows_succeeds_with_nothing_imported(member: Any, content: bytes) -> None:
    job = run_import(member, content, "people.csv")
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["counts"]["created"] == 0
    assert outcomes(job) == []
    assert Contact.objects.count() == 0


def test_an_empty_file_is_refused_at_upload_and_not_kept(member: Any, tmp_path: Path) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        run_import(member, b"", "people.csv")
    assert exc.value.message_dict == {"file": ["This file is empty."]}
    assert _stored(tmp_path) == []
    assert Job.objects.count() == 0


def test_nul_bytes_in_csv_cells_fail_the_row_naming_the_fields(member: Any) -> None:
    job = run_import(member, b"First Name,Last Name\r\nA\x00da,Love\x00lace\r\n", "people.csv")
    assert outcomes(job) == [(2, "failed")]
    assert _messages(job) == [
        "given_name: Control characters are not allowed.; "
        "family_name: Control characters are not allowed."
    ]
    assert Contact.objects.count() == 0


def test_a_5_mb_csv_cell_fails_the_job_naming_its_line(member: Any) -> None:
    content = b"First Name,Notes\r\nAda,ok\r\nBob," + b"x" * 5_000_000 + b"\r\n"
    job = run_import(member, content, "people.csv")
    assert job.status == JobStatus.FAILED
    assert job.error == (
        "line 3: a cell is longer than 1,000,000 characters (perhaps a quote that is never closed)."
    )
    assert Contact.objects.count() == 0


def test_bytes_that_are_not_the_chosen_encoding_fail_the_job_naming_line_and_bytes(
    member: Any,
) -> None:
    good = b"".join(b"P%d,Rossi\r\n" % n for n in range(3000))  # past the sniffed sample
    content = "First Name,Last Name\r\nZoë,Müller\r\n".encode() + good + b"Jos\xe9,X\r\n"
    job = run_import(member, content, "people.csv", encoding="utf-8")
    assert job.status == JobStatus.FAILED
    assert job.error == (
        "line 3003: bytes that are not UTF-8 text (0xe9): choose the file's encoding "
        "(Outlook writes Windows-1252)."
    )


def test_a_10000_column_csv_is_read_and_unmapped_columns_ignored(member: Any) -> None:
    header = "First Name," + ",".join(f"c{i}" for i in range(10_000))
    row = "Ada," + ",".join("x" for _ in range(10_000))
    job = run_import(member, f"{header}\r\n{row}\r\n", "people.csv")
    assert outcomes(job) == [(2, "created")]
    assert Contact.objects.get().given_name == "Ada"


def test_mixed_line_ends_each_end_a_row(member: Any) -> None:
    job = run_import(member, b"First Name\rAda\nBob\r\nCy\r", "people.csv")
    assert outcomes(job) == [(2, "created"), (3, "created"), (4, "created")]
    assert sorted(Contact.objects.values_list("given_name", flat=True)) == ["Ada", "Bob", "Cy"]


def test_a_utf8_bom_before_cp1252_bytes_reads_the_stray_byte_as_cp1252(member: Any) -> None:
    job = run_import(member, b"\xef\xbb\xbfFirst Name,Last Name\r\nAda,M\xfcller\r\n", "p.csv")
    assert outcomes(job) == [(2, "created")]
    assert Contact.objects.get().family_name == "Müller"


# Mapping and options, through the API -------------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "errors"),
    [
        ('{"0": "nope"}', {"mapping.0": "nope is not a known column target."}),
        ('{"0": 5}', {"mapping.0": "5 is not a known column target."}),
        ('{"0": {"a": 1}}', {"mapping.0": "{'a': 1} is not a known column target."}),
        ('{"-1": "given_name"}', {"mapping.-1": "Name columns by their number, from 0."}),
        ('{"x": "given_name"}', {"mapping.x": "Name columns by their number, from 0."}),
        ("[" * 5000 + "]" * 5000, {"mapping": "This is not valid JSON."}),
        ("[1, 2]", {"mapping": "The mapping must be an object: column -> field."}),
        (
            '{"0": "given_name", "3": "family_name"}',
            {"mapping.3": "The file has 1 column, numbered from 0: there is no column 3."},
        ),
    ],
    ids=[
        "unknown target",
        "number",
        "object",
        "negative",
        "not a number",
        "deep",
        "array",
        "past the header",
    ],
)
def test_a_bad_api_mapping_is_a_422_naming_it_and_keeps_nothing(
    client: Any, member: Any, tmp_path: Path, mapping: str, errors: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("a.csv", b"First Name\r\nAda\r\n"), "mapping": mapping},
        **bearer(member),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert Job.objects.count() == 0
    assert _stored(tmp_path) == []


@pytest.mark.parametrize("encoding", ["rot13", "base64", "utf_8\x00", "no-such-codec"])
def test_an_encoding_that_reads_no_text_is_a_422_and_keeps_nothing(
    client: Any, member: Any, tmp_path: Path, encoding: str
) -> None:
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("a.csv", b"First Name\r\nAda\r\n"), "encoding": encoding},
        **bearer(member),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"encoding": f"Unknown encoding {encoding}."}
    assert Job.objects.count() == 0
    assert _stored(tmp_path) == []


def test_a_mapping_with_an_unknown_target_posted_to_the_web_form_starts_no_job(
    member_client: Any,
) -> None:
    upload = member_client.post(
        "/io/imports/new/",
        {"file": SimpleUploadedFile("a.csv", b"First Name\r\nAda\r\n"), "format": ""},
    )
    preview = member_client.post(upload["Location"], {"column-0": "nope"})["Location"]
    response = member_client.post(preview, {"on_duplicate": "create", "match": "email"})
    assert response.status_code == 200
    assert "mapping.0: nope is not a known column target." in response.content.decode()
    assert Job.objects.count() == 0
    assert Contact.objects.count() == 0


def test_a_text_encoding_that_is_a_codec_is_refused_by_the_web_form(
    member_client: Any, tmp_path: Path
) -> None:
    response = member_client.post(
        "/io/imports/new/",
        {"file": SimpleUploadedFile("a.csv", b"First Name\r\nAda\r\n"), "encoding": "rot13"},
    )
    assert response.status_code == 200
    assert "Unknown encoding rot13." in response.content.decode()
    assert _stored(tmp_path) == []


@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "a\x00b.csv", "..\\..\\x.csv"])
def test_an_upload_name_never_chooses_where_the_file_is_kept(
    member_client: Any, tmp_path: Path, name: str
) -> None:
    response = member_client.post(
        "/io/imports/new/", {"file": SimpleUploadedFile(name, b"First Name\r\nAda\r\n")}
    )
    assert response.status_code == 302
    (stored,) = _stored(tmp_path)
    assert stored.parent == tmp_path / "private" / "imports"
    assert len(stored.stem) == 32 and stored.suffix == ".csv"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [stored]


# XLSX ---------------------------------------------------------------------------------------


def test_an_xlsx_that_is_not_a_zip_fails_the_job_with_a_clear_error(member: Any) -> None:
    job = run_import(member, b"PK\x03\x04" + b"\x00" * 200, "people.xlsx")
    assert job.status == JobStatus.FAILED
    assert job.error == "This is not a readable XLSX workbook: File is not a zip file"
    assert Contact.objects.count() == 0


def test_xlsx_formulas_dates_and_errors_arrive_as_text_never_evaluated(member: Any) -> None:
    import datetime as dt
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["First Name", "Last Name", "Birthday", "Notes"])
    sheet.append(["Ada", "=1+1", dt.date(1980, 1, 2), "#DIV/0!"])
    sheet.append(["Bob", "Smith", "=NOW()", None])
    buffer = io.BytesIO()
    book.save(buffer)
    job = run_import(member, buffer.getvalue(), "people.xlsx")
    assert outcomes(job) == [(2, "created"), (3, "created")]
    ada = Contact.objects.get(given_name="Ada")
    # the cached value of a formula is read, never the formula: a file saved without one
    # (as here) gives an empty cell
    assert (ada.family_name, ada.birthday, ada.notes) == ("", "1980-01-02", "#DIV/0!")
    assert Contact.objects.get(given_name="Bob").birthday == ""


# JSON ---------------------------------------------------------------------------------------


def test_json_nested_thousands_deep_fails_the_job_naming_the_record(member: Any) -> None:
    depth = 5000
    content = (
        b'{"format":"rubrica","version":1,"contacts":[{"given_name":"Ada"},'
        b'{"given_name":"Bob","notes":' + b"[" * depth + b"]" * depth + b"}]}"
    )
    job = run_import(member, content, "people.json")
    assert job.status == JobStatus.FAILED
    assert job.error == "Record 2 nests values more than 32 levels deep."
    assert Contact.objects.count() == 0


def test_json_nested_deep_outside_the_records_is_refused_too(member: Any) -> None:
    content = b'{"format":"rubrica","version":1,"x":' + b"[" * 100 + b"]" * 100 + b"}"
    job = run_import(member, content, "people.json")
    assert job.status == JobStatus.FAILED
    assert job.error == "Record 1 nests values more than 32 levels deep."


def test_json_of_wrong_types_fails_the_record_naming_each_field(member: Any) -> None:
    record = {
        "given_name": 5,
        "emails": "ada@example.com",
        "tags": [1],
        "custom_fields": [],
        "addresses": [{"street": {"a": 1}, "city": ["Rome"], "postal_code": 12345}],
        "phones": [{"label": False, "value": "+39 06 1234 5678"}],
    }
    job = run_import(member, _document(record), "people.json")
    assert outcomes(job) == [(1, "failed")]
    assert _messages(job) == [
        "; ".join(
            f'record 1, field "{name}": {problem}'
            for name, problem in [
                ("given_name", "Enter text."),
                ("emails", "Enter a list."),
                ("tags", "Enter a list of texts."),
                ("custom_fields", "Enter an object."),
                ("addresses.0.street", "Enter text."),
                ("addresses.0.city", "Enter text."),
                ("phones.0.label", "Enter text."),
            ]
        )
    ]
    assert Contact.objects.count() == 0


def test_json_with_more_than_50_tags_fails_the_record_rather_than_cut_them(member: Any) -> None:
    job = run_import(
        member, _document({"given_name": "Ada", "tags": [f"t{i}" for i in range(51)]}), "p.json"
    )
    assert outcomes(job) == [(1, "failed")]
    assert _messages(job) == ["tags: At most 50 entries."]
    assert Contact.objects.count() == 0


def test_json_unknown_keys_and_site_fields_are_ignored(member: Any, other_member: Any) -> None:
    record = {"given_name": "Ada", "zzz": {"a": 1}, "owner": other_member.pk, "id": 99}
    job = run_import(member, _document(record), "people.json")
    assert outcomes(job) == [(1, "created")]
    ada = Contact.objects.get()
    assert (ada.given_name, ada.owner, ada.pk == 99) == ("Ada", member, False)


def test_json_duplicate_uids_give_the_second_person_a_new_uid(member: Any) -> None:
    job = run_import(
        member,
        _document({"given_name": "A", "uid": "u1"}, {"given_name": "B", "uid": "u1"}),
        "people.json",
    )
    assert outcomes(job) == [(1, "created"), (2, "created")]
    assert _messages(job) == ["", "UID u1 is already used; the person got a new one."]
    assert Contact.objects.get(given_name="A").uid == "u1"
    assert Contact.objects.get(given_name="B").uid != "u1"


@pytest.mark.parametrize(
    "extra",
    [
        [1, None, "x"],
        "x",
        [{"name": "X-A\r\nFN:Injected", "value": "v"}],
        [{"name": "X-A", "group": "g\r\nFN", "value": "v"}],
        [{"name": "X-A", "value": "v\r\nEND:VCARD"}],
        [{"name": "X-A", "params": "TYPE", "value": "v"}],
        [{"name": "X-A", "params": [["TYPE"]], "value": "v"}],
        [{"name": "X-A", "params": [["TYPE", ['a"\r\nFN:x']]], "value": "v"}],
        [{"name": "X-A", "params": [[None, ["x:FN"]]], "value": "v"}],
    ],
    ids=[
        "not objects",
        "a string",
        "name",
        "group",
        "value",
        "params string",
        "param pair",
        "param value",
        "bare param",
    ],
)
def test_json_vcard_extra_that_would_break_vcard_exports_fails_the_record(
    member: Any, member_client: Any, extra: Any
) -> None:
    job = run_import(member, _document({"given_name": "Ada", "vcard_extra": extra}), "p.json")
    assert outcomes(job) == [(1, "failed")]
    assert _messages(job) == [
        'record 1, field "vcard_extra": Enter a list of vCard properties: '
        '{"name", "value", "params", "group"}.'
    ]
    assert Contact.objects.count() == 0


def test_json_vcard_extra_as_exported_comes_back_and_exports_again(
    member: Any, member_client: Any
) -> None:
    extra = [
        {"group": "item1", "name": "X-ABLabel", "params": [], "value": "Mum"},
        {"group": None, "name": "X-A", "params": [["TYPE", ["a", "b c"]], [None, ["PREF"]]]},
        # The codec reads groups with dots and bare parameters that are not tokens.
        {"group": "a.b", "name": "X-B", "params": [[None, ["x odd"]]], "value": "v"},
    ]
    job = run_import(member, _document({"given_name": "Ada", "vcard_extra": extra}), "p.json")
    assert outcomes(job) == [(1, "created")]
    ada = Contact.objects.get()
    assert ada.vcard_extra == [extra[0], {**extra[1], "value": ""}, extra[2]]
    card = member_client.get(f"/io/people/{ada.pk}/vcard/").content.decode()
    assert "item1.X-ABLabel:Mum\r\n" in card
    assert "X-A;TYPE=a,b c;TYPE=PREF:\r\n" in card
    assert "a.b.X-B;TYPE=x odd:v\r\n" in card


# vCard --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "photo",
    [
        "PHOTO;VALUE=uri:file:///etc/passwd",
        "PHOTO:http://169.254.169.254/latest/meta-data/",
        "PHOTO;VALUE=uri:https://example.com/me.jpg",
    ],
)
def test_a_photo_link_is_kept_as_text_and_never_fetched(
    member: Any, no_network: None, photo: str
) -> None:
    card = f"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Pic\r\n{photo}\r\nEND:VCARD\r\n"
    job = run_import(member, card, "people.vcf")
    assert outcomes(job) == [(1, "created")]
    pic = Contact.objects.get()
    assert not pic.photo
    assert [item["name"] for item in pic.vcard_extra] == ["PHOTO"]


def test_a_2_mb_photo_that_is_no_image_is_left_out_and_said(member: Any) -> None:
    junk = base64.b64encode(b"\x00junk" * 400_000).decode()
    photo = f"PHOTO;ENCODING=b;TYPE=JPEG:{junk}"
    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Pic\r\n{photo}\r\nEND:VCARD\r\n"
    job = run_import(member, card, "people.vcf")
    assert outcomes(job) == [(1, "created")]
    assert _messages(job) == ["Photo not kept: photo: This file is not an image."]
    assert not Contact.objects.get().photo


def test_a_card_of_100000_properties_is_refused_naming_its_line(member: Any) -> None:
    lines = "".join(f"X-P{i}:v{i}\r\n" for i in range(100_000))
    fine = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Fine\r\nEND:VCARD\r\n"
    card = f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Many\r\n{lines}END:VCARD\r\n"
    job = run_import(member, card + fine)
    assert outcomes(job) == [(1, "failed"), (100_005, "created")]
    assert _messages(job)[0].startswith("line 1: the card holds 100000 properties")
    assert list(Contact.objects.values_list("display_name", flat=True)) == ["Fine"]


def test_control_characters_in_a_vcard_name_fail_the_card(member: Any) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Bob\x07;;;\r\nFN:Bob\x1b[31m\r\nEND:VCARD\r\n"
    job = run_import(member, card, "people.vcf")
    assert outcomes(job) == [(1, "failed")]
    assert _messages(job) == [
        "given_name: Control characters are not allowed.; "
        "display_name: Control characters are not allowed."
    ]
    assert Contact.objects.count() == 0


def test_a_nul_byte_in_a_card_fails_that_card_naming_its_line(member: Any) -> None:
    content = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nX-FOO:a\x00b\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\nEND:VCARD\r\n"
    )
    job = run_import(member, content, "people.vcf")
    assert job.status == JobStatus.SUCCEEDED
    assert outcomes(job) == [(1, "failed"), (6, "created")]
    assert _messages(job) == ["line 4: a NUL character (byte 0) is not text.", ""]
    assert list(Contact.objects.values_list("given_name", "display_name")) == [("", "Bob")]


def test_a_header_that_is_not_the_chosen_encoding_fails_the_job_naming_line_1(
    member: Any,
) -> None:
    job = run_import(member, b"First Name,Caf\xe9\r\nAda,x\r\n", "people.csv", encoding="utf-8")
    assert job.status == JobStatus.FAILED
    assert job.error == (
        "line 1: bytes that are not UTF-8 text (0xe9): choose the file's encoding "
        "(Outlook writes Windows-1252)."
    )
    assert Contact.objects.count() == 0


def test_json_nested_deep_among_the_organizations_names_its_record(member: Any) -> None:
    content = (
        b'{"format":"rubrica","version":1,"contacts":[],"organizations":["Acme",{"name":"B"},'
        b'{"name":"Deep","notes":' + b"[" * 100 + b"]" * 100 + b"}]}"
    )
    job = run_import(member, content, "people.json")
    assert job.status == JobStatus.FAILED
    assert job.error == "Record 3 nests values more than 32 levels deep."
    assert Organization.objects.count() == 0


def test_json_bad_values_cost_the_value_not_the_person(member: Any) -> None:
    record = {
        "given_name": "Ada",
        "birthday": "1990-02-30",
        "emails": [{"value": "ada@example.com"}, {"value": "not an address"}],
        "phones": [{"value": "call me"}, {"value": "+39 06 1234 5678"}],
    }
    job = run_import(member, _document(record), "people.json")
    assert outcomes(job) == [(1, "created")]
    ada = Contact.objects.get()
    assert ada.birthday == ""
    assert [e.value for e in ada.emails.all()] == ["ada@example.com"]
    assert [p.raw for p in ada.phones.all()] == ["+39 06 1234 5678"]
    for kept in ("1990-02-30", "not an address", "call me"):
        assert kept in ada.notes
    [message] = _messages(job)
    for named in ('field "birthday"', 'field "emails.1.value"', 'field "phones.0.value"'):
        assert named in message
