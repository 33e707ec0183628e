"""The history registry: the domains register their kinds, a missing kind fails loudly, and the
history pages work for any kind registered, here one registered by the test."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import include, path, reverse

from rubrica import urls as site_urls
from rubrica.contacts.models import Contact
from rubrica.contacts.services import ALL_FIELDS as CONTACT_FIELDS
from rubrica.contacts.services import contact_update
from rubrica.customfields.models import Entity
from rubrica.history import registry
from rubrica.history.models import HistoryEntry
from rubrica.history.registry import HistoryKind, history_kind, history_kinds, register_history
from rubrica.history.urls import history_urlpatterns
from rubrica.organizations.models import Organization
from rubrica.organizations.services import ALL_FIELDS as ORGANIZATION_FIELDS
from tests.factories import make_contact


def _kind(key: str, revert: Any = None) -> HistoryKind[Contact]:
    return HistoryKind(
        key=key,
        model=Contact,
        url_prefix="persons",
        list_url_name="contacts:list",
        list_label="Persons",
        custom_field_entity=Entity.CONTACT,
        revertable=frozenset({"title"}),
        revert=revert or (lambda actor, record, entry, field: record),
        name_field="display_name",
    )


@pytest.fixture
def own_table() -> Iterator[None]:
    """A copy of the table, so what a test registers goes away after it."""
    with registry.HISTORY_KINDS.isolated(*registry.HISTORY_KINDS):
        yield


def test_the_domains_register_their_kinds_in_app_order():
    assert [kind.key for kind in history_kinds()] == [
        "contact",
        "organization",
        "activity",
        "document",
        "task",
        "calendar",
        "appointment",
    ]
    contact, organization = history_kind("contact"), history_kind("organization")
    assert (contact.model, contact.url_prefix) == (Contact, "people")
    assert (organization.model, organization.url_prefix) == (Organization, "organizations")
    assert contact.revertable == frozenset(CONTACT_FIELDS)
    assert organization.revertable == frozenset(ORGANIZATION_FIELDS)
    assert (contact.custom_field_entity, organization.custom_field_entity) == (
        Entity.CONTACT,
        Entity.ORGANIZATION,
    )
    assert (contact.list_url_name, organization.list_url_name) == (
        "contacts:list",
        "organizations:list",
    )


def test_the_pages_of_registered_kinds_mount_under_their_prefix():
    assert reverse("history:contact", args=[7]) == "/history/people/7/"
    assert reverse("history:contact_revert", args=[7]) == "/history/people/7/restore/"
    assert reverse("history:organization", args=[7]) == "/history/organizations/7/"
    assert reverse("history:organization_revert", args=[7]) == "/history/organizations/7/restore/"


def test_a_missing_kind_fails_loudly():
    with pytest.raises(LookupError, match=r"No history kind 'ship' is registered \(registered: "):
        history_kind("ship")


def test_a_kind_registered_twice_is_refused(own_table):
    with pytest.raises(ImproperlyConfigured, match="'contact' is already registered"):
        register_history(_kind("contact"))
    assert history_kind("contact").model is Contact


@pytest.fixture
def person_kind(own_table, settings, monkeypatch) -> list[tuple[Any, ...]]:
    """A kind "person" registered by the test and mounted: a URLconf of the test's own puts the
    history pages built now (history_urlpatterns) before the site's. Returns the calls its revert
    service received."""
    calls: list[tuple[Any, ...]] = []
    register_history(_kind("person", lambda *args: calls.append(args)))
    urlconf = types.ModuleType("tests_history_person_urls")
    history = include((history_urlpatterns(), "history"))
    urlconf.urlpatterns = [path("history/", history), *site_urls.urlpatterns]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, urlconf.__name__, urlconf)
    settings.ROOT_URLCONF = urlconf.__name__
    return calls


@pytest.mark.django_db
def test_the_pages_work_for_a_kind_registered_by_a_test(member_client, member, person_kind):
    contact = make_contact(member, title="Countess")
    contact_update(actor=member, contact=contact, data={"title": "Analyst"})
    entry = HistoryEntry.objects.get(object_id=contact.pk, action="update")

    page = member_client.get(reverse("history:person", args=[contact.pk]))

    assert reverse("history:person", args=[contact.pk]) == f"/history/persons/{contact.pk}/"
    html = page.content.decode()
    assert f'<a href="{reverse("contacts:list")}">Persons</a>' in html
    assert f'action="/history/persons/{contact.pk}/restore/"' in html
    assert html.count("Restore this value") == 1

    response = member_client.post(
        reverse("history:person_revert", args=[contact.pk]), {"entry": entry.pk, "field": "title"}
    )

    assert response["Location"] == f"/history/persons/{contact.pk}/"
    assert person_kind == [(member, contact, entry, "title")]


@pytest.mark.django_db
def test_a_registered_kind_reads_through_restrict(member_client, other_member, person_kind):
    hidden = make_contact(other_member, visibility="private")

    assert member_client.get(reverse("history:person", args=[hidden.pk])).status_code == 404
    assert member_client.post(reverse("history:person_revert", args=[hidden.pk])).status_code == 404
    assert person_kind == []
