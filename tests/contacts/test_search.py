"""rubrica.contacts.search: a person's search document (built as the search engine built it
before it moved here) and the search's people filters."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from rubrica.contacts.search import CONTACT_PREFETCH, contact_fields, parse_filters
from rubrica.customfields.models import CustomFieldDefinition
from rubrica.organizations.services import affiliation_create
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def _document(contact: Contact) -> dict[str, str]:
    return contact_fields(Contact.objects.prefetch_related(*CONTACT_PREFETCH).get(pk=contact.pk))


def test_a_person_s_document_holds_every_field_group(member):
    CustomFieldDefinition.objects.create(
        entity="contact", key="motto", label="Motto", field_type="text"
    )
    CustomFieldDefinition.objects.create(
        entity="contact",
        key="skills",
        label="Skills",
        field_type="multi_choice",
        choices=["Maths", "Poetry"],
    )
    CustomFieldDefinition.objects.create(
        entity="contact", key="age", label="Age", field_type="number"
    )
    org = make_organization(member, name="Müller & Söhne GmbH")
    ada = make_contact(
        member,
        prefix="Lady",
        given_name="Ada",
        additional_name="Augusta",
        family_name="King",
        nicknames=["Ada Lovelace"],
        title="Countess",
        role="Analyst",
        notes="First program.",
        source="Import",
        custom_fields={"motto": "Poetical science", "skills": ["Maths", "Poetry"], "age": 36},
        emails=[{"value": "ada@engines.example.org"}, {"value": "ADA@Engines.example.org"}],
        phones=[{"value": "+39 06 1234 5678"}],
        addresses=[{"city": "Marylebone", "country": "UK"}],
        tags=["Pioneer", "Poet"],
    )
    affiliation_create(
        actor=member, contact=ada, organization=org, data={"title": "Designer", "department": "R&D"}
    )

    assert _document(ada) == {
        "name": "lady ada augusta king\nlady\nada\naugusta\nking\nada lovelace",
        "email": "ada@engines.example.org\nengines.example.org",
        "phone": "390612345678\n0612345678",
        "org": "countess\nanalyst\nmuller & sohne gmbh\ndesigner\nr&d\nmarylebone\nuk",
        "tag": "pioneer\npoet",
        "other": "first program.\nimport\npoetical science\nmaths\npoetry",
    }


def test_a_chinese_name_is_also_written_family_name_first_and_in_pinyin(member):
    wang = make_contact(member, given_name="伟", family_name="王")

    assert _document(wang) == {
        "name": "王伟\n伟\n王\nwang wei\nwangwei\n王 伟\nwei\nwang",
        "email": "",
        "phone": "",
        "org": "",
        "tag": "",
        "other": "",
    }


def test_the_search_filters_say_which_narrow_and_report_the_list_s_errors(member):
    narrowing, errors = parse_filters(
        {"tag": ["1"], "stage": ["x"], "has_email": ["false"], "team": [","]}
    )

    assert narrowing.used == {"tag", "has_email"}
    assert errors == {"stage": "Use numeric ids."}
    make_contact(member)
    assert narrowing.apply(Contact.objects.all()).count() == 0
