"""`rubrica search reindex` and `rubrica search QUERY`."""

from __future__ import annotations

import json

import pytest

from rubrica.search.models import SearchDocument
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_reindex_rebuilds_the_index_and_reports_the_count(admin_user, rubrica):
    ada = make_contact(admin_user)
    org = make_organization(admin_user, name="Difference Engines")
    SearchDocument.objects.all().delete()

    code, out, _ = rubrica("search", "reindex")

    assert code == 0
    assert out.strip() == "Indexed 2 records."
    assert sorted(SearchDocument.objects.values_list("kind", "record_id")) == [
        ("contact", ada.pk),
        ("organization", org.pk),
    ]


def test_query_prints_json_hits(admin_user, rubrica):
    ada = make_contact(admin_user, given_name="Ada", family_name="Müller")

    code, out, _ = rubrica("search", "muller", "--json")

    assert code == 0
    hits = json.loads(out)
    assert [(h["kind"], h["pk"], h["display"], h["field"]) for h in hits] == [
        ("contact", ada.pk, "Ada Müller", "name")
    ]


def test_query_as_a_member_hides_private_records_of_others(admin_user, member, rubrica):
    make_contact(admin_user, given_name="Hidden", visibility="private")

    code, out, _ = rubrica("search", "hidden", "--json", "--as", "member")

    assert code == 0
    assert json.loads(out) == []


def test_query_prints_a_table(admin_user, rubrica):
    make_contact(admin_user, given_name="Ada", family_name="Lovelace")

    code, out, _ = rubrica("search", "lovelace")

    assert code == 0
    assert "Ada Lovelace" in out
    assert "name" in out


def test_find_searches_for_the_word_reindex(admin_user, rubrica):
    ada = make_contact(admin_user, notes="Please reindex the engine")

    code, out, _ = rubrica("search", "--find", "reindex", "--json")

    assert code == 0
    assert [h["pk"] for h in json.loads(out)] == [ada.pk]


def test_empty_query_is_invalid(admin_user, rubrica):
    code, _, err = rubrica("search")

    assert code == 2
    assert err.strip() == "error: query: Type something to search for."
