"""Deep list pages seek to their cursor: the finding of the list-page benchmark, kept as a test.

Written as an OR of ANDs alone, the keyset condition made SQLite scan the sort index from its
first entry up to the cursor, so a page cost grew with its depth (90 ms at row 900,000 of 1M).
"""

from __future__ import annotations

import pytest
from django.db import connection

from bench.run import explain_page_query
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.selectors import contact_list
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({"sort": "name"}, "contact_sort_idx"),
        ({"sort": "-name"}, "contact_sort_idx"),
        ({"sort": "-updated"}, "updated"),
        ({"stage": "1", "sort": "name"}, "contact_stage_idx"),
    ],
)
def test_a_page_after_a_cursor_searches_the_index_instead_of_scanning_it(admin_user, params, index):
    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    for given in ("Ada", "Bea", "Cleo"):
        make_contact(admin_user, given_name=given, family_name="Rossi", stage=1)
    flt, errors = ContactFilter.parse(params)
    assert errors == {}
    cursor = contact_list(user=admin_user, flt=flt, size=1).next_cursor
    assert cursor is not None

    plan = explain_page_query(lambda: contact_list(user=admin_user, flt=flt, cursor=cursor))

    contact_steps = [step for step in plan if " contacts_contact " in f"{step} "]
    assert len(contact_steps) == 1
    assert contact_steps[0].startswith("SEARCH contacts_contact USING INDEX")
    assert index in contact_steps[0]


@pytest.fixture
def tagged_people(admin_user):
    """Five people: tags a, b, a+b, none, a."""
    tags = [["a"], ["b"], ["a", "b"], [], ["a"]]
    return [
        make_contact(admin_user, given_name=f"P{index}", family_name="Rossi", tags=names)
        for index, names in enumerate(tags)
    ]


@pytest.mark.parametrize("limit", [0, 5_000], ids=["exists", "join"])
@pytest.mark.parametrize(("names", "expected"), [(["a"], [0, 2, 4]), (["a", "b"], [0, 1, 2, 4])])
def test_both_forms_of_the_tag_filter_list_each_tagged_person_once(
    admin_user, tagged_people, monkeypatch, limit, names, expected
):
    from rubrica.core import filters
    from rubrica.taxonomy.models import Tag

    monkeypatch.setattr(filters, "TAG_JOIN_LIMIT", limit)
    ids = ",".join(str(Tag.objects.get(name=name).pk) for name in names)
    flt, errors = ContactFilter.parse({"tag": ids})
    assert errors == {}

    page = contact_list(user=admin_user, flt=flt, size=50)

    assert [c.pk for c in page.items] == [tagged_people[i].pk for i in expected]


def test_a_common_tag_walks_the_sort_index(admin_user, tagged_people, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    from rubrica.core import filters
    from rubrica.taxonomy.models import Tag

    monkeypatch.setattr(filters, "TAG_JOIN_LIMIT", 0)
    flt, _ = ContactFilter.parse({"tag": str(Tag.objects.get(name="a").pk)})
    cursor = contact_list(user=admin_user, flt=flt, size=1).next_cursor

    plan = explain_page_query(lambda: contact_list(user=admin_user, flt=flt, cursor=cursor))

    assert plan[0].startswith("SEARCH contacts_contact USING INDEX contact_sort_idx")
    assert not any("TEMP B-TREE" in step for step in plan)
