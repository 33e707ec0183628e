"""Counts on lists: exact up to a bound, then "more than", never an unbounded COUNT(*)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from rubrica.contacts.models import Contact
from rubrica.core.pagination import MatchCount, bounded_count, keyset_page
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_bounded_count_is_exact_up_to_the_bound_and_then_says_more(member):
    for index in range(4):
        make_contact(member, given_name=f"P{index}")
    people = Contact.objects.all()

    assert bounded_count(people, bound=10) == MatchCount(value=4, more=False)
    assert bounded_count(people, bound=4) == MatchCount(value=4, more=False)
    assert bounded_count(people, bound=3) == MatchCount(value=3, more=True)


def test_bounded_count_is_one_query_with_a_limit_inside(member):
    make_contact(member, given_name="Ada")

    with CaptureQueriesContext(connection) as queries:
        bounded_count(Contact.objects.all(), bound=7)

    assert len(queries) == 1
    sql = queries[0]["sql"].upper()
    assert "COUNT(" in sql and "LIMIT 8" in sql


def test_a_page_carries_every_match_not_only_the_rows_after_its_cursor(member):
    for index in range(5):
        make_contact(member, given_name=f"P{index}")
    first = keyset_page(Contact.objects.all(), order=["pk"], cursor=None, size=2)
    second = keyset_page(Contact.objects.all(), order=["pk"], cursor=first.next_cursor, size=2)

    assert second.matching is not None
    assert bounded_count(second.matching) == MatchCount(value=5, more=False)


@pytest.mark.parametrize(
    ("count", "language", "text"),
    [
        (MatchCount(1, False), "en", "1 result"),
        (MatchCount(3, False), "en", "3 results"),
        (MatchCount(1000, True), "en", "More than 1000 results"),
        (MatchCount(1, False), "it", "1 risultato"),
        (MatchCount(1000, True), "it", "Più di 1000 risultati"),
        (MatchCount(3, False), "fa", "3 نتیجه"),
    ],
)
def test_match_count_tag_uses_plural_forms(count, language, text, monkeypatch):
    from rubrica.kits.web.templatetags import rubrica_web

    monkeypatch.setattr(rubrica_web, "bounded_count", lambda _qs: count)
    template = Template("{% load rubrica_web %}{% match_count page %}")

    class FakePage:
        matching = object()

    with translation.override(language):
        html = template.render(Context({"page": FakePage()}))

    assert f'role="status">{text}</p>' in html


def test_people_list_says_how_many_match_the_filter(member_client, member):
    for city in ("Rome", "Rome", "Milan"):
        make_contact(member, given_name=city, addresses=[{"city": city}])

    everyone = member_client.get(reverse("contacts:list")).content.decode()
    in_rome = member_client.get(reverse("contacts:list"), {"city": "rome"}).content.decode()

    assert 'role="status">3 results</p>' in everyone
    assert 'role="status">2 results</p>' in in_rome
