"""In-app help: the user guide (``docs/user-guide.md``) cut into its ``##`` sections, rendered
through the same Markdown + nh3 path as activity texts, searchable, and linked from each screen.

A translated guide (``docs/user-guide.<language>.md``, e.g. ``user-guide.it.md``) is used when it
exists for the active language; otherwise the English one. Section slugs come from the English
headings' order, so a screen's "?" link finds its section in every language: a translated guide
keeps the sections in the same order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nh3
from django.conf import settings
from django.utils.text import slugify
from markdown_it import MarkdownIt

from rubrica.activities.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES

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
}


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    markdown: str
    html: str


def guide_path(language: str = "en") -> Path:
    docs = Path(settings.BASE_DIR) / "docs"
    for code in (language, language.split("-")[0]):
        candidate = docs / f"user-guide.{code.replace('-', '_')}.md"
        if code != "en" and candidate.exists():
            return candidate
    return docs / "user-guide.md"


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
def _sections(path: str, mtime: float, slugs: tuple[str, ...] | None) -> tuple[Section, ...]:
    text = Path(path).read_text(encoding="utf-8")
    found = []
    for index, (title, body) in enumerate(_split(text)):
        slug = slugs[index] if slugs and index < len(slugs) else slugify(title)
        found.append(Section(slug=slug, title=title, markdown=body, html=_render(body)))
    return tuple(found)


def sections(language: str = "en") -> tuple[Section, ...]:
    """The guide's sections in ``language`` (English when it has no guide of its own)."""
    english = guide_path("en")
    path = guide_path(language)
    if not english.exists():
        return ()
    base = _sections(str(english), english.stat().st_mtime, None)
    if path == english:
        return base
    return _sections(str(path), path.stat().st_mtime, tuple(s.slug for s in base))


def search(query: str, language: str = "en") -> list[Section]:
    """Sections whose title or text holds every word of ``query`` (case-insensitive), the ones
    with a match in the title first."""
    words = [word.casefold() for word in query.split() if word.strip()]
    if not words:
        return []
    hits = []
    for section in sections(language):
        title, body = section.title.casefold(), section.markdown.casefold()
        if all(word in title or word in body for word in words):
            hits.append((0 if any(word in title for word in words) else 1, section))
    return [section for _rank, section in sorted(hits, key=lambda hit: hit[0])]


def section_for(namespace: str | None) -> str:
    return SECTION_OF_SCREEN.get(namespace or "", "")
