"""In-app help: the user guide rendered in the app, searchable, linked from each screen."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from rubrica.web import help as guide

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after():
    """A request in another language leaves it active in this thread (LocaleMiddleware does
    not deactivate): later tests in the same process expect English."""
    yield
    translation.activate("en")


def test_the_guide_is_cut_into_sections_with_stable_slugs():
    slugs = [section.slug for section in guide.sections("en")]

    assert slugs[:4] == ["getting-started", "people-and-organizations", "search", "lists"]
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


def test_an_english_section_inside_a_persian_page_stays_left_to_right(
    member_client, tmp_path, monkeypatch
):
    # A Persian guide that lags the English one: "API" is missing from it.
    english = (guide.GUIDE_DIR / "user-guide.md").read_text()
    persian = (guide.GUIDE_DIR / "user-guide.fa.md").read_text()
    head, rest = persian.split("## API {#api}", 1)
    (tmp_path / "user-guide.md").write_text(english)
    (tmp_path / "user-guide.fa.md").write_text(head + rest[rest.index("\n## ") + 1 :])
    monkeypatch.setattr(guide, "GUIDE_DIR", tmp_path)

    html = member_client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert '<html lang="fa" dir="rtl">' in html
    # "API" has no Persian translation: it is shown in English, left to right, with a note
    assert 'aria-labelledby="h-api" lang="en" dir="ltr">' in html
    assert 'id="help-language-note"' in html


def test_a_fully_translated_guide_needs_no_note(member_client):
    html = member_client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert 'aria-labelledby="h-api" lang="fa" dir="rtl">' in html
    assert 'lang="en" dir="ltr">' not in html
    assert 'id="help-language-note"' not in html


@pytest.mark.parametrize("language", ["it", "zh_Hans", "fa"])
def test_every_translated_section_names_an_english_one(language):
    english = {section.slug for section in guide.sections("en")}
    own = [s for s in guide.sections(language) if s.language != "en"]

    assert {s.slug for s in own} <= english
    # the key pages: every screen's "?" of the main screens, and getting started
    assert {
        "getting-started",
        "people-and-organizations",
        "search",
        "timeline-and-quick-log",
        "duplicates",
        "merging-people",
        "import-and-export",
        "tasks-and-reminders",
        "your-settings-the-teams-country-dark-mode",
        "privacy-consent-a-persons-data-erasure-retention",
        "roles-and-teams",
    } <= {s.slug for s in own}


def test_the_help_in_persian_is_persian_and_right_to_left(member_client):
    html = member_client.get(reverse("help"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert '<h2 class="h4" id="h-duplicates">موارد تکراری</h2>' in html
    assert 'aria-labelledby="h-duplicates" lang="fa" dir="rtl">' in html
    assert "در هر حال ذخیره کن" in html


def test_the_help_in_italian_searches_italian_ignoring_accents(member_client):
    html = member_client.get(
        reverse("help"), {"q": "unire annulla"}, HTTP_ACCEPT_LANGUAGE="it"
    ).content.decode()
    accents = [s.slug for s in guide.search("cosi", "it")]  # the guide writes "così"

    assert '<a href="#merging-people" lang="it" dir="auto">Unire persone</a>' in html
    assert "tasks-and-reminders" in accents
    assert "Unire persone" in [s.title for s in guide.search("UNIONI", "it")]


def test_the_help_in_chinese_finds_chinese_words_without_spaces():
    merged = [s.slug for s in guide.search("合并", "zh-hans")]
    phrase = [s.slug for s in guide.search("合并联系人", "zh-hans")]
    nonsense = guide.search("合并火箭", "zh-hans")

    assert "merging-people" in merged
    assert phrase[0] == "merging-people"  # its title, "合并联系人", first
    assert nonsense == []


def test_persian_search_folds_arabic_letters_and_the_zero_width_non_joiner():
    typed_arabic = [s.slug for s in guide.search("تكراري", "fa")]  # Arabic kaf and yeh
    without_zwnj = [s.slug for s in guide.search("میتوانید", "fa")]

    assert "duplicates" in typed_arabic
    assert without_zwnj


def test_the_guides_are_package_data():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]

    assert "guide/*.md" in data["rubrica.web"]
    for name in ("user-guide.md", "user-guide.it.md", "user-guide.zh_Hans.md", "user-guide.fa.md"):
        assert (guide.GUIDE_DIR / name).is_file(), name
