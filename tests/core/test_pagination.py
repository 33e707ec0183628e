"""Keyset pagination walks every row exactly once, forwards and backwards, with any sort."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.selectors import contact_list
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(member):
    names = ["Zoe", "adam", "Émile", "bob", "Adam", "Chloé", "dave", "Eve", "frank", "Gina", "王"]
    return [
        make_contact(member, given_name=name, family_name="Same" if i % 3 else "Other")
        for i, name in enumerate(names)
    ]


def walk(user, sort, size):
    flt, errors = ContactFilter.parse({"sort": sort})
    assert errors == {}
    seen, cursor, pages = [], None, []
    while True:
        page = contact_list(user=user, flt=flt, cursor=cursor, size=size)
        seen.extend(c.pk for c in page.items)
        pages.append(page)
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["name", "-name", "created", "-updated", "email", "city"])
@pytest.mark.parametrize("size", [1, 3, 50])
def test_forward_walk_visits_each_row_once_in_order(people, member, sort, size):
    flt, _ = ContactFilter.parse({"sort": sort})
    expected = list(type(people[0]).objects.order_by(*flt.order).values_list("pk", flat=True))

    seen, _pages = walk(member, sort, size)

    assert seen == expected


def test_previous_cursor_returns_the_previous_page(people, member):
    _seen, pages = walk(member, "name", 4)
    flt, _ = ContactFilter.parse({"sort": "name"})

    back = contact_list(user=member, flt=flt, cursor=pages[1].prev_cursor, size=4)

    assert [c.pk for c in back.items] == [c.pk for c in pages[0].items]
    assert back.prev_cursor is None
    assert pages[0].prev_cursor is None


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJ2IjoxfQ", "%%%", "eyJ2IjpbIngiXSwiZCI6Im5leHQifQ"]
)
def test_tampered_cursor_is_a_validation_error(people, member, cursor):
    flt, _ = ContactFilter.parse({})

    with pytest.raises(ValidationError) as caught:
        contact_list(user=member, flt=flt, cursor=cursor, size=5)

    assert list(caught.value.message_dict) == ["cursor"]


def test_filter_errors_name_the_parameter():
    _flt, errors = ContactFilter.parse(
        {"sort": "salary", "stage": "abc", "has_email": "perhaps", "created_from": "yesterday"}
    )

    assert set(errors) == {"sort", "stage", "has_email", "created_from"}
