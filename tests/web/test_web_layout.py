"""The base layout: assets, the quick search, RTL for Persian, the Settings slot."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_layout_loads_bootstrap_icons_and_htmx_from_the_vendored_files(member_client):
    html = member_client.get(reverse("contacts:list")).content.decode()

    assert 'href="/static/vendor/bootstrap/css/bootstrap.min.css"' in html
    assert "bootstrap.rtl.min.css" not in html
    assert 'src="/static/vendor/htmx/htmx.min.js"' in html
    assert 'src="/static/vendor/bootstrap/js/bootstrap.bundle.min.js"' in html
    assert 'href="/static/vendor/bootstrap-icons/bootstrap-icons.min.css"' in html
    assert '<html lang="en" dir="ltr">' in html


def test_persian_uses_the_rtl_stylesheet_and_direction(member_client):
    html = member_client.get(reverse("contacts:list"), HTTP_ACCEPT_LANGUAGE="fa").content.decode()

    assert '<html lang="fa" dir="rtl">' in html
    assert 'href="/static/vendor/bootstrap/css/bootstrap.rtl.min.css"' in html


def test_quick_search_box_sends_q_to_the_search_results(member_client):
    html = member_client.get(reverse("organizations:list")).content.decode()

    assert f'action="{reverse("search:results")}"' in html
    assert 'name="q" id="quick-search" aria-label="Search"' in html


def test_settings_link_appears_only_when_the_settings_pages_exist(member_client):
    from django.urls import NoReverseMatch

    html = member_client.get(reverse("contacts:list")).content.decode()
    try:
        settings_url = reverse("settings:index")
    except NoReverseMatch:
        assert ">Settings<" not in html.replace(" ", "")
    else:
        assert f'href="{settings_url}"' in html


def test_home_goes_to_the_people_list(member_client):
    response = member_client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:list")
