"""Dates, times, numbers and phone numbers written as the reader's locale writes them (ADR 0021).

Django's own formats know one short and one long pattern per language; Babel knows the CLDR
patterns of every locale (year-less dates such as "15 apr" or "4月15日" included). Each function
takes the value and, optionally, the locale, time zone and date style; left out, they are the
active ones: the language and time zone of the request (``translation``/``timezone``), and the
date style the accounts middleware activates for the signed-in user (:func:`activate`).

Date styles: ``locale`` (the language's own), ``iso`` (2026-12-05 19:46) and ``jalali`` (the
Persian calendar, through persiantools). Persian text gets Persian digits, as the locale wants.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import re
from decimal import Decimal

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django.utils import timezone, translation

LOCALE = "locale"
ISO = "iso"
JALALI = "jalali"
STYLES = (LOCALE, ISO, JALALI)

_style: contextvars.ContextVar[str] = contextvars.ContextVar("rubrica_date_style", default=LOCALE)
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_PARTIAL = re.compile(r"^(?:(\d{4})|-)-(\d{2})-(\d{2})$")


def activate(style: str) -> contextvars.Token[str]:
    """Make ``style`` the date style of the current request (or thread); returns the token
    :func:`deactivate` takes back."""
    return _style.set(style if style in STYLES else LOCALE)


def deactivate(token: contextvars.Token[str]) -> None:
    _style.reset(token)


def active_style() -> str:
    return _style.get()


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of a Django language code ("zh-hans" is zh_Hans); English if unknown."""
    return _locale(language or translation.get_language() or "en")


@functools.lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def _digits(text: str, locale: Locale) -> str:
    return text.translate(_PERSIAN_DIGITS) if locale.language == "fa" else text


def _jalali(day: dt.date, locale: Locale) -> str:
    from persiantools.jdatetime import JalaliDate

    jalali = JalaliDate(day)  # type: ignore[no-untyped-call]
    if locale.language == "fa":
        return jalali.strftime("%d %B %Y", locale="fa")
    return jalali.strftime("%d %B %Y", locale="en")


def format_date(
    value: dt.date | dt.datetime | None,
    *,
    language: str | None = None,
    style: str | None = None,
    tz: dt.tzinfo | None = None,
) -> str:
    """A date (a datetime is first turned into the reader's local day)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(tz or timezone.get_current_timezone()).date()
    locale = babel_locale(language)
    style = style or active_style()
    if style == ISO:
        return value.isoformat()
    if style == JALALI:
        return _jalali(value, locale)
    return _digits(babel_dates.format_date(value, "medium", locale=locale), locale)


def format_time(
    value: dt.datetime | dt.time | None,
    *,
    language: str | None = None,
    style: str | None = None,
    tz: dt.tzinfo | None = None,
) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(tz or timezone.get_current_timezone()).timetz()
    locale = babel_locale(language)
    if (style or active_style()) == ISO:
        return value.strftime("%H:%M")
    return _digits(babel_dates.format_time(value, "short", locale=locale), locale)


def format_datetime(
    value: dt.datetime | None,
    *,
    language: str | None = None,
    style: str | None = None,
    tz: dt.tzinfo | None = None,
) -> str:
    """A moment in the reader's time zone: their date, then the time."""
    if value is None:
        return ""
    local = value.astimezone(tz or timezone.get_current_timezone())
    locale = babel_locale(language)
    style = style or active_style()
    day = format_date(local.date(), language=language, style=style)
    time = format_time(local, language=language, style=style, tz=local.tzinfo)
    if style == ISO:
        return f"{day} {time}"
    pattern = str(locale.datetime_formats.get("medium", "{1} {0}"))  # "{1}, {0}" in English
    return pattern.replace("{1}", day).replace("{0}", time).replace("'", "")


def format_partial_date(
    value: str | None, *, language: str | None = None, style: str | None = None
) -> str:
    """A stored birthday or anniversary: a full ISO date, or ``--MM-DD`` without a year, which
    is written as the locale writes a day and month ("15 apr", "4月15日", "April 15"). A
    year-less date stays in the Gregorian calendar: its Persian day depends on the year."""
    text = str(value or "")
    match = _PARTIAL.match(text)
    if not match:
        return text
    year, month, day = match.groups()
    locale = babel_locale(language)
    try:
        if year:
            return format_date(
                dt.date(int(year), int(month), int(day)), language=language, style=style
            )
        moment = dt.date(2000, int(month), int(day))  # a leap year: 29 February exists
    except ValueError:
        return text
    if (style or active_style()) == ISO:
        return text
    return _digits(babel_dates.format_skeleton("MMMMd", moment, locale=locale), locale)


