"""In-app help: the user guide cut into its ``##`` sections, rendered through the same Markdown +
nh3 path as activity texts, searchable, and linked from each screen (ADR 0022, ADR 0040).

The guides are ``docs/user-guide.md`` (English, the reference) and ``docs/user-guide.<locale>.md``
(``it``, ``zh_Hans``, ``fa``). They ship inside the package: ``web/guide/`` holds a link to each,
which a wheel build turns into a copy, so an installed Rubrica reads the same files as a checkout.

A translated section names the English section it translates: ``## Ricerca {#search}``. The help
in a language shows, in the English order, each section in that language when it is translated
and the English one otherwise (marked ``lang="en"``, with a note). Section slugs are the English
headings' slugs, so a screen's "?" link finds its section in every language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nh3
from django.utils import translation
from django.utils.text import slugify
from markdown_it import MarkdownIt

from rubrica.activities.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

GUIDE_DIR = Path(__file__).resolve().parent / "guide"

#: The languages with a guide of their own (file suffix = the Django locale name).
GUIDE_LANGUAGES = ("it", "zh_Hans", "fa")

#: The namespace of a screen's URL -> the guide section its "?" opens.
SECTION_OF_SCREEN = {
    "contacts": "people-and-organizations",
    "organizations": "people-and-organizations",
    "search": "search",
    "activities": "timeline-and-quick-log",
    "segments": "segments",
    "dedup": "duplicates",
    "dataio": "import-and-export",
    "quality": "data-quality",
    "merges": "merging-people",
    "documents": "documents",
    "tasks": "tasks-and-reminders",
    "notifications": "notifications",
    "jobs": "background-jobs",
    "history": "safe-changes",
    "feedback": "help-feedback-shortcuts-and-phones",
    "settings": "your-settings-the-teams-country-dark-mode",
    "privacy": "privacy-consent-a-persons-data-erasure-retention",
    "calendars": "calendars-and-appointments",
    "mail": "mail",
    "audit": "signing-in-and-the-audit-trail",
}

_ANCHOR = re.compile(r"\s*\{#([a-z0-9-]+)\}\s*$")


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    markdown: str
    html: str
    #: the language the section is written in, as HTML's ``lang`` wants it ("en", "zh-Hans")
    language: str = "en"


def guide_locale(language: str | None) -> str:
    """The locale whose guide serves ``language`` ("zh-hans" -> "zh_Hans"); "en" if none."""
    name = translation.to_locale(language or "en")
    for candidate in (name, name.split("_")[0]):
        if candidate in GUIDE_LANGUAGES:
            return candidate
    return "en"


def guide_path(language: str = "en") -> Path:
    locale = guide_locale(language)
    if locale == "en":
        return GUIDE_DIR / "user-guide.md"
    return GUIDE_DIR / f"user-guide.{locale}.md"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # the guide is ours, but its HTML (``<kbd>``) still goes through nh3's allow-list
    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def _render(text: str) -> str:
    return nh3.clean(
        _parser().render(text),
        tags=ALLOWED_TAGS | {"kbd"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def _split(text: str) -> list[tuple[str, str]]:
    """(heading, body) of each ``## `` section; the text before the first one is dropped."""
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.MULTILINE)
    return [(parts[i].strip(), parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]


@lru_cache(maxsize=8)
def _sections(path: str, mtime: float, language: str) -> tuple[Section, ...]:
    text = Path(path).read_text(encoding="utf-8")
    found = []
    for heading, body in _split(text):
        anchor = _ANCHOR.search(heading)
        title = _ANCHOR.sub("", heading) if anchor else heading
        slug = anchor.group(1) if anchor else slugify(heading)
        found.append(
            Section(slug=slug, title=title, markdown=body, html=_render(body), language=language)
        )
    return tuple(found)


def _read(path: Path, language: str) -> tuple[Section, ...]:
    if not path.exists():
        return ()
    return _sections(str(path), path.stat().st_mtime, language)


def sections(language: str = "en") -> tuple[Section, ...]:
    """The guide's sections for a reader of ``language``, in the English order: each in that
    language when it is translated, in English otherwise (empty when no guide is installed)."""
    english = _read(guide_path("en"), "en")
    locale = guide_locale(language)
    if locale == "en":
        return english
    own = {
        section.slug: section
        for section in _read(guide_path(locale), locale.replace("_", "-"))  # "zh-Hans"
    }
    merged = [own.pop(section.slug, section) for section in english]
    return (*merged, *own.values())


def translated_share(language: str) -> tuple[int, int]:
    """(translated, all) sections of the guide for ``language``."""
    found = sections(language)
    return sum(section.language != "en" for section in found), len(found)


# Search -------------------------------------------------------------------------------------

_FOLD = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh -> Persian yeh
        "ى": "ی",
        "ك": "ک",  # Arabic kaf -> Persian kaf
        "ة": "ه",
        "\u200c": "",  # zero-width non-joiner: "می‌شود" and "میشود" are one word
        "\u0640": "",  # tatweel
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    }
)


def fold(text: str) -> str:
    """Text as search compares it: case and accents ignored ("perché" = "perche"), Arabic and
    Persian letter variants and the zero-width non-joiner folded, Persian digits as Latin."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _cjk_found(word: str, text: str) -> bool:
    """A run of Chinese characters typed without spaces ("导入联系人") matches when it can be cut
    into pieces of two or more characters that each occur in the text (longest first), as a
    reader would cut it into words; a lone last character must occur too."""
    start = 0
    while start < len(word):
        for end in range(len(word), start, -1):
            piece = word[start:end]
            if (len(piece) >= 2 or end == len(word)) and piece in text:
                start = end
                break
        else:
            return False
    return True


def _found(word: str, text: str) -> bool:
    if word in text:
        return True
    return len(word) > 2 and all(_is_cjk(ch) for ch in word) and _cjk_found(word, text)


def search(query: str, language: str = "en") -> list[Section]:
    """Sections whose title or text holds every word of ``query`` (see :func:`fold`; Chinese
    needs no spaces), the ones with a match in the title first."""
    words = [fold(word) for word in query.split() if word.strip()]
    if not words:
        return []
    hits = []
    for section in sections(language):
        title, body = fold(section.title), fold(section.markdown)
        if all(_found(word, title) or _found(word, body) for word in words):
            hits.append((0 if any(_found(word, title) for word in words) else 1, section))
    return [section for _rank, section in sorted(hits, key=lambda hit: hit[0])]


def section_for(namespace: str | None) -> str:
    return SECTION_OF_SCREEN.get(namespace or "", "")
