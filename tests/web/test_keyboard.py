"""The keyboard pieces of the layout (the browser tests in tests/e2e drive them)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_layout_loads_the_shortcuts_file_and_lets_main_take_focus(member_client):
    html = member_client.get(reverse("contacts:list")).content.decode()

    assert '<script src="/static/web/shortcuts.js" defer></script>' in html
    assert '<a class="visually-hidden-focusable skip-link" href="#main">' in html
    assert '<main id="main" class="container-fluid px-lg-4 py-3" tabindex="-1">' in html
    assert '<dialog id="shortcuts-dialog"' in html


def test_the_layout_has_no_inline_script(member_client):
    html = member_client.get(reverse("organizations:list")).content.decode()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
