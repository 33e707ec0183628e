"""Markdown of activity texts: rendered by markdown-it-py, then sanitised by nh3 (Ammonia).

Raw HTML in the source is not passed through by the parser (``html: False``) and the result is
cleaned again by nh3 with a short allow-list: no script or style, no event handlers, links only
to http, https, mailto and tel, and every link gets ``rel="noopener noreferrer nofollow"``.
Rendering happens when a page shows the text, so a stricter allow-list applies to old texts too.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

#: ``@username`` not preceded by a word character, a dot or another @ (so not an e-mail address).
MENTION = re.compile(r"(?<![\w.@])@([\w][\w.+-]{0,149})", re.UNICODE)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )


def render(text: str) -> str:
    """Safe HTML for ``text`` (Markdown)."""
    if not text:
        return ""
    html = _parser().render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def mentioned_names(text: str) -> list[str]:
    """The ``@usernames`` of ``text``, in order, without repeats (a trailing dot is punctuation)."""
    seen: list[str] = []
    for match in MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".")
        if name and name.casefold() not in (n.casefold() for n in seen):
            seen.append(name)
    return seen
