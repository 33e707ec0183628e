"""Local formats (ADR 0021): dates, times, year-less dates, numbers and phones as each locale
writes them, in the reader's time zone and date style."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from rubrica.core import formats

MOMENT = dt.datetime(2026, 12, 5, 19, 46, tzinfo=dt.UTC)
ROME = zoneinfo.ZoneInfo("Europe/Rome")
TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Dec 5, 2026, 8:46\u202fPM"),  # CLDR: a narrow no-break space
        ("it", "5 dic 2026, 20:46"),
        ("zh-hans", "2026年12月5日 20:46"),
    ],
)
def test_a_moment_is_written_in_the_locale_and_the_readers_time_zone(language, expected) -> None:
    assert formats.format_datetime(MOMENT, language=language, tz=ROME, style="locale") == expected


def test_persian_gets_persian_digits_and_the_tehran_time() -> None:
    text = formats.format_datetime(MOMENT, language="fa", tz=TEHRAN, style="locale")

    assert text.startswith("۵ دسامبر ۲۰۲۶")
    assert text.endswith("۲۳:۱۶")


def test_the_jalali_style_writes_the_persian_calendar() -> None:
    assert formats.format_date(MOMENT, language="fa", tz=TEHRAN, style="jalali") == "۱۴ آذر ۱۴۰۵"


def test_the_iso_style_writes_iso_dates_and_24_hour_times() -> None:
    assert (
        formats.format_datetime(MOMENT, language="en", tz=ROME, style="iso") == "2026-12-05 20:46"
    )


def test_a_datetime_shown_as_a_date_is_the_readers_local_day() -> None:
    late = dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)

    assert formats.format_date(late, language="en", tz=TEHRAN, style="locale") == "Dec 6, 2026"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "April 15"), ("it", "15 aprile"), ("zh-hans", "4月15日"), ("fa", "۱۵ آوریل")],
)
def test_a_year_less_date_is_written_as_the_locale_writes_a_day_and_month(
    language, expected
) -> None:
    assert formats.format_partial_date("--04-15", language=language, style="locale") == expected


def test_a_full_birthday_and_a_leap_day_without_a_year() -> None:
    assert formats.format_partial_date("1990-04-15", language="it", style="locale") == "15 apr 1990"
    assert formats.format_partial_date("--02-29", language="en", style="locale") == "February 29"
    assert formats.format_partial_date("not a date", language="en") == "not a date"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1,234,567.5"), ("it", "1.234.567,5"), ("fa", "۱٬۲۳۴٬۵۶۷٫۵")],
)
def test_numbers_use_the_locales_separators_and_digits(language, expected) -> None:
    assert formats.format_number(1234567.5, language=language) == expected


def test_a_phone_is_shown_international_with_the_national_form_as_hint() -> None:
    assert formats.phone_international("+393471234567") == "+39 347 123 4567"
    assert formats.phone_national("+393471234567") == "347 123 4567"
    assert formats.phone_international("not a phone") == "not a phone"


def test_the_active_style_is_the_one_the_request_activated() -> None:
    token = formats.activate("iso")
    try:
        assert formats.format_date(dt.date(2026, 12, 5), language="fa") == "2026-12-05"
    finally:
        formats.deactivate(token)
    assert formats.active_style() == "locale"
