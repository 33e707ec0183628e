"""rubrica.organizations.search: an organization's search document (built as the search engine
built it before it moved here), the people whose documents carry its name, and the search's
organization filters."""

from __future__ import annotations

import pytest

from rubrica.customfields.models import CustomFieldDefinition
from rubrica.organizations.models import Organization
from rubrica.organizations.search import (
    ORGANIZATION_PREFETCH,
    organization_fields,
    parse_filters,
    people_of,
)
from rubrica.organizations.services import affiliation_create
from rubrica.taxonomy.models import OrganizationKind
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_an_organization_s_document_holds_every_field_group(member):
    CustomFieldDefinition.objects.create(
        entity="organization", key="guild", label="Guild", field_type="text"
    )
    OrganizationKind.objects.create(name="Workshop")
    org = make_organization(
        member,
        name="Müller & Söhne GmbH",
        website="https://mueller.example.de",
        email_domains=["mueller.example.de"],
        industry="Clockmaking",
        kind="Workshop",
        phones=[{"value": "+49 30 1234567"}],
        addresses=[
            {"city": "Berlin", "region": "BE", "country": "Germany", "postal_code": "10115"}
        ],
        tags=["Supplier"],
        notes="Makes gears.",
        custom_fields={"guild": "Clockmakers"},
    )
    current = Organization.objects.prefetch_related(*ORGANIZATION_PREFETCH).get(pk=org.pk)

    assert organization_fields(current) == {
        "name": "muller & sohne gmbh",
        "email": "mueller.example.de\nhttps://mueller.example.de/",
        "phone": "49301234567\n0301234567",
        "org": "clockmaking\nworkshop\nberlin\nbe\ngermany\n10115",
        "tag": "supplier",
        "other": "makes gears.\nclockmakers",
    }


def test_its_people_are_the_documents_that_carry_its_name(member):
    org = make_organization(member)
    ada = make_contact(member)
    make_contact(member, given_name="Bob")
    affiliation_create(actor=member, contact=ada, organization=org, data={"title": "CEO"})
    affiliation_create(actor=member, contact=ada, organization=org, data={"title": "CTO"})

    [(kind, people)] = people_of(org)

    assert kind == "contact"
    assert list(people) == [ada]


def test_the_search_filters_say_which_narrow(member):
    narrowing, errors = parse_filters({"owner": [str(member.pk)], "tag": ["x"]})

    assert narrowing.used == {"owner"}
    assert errors == {"tag": "Use numeric ids."}
    org = make_organization(member)
    assert list(narrowing.apply(Organization.objects.all())) == [org]
