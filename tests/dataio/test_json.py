"""The JSON export document and its streaming reader."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import tracemalloc

import pytest

from rubrica.dataio.jsonio import JsonFormatError, JsonReader, JsonWriter, write_json

WHEN = dt.datetime(2026, 11, 22, 18, 0, tzinfo=dt.UTC)


def _document(contacts, organizations=()) -> bytes:
    out = io.BytesIO()
    write_json(out, contacts, organizations, exported_at=WHEN)
    return out.getvalue()


def test_the_document_is_one_versioned_json_value_with_one_record_per_line():
    body = _document(
        [{"uid": "a", "given_name": "Ada", "since": dt.date(2020, 1, 2)}],
        [{"uid": "o", "name": "Engines", "size": decimal.Decimal("1.50")}],
    )

    assert json.loads(body) == {
        "format": "rubrica",
        "version": 1,
        "exported_at": "2026-11-22T18:00:00+00:00",
        "contacts": [{"uid": "a", "given_name": "Ada", "since": "2020-01-02"}],
        "organizations": [{"uid": "o", "name": "Engines", "size": "1.50"}],
    }
    assert body.decode().splitlines()[2] == '{"uid":"a","given_name":"Ada","since":"2020-01-02"}'


def test_an_empty_export_is_still_a_valid_document():
    out = io.BytesIO()
    JsonWriter(out, exported_at=WHEN).close()

    assert json.loads(out.getvalue())["contacts"] == []
    assert list(JsonReader(io.BytesIO(out.getvalue())).records()) == []


def test_reader_yields_records_with_affiliations_and_the_primary_as_organization():
    body = _document(
        [
            {
                "uid": "c-1",
                "given_name": "Ada",
                "owner": "someone",
                "emails": [{"label": "work", "value": "ada@example.com", "is_preferred": True}],
                "affiliations": [
                    {"organization": "Old Co", "title": "Intern", "is_primary": False},
                    {
                        "organization": "Engines",
                        "title": "Analyst",
                        "department": "R&D",
                        "is_primary": True,
                    },
                ],
            }
        ],
        [{"uid": "o-1", "name": "Engines"}],
    )
    reader = JsonReader(io.BytesIO(body))

    [record] = list(reader.records())
    organizations = list(reader.organizations())

    assert record.line == 1
    assert record.external_id == "c-1"
    assert record.errors == []
    assert record.data == {
        "given_name": "Ada",
        "emails": [{"label": "work", "value": "ada@example.com", "is_preferred": True}],
    }
    assert record.organization == {"name": "Engines", "title": "Analyst", "department": "R&D"}
    assert [a["organization"] for a in record.affiliations] == ["Old Co", "Engines"]
    assert [(o.line, o.uid, o.data, o.errors) for o in organizations] == [
        (1, "o-1", {"name": "Engines"}, [])
    ]


def test_validation_errors_name_the_record_and_the_field():
    body = _document(
        [
            {"given_name": "Fine"},
            {
                "given_name": 7,
                "birthday": "1990-02-30",
                "tags": "not a list",
                "emails": [{"value": "nope"}, "x"],
                "phones": [{"value": "+1"}],
                "affiliations": [{"title": "no organization"}],
            },
            ["not", "an", "object"],
        ]
    )

    records = list(JsonReader(io.BytesIO(body)).records())

    assert records[0].errors == []
    assert records[1].line == 2
    assert records[1].errors == [
        'record 2, field "given_name": Enter text.',
        'record 2, field "tags": Enter a list of texts.',
        'record 2, field "emails.1": Enter an object.',
        'record 2, field "affiliations.0.organization": Enter an organization.',
    ]
    # A bad value is named, and kept for the import to set aside: it does not cost the record.
    assert records[1].set_aside == [
        'record 2, field "birthday": This date does not exist.',
        'record 2, field "emails.0.value": Enter a valid email address.',
        'record 2, field "phones.0.value": This is not a phone number.',
    ]
    assert records[1].data["birthday"] == "1990-02-30"
    assert records[2].errors == ["record 3: not an object"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"format": "vcard", "version": 1, "contacts": []}', "not a Rubrica export"),
        (b'{"contacts": [{"given_name": "x"}]}', "not a Rubrica export"),
        (b'{"format": "rubrica", "version": 2, "contacts": []}', "Version 2"),
        (b'{"format": "rubrica", "version": 1, "contacts": [{"a": 1}, {"b": ', "not valid JSON"),
    ],
)
def test_documents_this_version_cannot_read_are_refused_clearly(body, message):
    with pytest.raises(JsonFormatError, match=message):
        list(JsonReader(io.BytesIO(body)).records())


def test_reading_a_large_export_holds_one_record_at_a_time():
    records = ({"uid": f"c-{i}", "given_name": f"Person {i}", "notes": "x" * 200}
               for i in range(20_000))  # fmt: skip
    body = _document(records)
    assert len(body) > 4_000_000

    tracemalloc.start()
    try:
        count = sum(1 for _record in JsonReader(io.BytesIO(body)).records())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 20_000
    assert peak < 1_000_000
