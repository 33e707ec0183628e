"""Cell checks for the reader's hot path.

The contacts services validate every value again when the importer writes it; the reader checks
cells so that a bad one is reported with its line and column. ``core.normalize`` costs about
25 µs per email and per phone, which alone would cap a reader at some 20,000 rows/s, so common,
plainly valid shapes are accepted by a cheap test that is strictly narrower than the real one
(anything it accepts, ``normalize`` accepts too: see the tests) and everything else goes through
``normalize``, whose verdict and message stand.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re

import phonenumbers
from django.utils.translation import gettext as _

from rubrica.core import normalize

_SIMPLE_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]{1,64}(?:\.[A-Za-z0-9_%+-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})"
)
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


def _fast_email(value: str) -> bool:
    match = _SIMPLE_EMAIL.fullmatch(value)
    return bool(
        match
        and len(value) <= 254
        and value.index("@") <= 64
        and match.group(1).lower() not in _SPECIAL_USE
        and "--" not in value[value.index("@") :]  # punycode and the like: the full check
    )


def check_email(value: str) -> str | None:
    """None when ``value`` is a valid address, else the problem."""
    if _fast_email(value):
        return None
    try:
        normalize.email(value)
    except ValueError as exc:
        return str(exc)
    return None


_SIMPLE_PHONE = re.compile(r"\+[0-9][0-9 ().-]{3,30}")
_NOT_DIGITS = re.compile(r"[^0-9]")


@functools.cache
def _country(code: int) -> tuple[frozenset[int], re.Pattern[str] | None] | None:
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
    if not regions:
        return None
    if regions[0] == "001":
        metadata = phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
    else:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0])
    if metadata is None or metadata.general_desc is None:
        return None
    desc = metadata.general_desc
    lengths = frozenset((desc.possible_length or ()) + (desc.possible_length_local_only or ()))
    prefix = metadata.national_prefix_for_parsing
    return lengths, re.compile(prefix) if prefix else None


def _fast_phone(value: str) -> bool:
    """True for ``+<country code><national number>`` whose length the country allows and from
    which phonenumbers would strip no national prefix (so its verdict would be the same)."""
    if not _SIMPLE_PHONE.fullmatch(value):
        return False
    digits = _NOT_DIGITS.sub("", value)
    for size in (1, 2, 3):
        country = _country(int(digits[:size]))
        if country is None:
            continue
        lengths, prefix = country
        national = digits[size:]
        return len(national) in lengths and not (prefix is not None and prefix.match(national))
    return False


_NATIONAL_PHONE = re.compile(r"\(?[0-9][0-9 ().-]{3,30}")


@functools.cache
def _region(region: str) -> tuple[frozenset[int], re.Pattern[str] | None, re.Pattern[str]] | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return None
    desc = metadata.general_desc
    lengths = frozenset((desc.possible_length or ()) + (desc.possible_length_local_only or ()))
    prefix = metadata.national_prefix_for_parsing
    international = metadata.international_prefix or "$^"
    return lengths, re.compile(prefix) if prefix else None, re.compile(international)


def _fast_national_phone(value: str, region: str) -> bool:
    """True for a number written without a country code whose length the region allows and
    that starts neither with the region's national prefix nor its international prefix (where
    phonenumbers would rewrite it before checking)."""
    if not _NATIONAL_PHONE.fullmatch(value):
        return False
    facts = _region(region)
    if facts is None:
        return False
    lengths, prefix, international = facts
    digits = _NOT_DIGITS.sub("", value)
    return (
        len(digits) in lengths
        and not (prefix is not None and prefix.match(digits))
        and not international.match(digits)
    )


def check_phone(value: str, region: str | None = None) -> str | None:
    if value[:1] == "+":
        if _fast_phone(value):
            return None
    elif _fast_national_phone(value, region or normalize.default_region()):
        return None
    try:
        normalize.phone(value, region)
    except ValueError as exc:
        return str(exc)
    return None


def check_url(value: str) -> str | None:
    try:
        normalize.url(value)
    except ValueError as exc:
        return str(exc)
    return None


_NUMERIC_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")
_EMPTY_DATES = frozenset({"0/0/00", "0.0.00", "00.00.0000", "0/0/0000", "00/00/0000"})
UNKNOWN_YEARS = frozenset({"1604", "0000", "0001", "0002", "0004"})


def parse_date(value: str, order: str = "MDY") -> str:
    """``YYYY-MM-DD`` or ``--MM-DD`` from the forms seen in exports: ISO (with or without a
    time), ``--MM-DD``, and ``D/M/Y``-like dates in the file's ``order`` (``MDY`` for English
    Outlook, ``DMY`` for most others; a day above 12 settles it). ``""`` for Outlook's empty
    ``0/0/00``. ValueError with a readable message otherwise."""
    text = value.strip()
    if not text or text in _EMPTY_DATES:
        return ""
    if len(text) >= 10 and text[4] == "-" and text[:4].isdigit():
        text = text[:10]
        if text[:4] in UNKNOWN_YEARS:  # Apple 1604, Google legacy 0002: the year is unknown
            text = "--" + text[5:]
        return normalize.partial_date(text)
    if text.startswith("--"):
        return normalize.partial_date(text)
    match = _NUMERIC_DATE.fullmatch(text)
    if not match:
        return normalize.partial_date(text)  # raises with the standard message, or accepts
    a, b, c = match.groups()
    if len(a) == 4:
        year, month, day = a, b, c
    else:
        first, second = int(a), int(b)
        if order == "DMY" or (first > 12 >= second):
            day, month = a, b
        else:
            month, day = a, b
        year = c
        if second > 12 >= first and order == "DMY":
            month, day = a, b
    if len(year) <= 2:
        this_year = dt.datetime.now(tz=dt.UTC).year % 100
        year = ("20" if int(year) <= this_year else "19") + year.zfill(2)
    if len(year) != 4:
        raise ValueError(_("Enter a date as YYYY-MM-DD, or --MM-DD without a year."))
    month_n, day_n = int(month), int(day)
    if not (1 <= month_n <= 12 and 1 <= day_n <= calendar.monthrange(2000, month_n)[1]):
        raise ValueError(_("This date does not exist."))
    return normalize.partial_date(f"{year}-{month_n:02d}-{day_n:02d}")
