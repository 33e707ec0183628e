"""Panels that other apps add to a record's page (kits/web/panels.py): shown in their column, in
order, escaped, and hidden when their context says so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.kits.web import panels
from rubrica.organizations.models import Organization
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(monkeypatch, settings, tmp_path):
    """A clean panel table and a template directory of panel templates for the test."""
    monkeypatch.setattr(panels, "_PANELS", {})
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "panel.html").write_text(
        '<section id="panel-{{ key }}">{{ text }} for {{ record.pk }} by'
        " {{ request.user.username }}</section>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0].get("DIRS", []), str(tmp_path)]}
    ]
    return panels


def test_a_registered_panel_is_shown_in_its_column_in_order_and_escaped(
    registered, member_client, member
):
    contact = make_contact(member, given_name="Ada")
    registered.register_panel(
        panels.Panel(
            "second",
            Contact,
            "p/panel.html",
            lambda r, rec: {"key": "second", "text": "<b>two</b>"},
            order=20,
        )
    )
    registered.register_panel(
        panels.Panel(
            "first",
            Contact,
            "p/panel.html",
            lambda r, rec: {"key": "first", "text": "one"},
            order=10,
        )
    )
    registered.register_panel(
        panels.Panel(
            "aside",
            Contact,
            "p/panel.html",
            lambda r, rec: {"key": "aside", "text": "side"},
            placement="side",
        )
    )
    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()

    first = html.index(f'id="panel-first">one for {contact.pk} by member')
    second = html.index(f'id="panel-second">&lt;b&gt;two&lt;/b&gt; for {contact.pk}')
    aside = html.index('id="panel-aside">side')
    assert first < second < aside  # main column first, then the side column
    assert "<b>two</b>" not in html


def test_a_panel_whose_context_is_none_is_not_shown(registered, member_client, member):
    contact = make_contact(member, given_name="Ada")
    registered.register_panel(panels.Panel("hidden", Contact, "p/panel.html", lambda r, rec: None))
    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert 'id="panel-hidden"' not in html


def test_panels_belong_to_their_model(registered, member_client, member):
    organization = make_organization(member, name="Babbage & Co")
    registered.register_panel(
        panels.Panel(
            "people-only",
            Contact,
            "p/panel.html",
            lambda r, rec: {"key": "people-only", "text": "x"},
        )
    )
    registered.register_panel(
        panels.Panel(
            "orgs", Organization, "p/panel.html", lambda r, rec: {"key": "orgs", "text": "org"}
        )
    )
    html = member_client.get(
        reverse("organizations:detail", args=[organization.pk])
    ).content.decode()
    assert f'id="panel-orgs">org for {organization.pk}' in html
    assert 'id="panel-people-only"' not in html


def test_registering_a_different_panel_under_a_taken_key_fails(registered):
    registered.register_panel(panels.Panel("k", Contact, "p/panel.html", lambda r, rec: {}))
    with pytest.raises(ValueError, match="already registered"):
        registered.register_panel(panels.Panel("k", Contact, "p/other.html", lambda r, rec: {}))
