"""The web app manifest and icons, so Rubrica can be added to a phone's home screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db

ICONS = Path(__file__).resolve().parents[2] / "src/rubrica/web/static/web/icons"


def test_every_page_links_the_manifest_and_an_icon(member_client):
    from django.test import Client

    for html in (
        Client().get(reverse("login")).content.decode(),
        member_client.get(reverse("contacts:list")).content.decode(),
    ):
        assert f'<link rel="manifest" href="{reverse("manifest")}">' in html
        assert 'rel="icon" href="/static/web/icons/icon-192.png"' in html


def test_manifest_names_the_app_its_start_page_and_icons_in_the_visitors_language(client):
    response = client.get(reverse("manifest"), HTTP_ACCEPT_LANGUAGE="fa")
    data = json.loads(response.content)

    assert response["Content-Type"] == "application/manifest+json"
    assert (data["name"], data["display"], data["start_url"]) == ("Rubrica", "standalone", "/")
    assert (data["lang"], data["dir"]) == ("fa", "rtl")
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in data["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}


def test_the_icons_are_the_sizes_the_manifest_says():
    for name, size in [
        ("icon-192.png", 192),
        ("icon-512.png", 512),
        ("icon-maskable-512.png", 512),
    ]:
        with Image.open(ICONS / name) as image:
            assert image.size == (size, size)
