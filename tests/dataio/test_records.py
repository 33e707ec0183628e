"""The shared record, the mapping vocabulary, the cell checks, and bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rubrica.core import normalize
from rubrica.dataio.records import SourceRecord
from rubrica.dataio.tabular import CsvReader, checks, parse_target
from rubrica.dataio.tabular.targets import Target


def test_source_record_defaults():
    record = SourceRecord(line=3, data={"given_name": "Ada"})

    assert (record.organization, record.external_id, record.errors, record.raw) == (
        None,
        None,
        [],
        "",
    )
    assert record.affiliations == []


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("ignore", Target("ignore")),
        ("", Target("ignore")),
        ("given_name", Target("field", "given_name")),
        ("tags", Target("list", "tags")),
        ("full_name", Target("full_name")),
        ("external_id", Target("external_id")),
        ("organization.title", Target("organization", "title")),
        ("custom_fields.shoe_size", Target("custom", "shoe_size")),
        ("emails[1].value", Target("item", "emails", group="1", part="value")),
        ("phones[mobile].value", Target("item", "phones", group="mobile", part="value")),
        (
            "phones[workfax:work,fax].value",
            Target("item", "phones", group="workfax", label="work,fax", part="value"),
        ),
        ("addresses[2].postal_code", Target("item", "addresses", group="2", part="postal_code")),
        ("emails[1].type", Target("item", "emails", group="1", part="type")),
    ],
)
def test_targets_parse_and_print_back(text, target):
    assert parse_target(text) == target
    assert str(target) == (text or "ignore")


@pytest.mark.parametrize(
    "text",
    [
        "shoe_size",
        "organization.ceo",
        "emails[1].city",
        "addresses[1].value",
        "pets[1].value",
        "custom_fields.",
        "emails[1]value",
    ],
)
def test_unknown_targets_are_refused_with_their_name(text):
    with pytest.raises(ValueError, match="is not a known column target"):
        parse_target(text)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("1980-04-15", "MDY", "1980-04-15"),
        ("1980-04-15T00:00:00", "MDY", "1980-04-15"),
        ("1980-04-15 00:00:00", "DMY", "1980-04-15"),
        ("--04-15", "MDY", "--04-15"),
        ("1604-04-15", "MDY", "--04-15"),
        ("0002-01-03", "MDY", "--01-03"),
        ("4/15/1980", "MDY", "1980-04-15"),
        ("4/5/1980", "MDY", "1980-04-05"),
        ("4/5/1980", "DMY", "1980-05-04"),
        ("15/4/1980", "MDY", "1980-04-15"),
        ("4/15/1980", "DMY", "1980-04-15"),
        ("15.04.1980", "DMY", "1980-04-15"),
        ("0/0/00", "MDY", ""),
        ("", "MDY", ""),
        ("1980/4/15", "DMY", "1980-04-15"),
    ],
)
def test_dates_as_exports_write_them(text, order, expected):
    assert checks.parse_date(text, order) == expected


@pytest.mark.parametrize("text", ["31/31/1999", "2/30/2000", "yesterday", "1980-13-01"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValueError):
        checks.parse_date(text, "DMY")


_COUNTRY_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@settings(max_examples=400, deadline=None)
@given(
    code=st.sampled_from(_COUNTRY_CODES),
    digits=st.text("0123456789", min_size=3, max_size=15),
    sep=st.sampled_from(["", " ", "-", "."]),
)
def test_the_fast_international_phone_check_never_accepts_what_normalize_refuses(code, digits, sep):
    value = f"+{code}{sep}{digits}"
    if checks._fast_phone(value):
        normalize.phone(value)  # must not raise


@settings(max_examples=400, deadline=None)
@given(
    region=st.sampled_from(["US", "IT", "DE", "GB", "FR", "BR", "JP", "AR", "MX"]),
    digits=st.text("0123456789", min_size=3, max_size=15),
)
def test_the_fast_national_phone_check_never_accepts_what_normalize_refuses(region, digits):
    if checks._fast_national_phone(digits, region):
        normalize.phone(digits, region)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(checks._SIMPLE_EMAIL, fullmatch=True))
def test_the_fast_email_check_never_accepts_what_normalize_refuses(value):
    if checks._fast_email(value):
        normalize.email(value)


def test_checks_report_the_normalize_message_when_the_fast_path_does_not_apply():
    assert checks.check_email("ada@example.com") is None
    assert checks.check_email("ada@localhost") == "Enter a valid email address."
    assert checks.check_email("Ada Lovelace <ada@example.com>") == "Enter a valid email address."
    assert checks.check_phone("+39 06 1234 5678") is None
    assert checks.check_phone("(415) 555-0134", "US") is None
    assert checks.check_phone("12") == "This phone number has the wrong number of digits."
    assert checks.check_url("example.com") is None


class _GeneratedCsv(io.RawIOBase):
    """A CSV file of ``rows`` rows made on the fly, so the test holds no file either."""

    def __init__(self, rows: int) -> None:
        self._chunks = self._generate(rows)
        self._pending = b""

    @staticmethod
    def _generate(rows: int) -> Iterator[bytes]:
        yield b"First Name,Last Name,E-mail Address,Notes\r\n"
        for start in range(0, rows, 1000):
            yield "".join(
                f'Given{i},Family{i},user{i}@example.com,"note {i}\r\nsecond line"\r\n'
                for i in range(start, min(start + 1000, rows))
            ).encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def test_reading_200k_rows_keeps_memory_bounded():
    tracemalloc.start()
    try:
        count = 0
        last_line = 0
        for record in CsvReader(io.BufferedReader(_GeneratedCsv(200_000))).records():
            count += 1
            last_line = record.line
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 200_000
    assert last_line == 1 + 2 * 199_999 + 1  # each row spans two physical lines
    # The rows alone are some 15 MB of text and far more as Python objects: a reader that
    # kept them would be well past this.
    assert peak < 4_000_000
