"""Filtering lists by custom fields: the hook the shared RecordFilter calls (core knows no app)."""

from __future__ import annotations

import pytest

from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.models import Contact
from rubrica.customfields.filters import CustomFieldFilter
from rubrica.customfields.models import Entity
from rubrica.customfields.services import definition_save
from rubrica.organizations.filters import OrganizationFilter
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _define(admin_user, key: str, field_type: str, entity: str = "contact", **extra) -> None:
    data = {"entity": entity, "key": key, "label": key.title(), "field_type": field_type}
    definition_save(actor=admin_user, data={**data, **extra})


def test_the_domain_filters_read_the_custom_fields_of_their_entity():
    assert ContactFilter.CUSTOM_FIELDS.entity == Entity.CONTACT
    assert OrganizationFilter.CUSTOM_FIELDS.entity == Entity.ORGANIZATION


def test_keys_are_those_defined_for_the_entity(admin_user):
    _define(admin_user, "size", "text")
    _define(admin_user, "employees", "number", entity="organization")

    assert CustomFieldFilter(Entity.CONTACT).keys() == {"size"}
    assert CustomFieldFilter(Entity.ORGANIZATION).keys() == {"employees"}


def test_narrow_matches_each_type_as_a_filter_types_it(admin_user, member):
    _define(admin_user, "vip", "boolean")
    _define(admin_user, "shoe", "number")
    _define(admin_user, "size", "choice", choices=["S", "L"])
    _define(admin_user, "motto", "text")
    ada = make_contact(
        member,
        given_name="Ada",
        custom_fields={"vip": True, "shoe": 40, "size": "S", "motto": "Onwards"},
    )
    grace = make_contact(
        member,
        given_name="Grace",
        custom_fields={"vip": False, "shoe": 38, "size": "L", "motto": "Ship it"},
    )
    fields = CustomFieldFilter(Entity.CONTACT)

    def matching(**values: str) -> list[int]:
        return list(
            fields.narrow(Contact.objects.order_by("pk"), values).values_list("pk", flat=True)
        )

    assert matching(vip="yes") == [ada.pk]
    assert matching(vip="no") == [grace.pk]
    assert matching(shoe="38") == [grace.pk]
    assert matching(shoe="many") == []
    assert matching(size="L") == [grace.pk]
    assert matching(motto="ONWARD") == [ada.pk]
    assert matching(motto="i", size="L") == [grace.pk]


def test_the_list_filter_refuses_a_key_of_another_entity(admin_user):
    _define(admin_user, "employees", "number", entity="organization")

    flt, errors = ContactFilter.parse({"cf_employees": "3"})

    assert errors == {"cf_employees": "There is no custom field employees."}
    assert flt.custom == {}
