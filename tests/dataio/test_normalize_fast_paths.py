"""The import's fast paths in ``core.normalize`` answer exactly what the slow paths answer."""

from __future__ import annotations

import random
import string

import pytest
from email_validator import EmailNotValidError, validate_email

from rubrica.core import normalize


def _library(text: str) -> str | None:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@pytest.mark.parametrize(
    "text",
    [
        "Ada.Lovelace@Example.COM",
        "NOC@example.com",
        "Postmaster@Example.org",
        "a@b.test",
        "x@host.local",
        "x@xn--p1ai.com",
        "x@a.xn--p1ai",
        "a" * 65 + "@example.com",
        "a..b@example.com",
        "-a@ex-ample.io",
    ],
)
def test_the_email_fast_path_gives_the_library_answer_on_edge_shapes(text: str) -> None:
    fast = normalize._simple_email(text)
    assert fast is None or fast == _library(text)


def test_the_email_fast_path_gives_the_library_answer_on_random_addresses() -> None:
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "_%+-."
    tlds = ["com", "Test", "LOCAL", "arpa", "onion", "io", "localhost", "invalid"]
    checked = 0
    for n in range(5000):
        local = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        host = "".join(rng.choice(string.ascii_letters + string.digits + "-") for _ in range(6))
        tld = rng.choice(tlds) if n % 3 == 0 else "".join(rng.choices(string.ascii_letters, k=3))
        text = f"{local}@{host}.{tld}"
        fast = normalize._simple_email(text)
        if fast is not None:
            checked += 1
            assert fast == _library(text), text
    assert checked > 1000


def test_single_line_still_refuses_control_characters_and_folds_spaces() -> None:
    assert normalize.single_line("", max_length=5) == ""
    assert normalize.single_line("  a \t b  ", max_length=5) == "a b"
    with pytest.raises(ValueError, match="Control characters"):
        normalize.single_line("a\x00b", max_length=5)
    with pytest.raises(ValueError, match="Control characters"):
        normalize.single_line("a\x7fb", max_length=5)


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("+39 347 123 4567", None),
        ("02 1234 5678", "IT"),
        ("06 9876543", "IT"),
        ("(415) 555-0134", "US"),
        ("+44 20 7946 0958", None),
        ("020 7946 0958", "GB"),
        ("+49 30 123456", None),
        ("+98 21 1234 5678", None),
        ("+86 10 1234 5678", None),
        ("+1 242 357 1234", None),
        ("+39 0331 123456", None),
        ("+39 06 698 12345", None),
        ("+1 415 555 0134 ext. 12", None),
    ],
)
def test_the_national_form_remembered_from_validation_is_the_one_parsed_again(
    typed: str, region: str | None
) -> None:
    import phonenumbers

    e164 = normalize.phone(typed, region).e164
    normalize._NATIONAL.clear()
    fresh = normalize.national_form(e164)
    normalize.phone(typed, region)
    if "ext." in typed:  # a number typed with an extension is not remembered
        assert e164 not in normalize._NATIONAL
    else:
        assert normalize._NATIONAL[e164] == fresh
    assert fresh == phonenumbers.format_number(
        phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL
    )