def format_number(value: int | float | Decimal | None, *, language: str | None = None) -> str:
    if value is None:
        return ""
    locale = babel_locale(language)
    system = "default" if locale.language == "fa" else "latn"  # Persian separators (٬ ٫)
    return _digits(
        babel_numbers.format_decimal(value, locale=locale, numbering_system=system), locale
    )


def phone_international(e164: str) -> str:
    """A stored E.164 number in the one international format (+39 347 123 4567)."""
    try:
        parsed = phonenumbers.parse(str(e164 or ""), None)
    except phonenumbers.NumberParseException:
        return str(e164 or "")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_national(e164: str) -> str:
    """The same number as dialled inside its country (347 123 4567), shown as a hint."""
    try:
        parsed = phonenumbers.parse(str(e164 or ""), None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


# Jalali entry (ADR 0040) ---------------------------------------------------------------------

_JALALI_TYPED = re.compile(r"^\s*(\d{3,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")
_LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
#: Below this year a typed date is read as a Jalali one (the Persian year 1403 is 2024/25);
#: from it on, as a Gregorian ISO date, so "2026-12-05" still works for a Jalali user.
JALALI_YEAR_LIMIT = 1700


def latin_digits(text: str) -> str:
    """Persian (and Arabic-Indic) digits as Latin ones: "۱۴۰۳" -> "1403"."""
    return text.translate(_LATIN_DIGITS)


def parse_jalali(text: str) -> dt.date | None:
    """The Gregorian day of a typed Jalali date ("۱۴۰۳/۰۱/۱۵", "1403-01-15", "1403.1.15"), or
    None when the text is not written as one (empty, a Gregorian year, "--04-15", words).
    Raises ValueError when it is written as a Jalali date that does not exist (1403/12/31)."""
    match = _JALALI_TYPED.match(latin_digits(text or ""))
    if not match or int(match.group(1)) >= JALALI_YEAR_LIMIT:
        return None
    from persiantools.jdatetime import JalaliDate

    year, month, day = (int(part) for part in match.groups())
    try:
        gregorian: dt.date = JalaliDate(year, month, day).to_gregorian()  # type: ignore[no-untyped-call]
        return gregorian
    except (ValueError, TypeError) as exc:
        raise ValueError(text) from exc


_TIME_TYPED = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_jalali_datetime(text: str) -> dt.datetime | None:
    """The naive Gregorian date and time of a typed Jalali one ("۱۴۰۳/۰۱/۱۵ ۱۴:۳۰",
    "1403-01-15T09:05"; no time is midnight), or None when the day is not written as a Jalali
    date (a Gregorian ISO value, empty). Raises ValueError when it is written as one but the day
    does not exist in the Persian calendar or the time is not HH:MM."""
    latin = latin_digits(text or "").strip()
    day_text, _sep, time_text = latin.replace("T", " ", 1).partition(" ")
    day = parse_jalali(day_text)
    if day is None:
        return None
    if not time_text.strip():
        return dt.datetime.combine(day, dt.time())
    match = _TIME_TYPED.match(time_text)
    if match is None:
        raise ValueError(text)
    hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return dt.datetime.combine(day, dt.time(hour, minute, second))
    except ValueError as exc:
        raise ValueError(text) from exc


def jalali_datetime_input(value: dt.datetime, *, language: str | None = None) -> str:
    """A date and time as a Jalali user types it: "۱۴۰۳/۰۱/۱۵ ۱۴:۳۰" in Persian."""
    text = f"{jalali_input(value.date(), language=language)} {value:%H:%M}"
    return _digits(text, babel_locale(language))


def jalali_input(value: dt.date, *, language: str | None = None) -> str:
    """A day as a Jalali user types it: "۱۴۰۳/۰۱/۱۵" in Persian, "1403/01/15" otherwise."""
    from persiantools.jdatetime import JalaliDate

    jalali = JalaliDate(value)  # type: ignore[no-untyped-call]
    text = f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"
    return _digits(text, babel_locale(language))
