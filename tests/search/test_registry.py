"""rubrica.search.registry: the table of searchable kinds the domains fill in and the engine
reads; a missing kind fails loudly, both domains are registered, and the engine indexes, finds,
filters and rebuilds a kind that a test registers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from rubrica import search
from rubrica.contacts.models import Contact
from rubrica.contacts.search import contact_fields
from rubrica.core.filters import Params
from rubrica.organizations.models import Organization
from rubrica.organizations.search import organization_fields, people_of
from rubrica.search import filters, registry
from rubrica.search.models import SearchDocument
from rubrica.search.registry import Narrowing, SearchKind
from rubrica.search.text import fold
from rubrica.taxonomy.models import Tag
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_people_and_organizations_are_registered_by_their_apps():
    assert registry.keys()[:2] == ("contact", "organization")  # then kinds of other apps
    people, organizations = registry.kinds()[:2]
    assert (people.model, people.document, people.display_field) == (
        Contact,
        contact_fields,
        "display_name",
    )
    assert (organizations.model, organizations.document, organizations.display_field) == (
        Organization,
        organization_fields,
        "name",
    )
    assert organizations.dependents is people_of
    assert people.filter_form is not None
    assert filters.keys() == ("tag", "owner", "team", "stage", "has_email", "has_phone")


def test_a_record_s_kind_is_found_by_its_model(member):
    assert registry.of(make_contact(member)).kind == "contact"
    assert registry.of(make_organization(member)).kind == "organization"


def test_a_kind_nobody_registered_fails_loudly(member):
    with pytest.raises(ImproperlyConfigured, match="No search kind 'deal' is registered"):
        registry.get("deal")
    with pytest.raises(ImproperlyConfigured, match="No search kind 'deal'"):
        search.query(member, "ada", kinds=["deal"])
    tag = Tag.objects.create(name="Pioneer")
    with pytest.raises(ImproperlyConfigured, match="No search kind is registered for Tag"):
        search.index(tag)
    with pytest.raises(ImproperlyConfigured, match="No search kind is registered for Tag"):
        search.remove(tag)


def test_the_search_page_needs_a_kind_that_gives_its_filter_panel(monkeypatch):
    with (
        registry.SEARCH_KINDS.isolated(),
        pytest.raises(ImproperlyConfigured, match="filter panel"),
    ):
        registry.filter_form()


def test_registering_a_kind_again_is_harmless_but_another_under_its_key_is_refused():
    people = registry.get("contact")
    registry.register(people)  # ready() may run twice

    assert registry.get("contact") is people
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register(SearchKind(**{**people.__dict__, "display_field": "family_name"}))
    assert registry.get("contact") is people


def _firm_document(org: Organization) -> dict[str, str]:
    return {
        "name": fold(org.name),
        "email": "",
        "phone": "",
        "org": "",
        "tag": "",
        "other": fold(org.notes),
    }


def _firm_filters(params: Params) -> tuple[Narrowing, dict[str, str]]:
    """One filter, ``noted``: only firms with notes."""
    noted = "noted" in params

    def apply(qs: QuerySet) -> QuerySet:
        return qs.exclude(notes="")

    return Narrowing(apply=apply, used=frozenset({"noted"} if noted else ())), {}


@pytest.fixture
def firms(isolated_registry):
    """The registry holding only a kind of this test: organizations seen as "firms", whose
    document is their name and notes."""
    isolated_registry(registry.SEARCH_KINDS)
    registry.register(
        SearchKind(
            kind="firm",
            model=Organization,
            display_field="name",
            document=_firm_document,
            prefetch=(),
            filter_keys=("noted",),
            parse_filters=_firm_filters,
            label="Firms",
            detail_url="organizations:detail",
        )
    )


def test_the_engine_indexes_finds_filters_and_rebuilds_a_kind_a_test_registers(
    firms, member, other_member
):
    acme = make_organization(member, name="Acme Widgets", notes="Sprockets too.")
    make_organization(member, name="Acme Gadgets")
    make_organization(other_member, name="Acme Secrets", visibility="private")

    assert SearchDocument.objects.filter(kind="firm").count() == 3
    hits = search.query(member, "acme")
    assert [(hit.kind, hit.display) for hit in hits] == [
        ("firm", "Acme Gadgets"),
        ("firm", "Acme Widgets"),
    ]
    assert [hit.pk for hit in search.query(member, "sprockets")] == [acme.pk]
    assert filters.keys() == ("noted",)
    flt, errors = filters.parse({"noted": "yes"})
    assert errors == {}
    assert [hit.pk for hit in search.query(member, "acme", narrow=flt.narrow())] == [acme.pk]

    assert search.reindex() == 3
    assert SearchDocument.objects.filter(kind="firm").count() == 3
    search.remove(acme)
    assert not SearchDocument.objects.filter(kind="firm", record_id=acme.pk).exists()
