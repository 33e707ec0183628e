"""Right-to-left done properly: user data is bidi-isolated, directional icons mirror in RTL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse

from tests.factories import make_contact

SRC = Path(__file__).resolve().parents[2] / "src" / "rubrica"

#: The last part of a template variable that is data people typed (names, e-mails, phones...).
USER_DATA = re.compile(
    r"\{\{\s*[\w.]*\.(display_name|primary_email|primary_phone|get_username|website|"
    r"subject|filename|original_name|survivor_name|merged_name|contact_name)\s*(\|[^}]*)?\}\}"
)
BLOCKS = re.compile(
    r"\{% block title %\}.*?\{% endblock %\}|\{% blocktranslate.*?\{% endblocktranslate %\}"
    r"|\{% verbatim %\}.*?\{% endverbatim %\}",
    re.S,
)


def _text_occurrences(source: str):
    """User-data variables written as element text (not attributes, titles or options)."""
    blanked = BLOCKS.sub(lambda m: " " * len(m.group(0)), source)
    for match in USER_DATA.finditer(blanked):
        before = blanked[: match.start()]
        if match.group(0).lstrip("{ ").startswith("errors."):
            continue  # an error message about the field, not the field's value
        if before.rfind("<") > before.rfind(">"):
            continue  # inside a tag: an attribute value
        opened = before.rfind("<option")
        if opened > before.rfind("</option"):
            continue
        yield match


def test_the_bdi_filter_escapes_and_isolates():
    html = Template("{% load rubrica_web %}{{ v|bdi }}|{{ e|bdi|default:'—' }}").render(
        Context({"v": "<b>giulia@example.com</b>", "e": ""})
    )

    assert html == "<bdi>&lt;b&gt;giulia@example.com&lt;/b&gt;</bdi>|—"


def test_every_template_isolates_names_emails_and_phones():
    """Each such variable sits in ``<bdi>`` or directly in an element with ``dir="auto"``."""
    missing = []
    for path in SRC.rglob("templates/**/*.html"):
        source = path.read_text()
        for match in _text_occurrences(source):
            before = source[: match.start()]
            last_tag = before[before.rfind("<") :]
            if not before.endswith("<bdi>") and 'dir="auto"' not in last_tag:
                line = source.count("\n", 0, match.start()) + 1
                missing.append(f"{path.relative_to(SRC)}:{line}: {match.group(0)}")
    assert missing == []


@pytest.mark.django_db
def test_a_latin_email_inside_a_persian_page_keeps_its_direction(member_client, member):
    make_contact(member, given_name="Giulia", family_name="Rossi")

    html = member_client.get(reverse("contacts:list"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert '<html lang="fa" dir="rtl">' in html
    assert "<bdi>Giulia Rossi</bdi>" in html


def test_directional_icons_mirror_in_rtl():
    css = (SRC / "web" / "static" / "web" / "app.css").read_text()
    pager = (SRC / "web" / "templates" / "web" / "partials" / "pager.html").read_text()

    assert '[dir="rtl"] .flip-rtl' in css
    assert pager.count("flip-rtl") == 4
    # our stylesheet uses logical properties only: no physical left/right
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not re.search(r"(margin|padding|border)-(left|right)|[^-](left|right)\s*:", rules)
