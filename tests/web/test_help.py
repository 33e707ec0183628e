"""In-app help: the user guide rendered in the app, searchable, linked from each screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.web import help as guide

pytestmark = pytest.mark.django_db


def test_the_guide_is_cut_into_sections_with_stable_slugs():
    slugs = [section.slug for section in guide.sections("en")]

    assert slugs[:3] == ["people-and-organizations", "search", "lists"]
    assert "duplicates" in slugs
    assert set(guide.SECTION_OF_SCREEN.values()) <= set(slugs)


def test_sections_are_rendered_as_safe_html():
    search = next(s for s in guide.sections("en") if s.slug == "search")

    timeline = next(s for s in guide.sections("en") if s.slug == "timeline-and-quick-log")

    assert "<p>" in search.html
    assert "<kbd>L</kbd>" in timeline.html
    assert "<script" not in "".join(s.html for s in guide.sections("en"))


def test_help_page_shows_every_section_with_an_anchor(member_client):
    html = member_client.get(reverse("help")).content.decode()

    assert '<section id="duplicates"' in html
    assert '<h2 class="h4" id="h-duplicates">Duplicates</h2>' in html


def test_help_search_needs_every_word(member_client):
    html = member_client.get(reverse("help"), {"q": "scan duplicates"}).content.decode()
    titles = [s.title for s in guide.search("scan duplicates")]

    assert "Duplicates" in titles
    assert "Command line" not in titles
    assert '<a href="#duplicates"' in html
    assert guide.search("zzzz-no-such-word") == []


def test_each_screen_links_its_help_section(member_client):
    people = member_client.get(reverse("contacts:list")).content.decode()
    duplicates = member_client.get(reverse("dedup:list")).content.decode()

    assert 'href="/help/#people-and-organizations" id="help-link"' in people
    assert 'href="/help/#duplicates" id="help-link"' in duplicates


def test_an_english_guide_inside_a_persian_page_stays_left_to_right(member_client):
    html = member_client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert '<html lang="fa" dir="rtl">' in html
    assert '<div class="help-guide" lang="en" dir="ltr">' in html
