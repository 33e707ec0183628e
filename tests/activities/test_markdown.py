"""Activity texts are Markdown made safe: no script, no event handler, no javascript: link."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from rubrica.activities.markdown import mentioned_names, render

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)"></svg>',
    "<iframe src='https://evil.example'></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<p onclick="alert(1)">hi</p>',
]


class Elements(HTMLParser):
    """Every element and attribute of a piece of HTML (text is left out: escaped text is
    harmless whatever it says)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_neutralised(text):
    parsed = Elements()
    parsed.feed(render(text))
    assert not {"script", "iframe", "svg", "img", "style", "object"} & set(parsed.tags)
    for name, value in parsed.attributes:
        assert not name.startswith("on")
        assert name != "style"
        if name in ("href", "src"):
            assert value.split(":")[0].lower() in ("http", "https", "mailto", "tel")


def test_markdown_is_rendered_and_links_are_safe():
    html = render("**bold** and [site](https://example.org)\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html
    assert "<li>one</li>" in html


def test_mentions_are_found_but_not_in_email_addresses():
    assert mentioned_names("Hi @ada and @bob.smith. Mail ada@example.org, @ada again") == [
        "ada",
        "bob.smith",
    ]
