"""Entry standards: phones (phonenumbers, E.164), emails (email-validator, no DNS), URLs, dates.

Each function returns the normalised value or raises ``ValueError`` with a translated message that
the caller attaches to the field.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

#: Where the team's default country comes from (``accounts`` sets it from its ``ready()``: the
#: team settings in the database); the core knows no app. Falls back to the operator's
#: ``DEFAULT_PHONE_REGION`` when the source gives nothing.
_region_source: Callable[[], str] | None = None


def set_default_region_source(source: Callable[[], str] | None) -> None:
    global _region_source
    _region_source = source


def default_region() -> str:
    """The region phone numbers typed without a country code are read in: the team's country,
    else the operator's ``DEFAULT_PHONE_REGION``; "" when neither is set (such numbers are then
    refused, never silently read as American)."""
    chosen = _region_source() if _region_source is not None else ""
    return chosen or settings.RUBRICA_DEFAULT_PHONE_REGION or ""


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str
    extension: str


def phone(raw: str, region: str | None = None) -> Phone:
    """Parse a phone as typed; keep the typed form and its E.164 form (plus any extension)."""
    text = " ".join(str(raw).split())
    if not text:
        raise ValueError(_("Enter a phone number."))
    if len(text) > 64:
        raise ValueError(_("A phone number has at most 64 characters."))
    if text.lower().startswith("tel:"):
        text = text[4:]
    region = region or default_region()
    try:
        parsed = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        if not region and exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise ValueError(
                _(
                    "Type this number with its country code (such as +39): no default country "
                    "is set for the team (Settings, Team settings)."
                )
            ) from None
        raise ValueError(_("This is not a phone number.")) from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(_("This phone number has the wrong number of digits."))
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if parsed.extension is None:
        _remember_national(e164, parsed)
    return Phone(raw=" ".join(str(raw).split()), e164=e164, extension=parsed.extension or "")


#: National forms of the numbers ``phone`` parsed lately, by E.164 form: indexing a person just
#: validated (``search.text.phone_digits``) then does not parse each number a second time
#: (a third of an import's validation). Bounded: emptied when full.
_NATIONAL: dict[str, str] = {}
_NATIONAL_MAX = 4096


def _remember_national(e164: str, parsed: phonenumbers.PhoneNumber) -> None:
    if len(_NATIONAL) >= _NATIONAL_MAX:
        _NATIONAL.clear()
    _NATIONAL[e164] = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def national_form(e164: str) -> str | None:
    """The national format of an E.164 number ("+39 347 123 4567" for Italy gives
    "347 123 4567"); None when it does not parse."""
    known = _NATIONAL.get(e164)
    if known is not None:
        return known
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def email(raw: str) -> str:
    """A syntactically valid address, domain lower-cased and IDNA-normalised. No DNS look-up."""
    text = str(raw).strip()
    if not text:
        raise ValueError(_("Enter an email address."))
    if len(text) > 254:
        raise ValueError(_("An email address has at most 254 characters."))
    simple = _simple_email(text)
    if simple is not None:
        return simple
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(_("Enter a valid email address.")) from None
    return result.normalized


# Plain ASCII addresses (letters, digits, ``_%+-`` and inner dots before the @; LDH labels and an
# alphabetic top-level domain after it): a shape strictly narrower than what email-validator
# accepts, for which its normalized form is the local part as typed and the domain lower-cased.
_SIMPLE_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]{1,64}(?:\.[A-Za-z0-9_%+-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def _simple_email(text: str) -> str | None:
    """``validate_email(text).normalized`` without the library's 150 µs, for the common shape;
    None when anything could make the library answer differently (a role mailbox it
    lower-cases, a special-use domain it refuses, a punycode label, a long local part): the
    caller then asks the library itself."""
    if _SIMPLE_EMAIL.fullmatch(text) is None:
        return None
    at = text.index("@")
    local, domain = text[:at], text[at + 1 :].lower()
    if at > 64 or "--" in domain or local.lower() in CASE_INSENSITIVE_MAILBOX_NAMES:
        return None
    if any(domain == name or domain.endswith("." + name) for name in SPECIAL_USE_DOMAIN_NAMES):
        return None
    return f"{local}@{domain}"


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def url(raw: str) -> str:
    """An http(s) URL: scheme added when missing, scheme and host lower-cased."""
    text = str(raw).strip()
    if not text:
        raise ValueError(_("Enter a web address."))
    if len(text) > 2000:
        raise ValueError(_("A web address has at most 2000 characters."))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise ValueError(_("Control characters are not allowed."))
    if not _SCHEME.match(text):
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(_("Only http and https addresses are allowed."))
    host = parts.hostname or ""
    if not host or " " in text or ("." not in host and host != "localhost"):
        raise ValueError(_("Enter a valid web address."))
    netloc = parts.netloc.rsplit("@", 1)
    netloc[-1] = netloc[-1].lower()
    path = parts.path or ("/" if not parts.query and not parts.fragment else parts.path)
    return urlunsplit((parts.scheme.lower(), "@".join(netloc), path, parts.query, parts.fragment))


_PARTIAL_DATE = re.compile(r"^(?:(\d{4})|--)-?(\d{2})-?(\d{2})$")


def partial_date(raw: str) -> str:
    """An ISO date, or ``--MM-DD`` when the year is unknown (birthdays, anniversaries)."""
    text = str(raw).strip()
    match = _PARTIAL_DATE.match(text)
    if not match:
        raise ValueError(_("Enter a date as YYYY-MM-DD, or --MM-DD without a year."))
    year, month, day = match.groups()
    try:
        dt.date(int(year) if year else 2000, int(month), int(day))
    except ValueError:
        raise ValueError(_("This date does not exist.")) from None
    return f"{year}-{month}-{day}" if year else f"--{month}-{day}"


def time_zone(raw: str) -> str:
    text = str(raw).strip()
    if text not in zoneinfo.available_timezones():
        raise ValueError(_("Enter an IANA time zone such as Europe/Rome."))
    return text


#: Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they can
#: make a name read backwards or hide what follows it ("Trojan Source"). No language needs them
#: in a name; the marks it may need (U+200E, U+200F, U+061C) are allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_bidi(text: str) -> str:
    """``text`` unchanged, or ValueError when it holds a bidi embedding, override or isolate."""
    if not text.isprintable() and any(ch in BIDI_CONTROLS for ch in text):
        raise ValueError(
            _(
                "Text direction overrides (U+202A–U+202E, U+2066–U+2069) are not allowed; "
                "the marks U+200E, U+200F and U+061C are."
            )
        )
    return text


def single_line(raw: object, *, max_length: int) -> str:
    """Trimmed text with inner runs of white space folded; control characters refused."""
    if raw == "" and raw.__class__ is str:  # most address parts and labels of an import
        return ""
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise ValueError(_("Enter text."))
    text = " ".join(str(raw).split())
    if len(text) > max_length:
        raise ValueError(_("Enter at most %(n)d characters.") % {"n": max_length})
    # isprintable() is False for every control character: the character scan only runs for
    # the rare text that holds some other unprintable character.
    if not text.isprintable():
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise ValueError(_("Control characters are not allowed."))
        check_bidi(text)
    return text
