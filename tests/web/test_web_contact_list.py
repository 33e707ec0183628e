"""The people list: filters, sorting, keyset paging, htmx partials, columns, empty states and a
query-count guard."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rubrica.customfields.services import definition_save
from rubrica.taxonomy.models import LifecycleStage, Tag
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db
LIST = reverse("contacts:list")


def person(actor, given_name: str, **data):
    return make_contact(actor, given_name=given_name, family_name="", **data)


def names_in(response) -> list[str]:
    """Display names of the rows, in order (the row header cell of each table row)."""
    html = response.content.decode()
    return re.findall(
        r'<th scope="row"[^>]*><a class="fw-semibold" href="[^"]+"><bdi>([^<]+)</bdi></a>', html
    )


def test_list_shows_people_sorted_by_name_by_default(member_client, member):
    make_contact(member, given_name="Zoe", family_name="Adams")
    make_contact(member, given_name="Ada", family_name="Lovelace")
    make_contact(member, given_name="Alan", family_name="Turing")

    response = member_client.get(LIST)

    assert response.status_code == 200
    assert names_in(response) == ["Zoe Adams", "Ada Lovelace", "Alan Turing"]


def test_sort_header_toggles_and_sorts_descending(member_client, member):
    make_contact(member, given_name="Zoe", family_name="Adams")
    make_contact(member, given_name="Alan", family_name="Turing")

    response = member_client.get(LIST, {"sort": "-name"})

    assert names_in(response) == ["Alan Turing", "Zoe Adams"]
    html = response.content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?sort=name"' in html  # clicking the active column again flips it


def test_sort_by_email(member_client, member):
    person(member, "B", emails=[{"value": "a@example.org"}])
    person(member, "A", emails=[{"value": "z@example.org"}])

    assert names_in(member_client.get(LIST, {"sort": "email"})) == ["B", "A"]
    assert names_in(member_client.get(LIST, {"sort": "-email"})) == ["A", "B"]


def test_filters_by_tag_stage_city_and_has_email(member_client, member):
    customer = LifecycleStage.objects.get(name="Customer")
    make_contact(
        member,
        given_name="Match",
        family_name="",
        tags=["vip"],
        stage="Customer",
        emails=[{"value": "m@example.org"}],
        addresses=[{"city": "Rome", "country": "Italy"}],
    )
    person(member, "NoTag", stage="Customer", addresses=[{"city": "Rome"}])
    person(member, "OtherCity", tags=["vip"], addresses=[{"city": "Milan"}])
    vip = Tag.objects.get(name="vip")

    assert names_in(member_client.get(LIST, {"tag": vip.pk})) == ["Match", "OtherCity"]
    assert names_in(member_client.get(LIST, {"stage": customer.pk})) == ["Match", "NoTag"]
    assert names_in(member_client.get(LIST, {"city": "rome"})) == ["Match", "NoTag"]
    assert names_in(member_client.get(LIST, {"has_email": "true"})) == ["Match"]
    assert names_in(member_client.get(LIST, {"has_email": "false"})) == ["NoTag", "OtherCity"]
    assert names_in(member_client.get(LIST, {"tag": vip.pk, "city": "Milan"})) == ["OtherCity"]


def test_organization_filter_accepts_an_id_or_the_suggested_name(member_client, member):
    from rubrica.organizations.services import affiliation_create

    acme = make_organization(member, name="Acme")
    worker = person(member, "Worker")
    person(member, "Idle")
    affiliation_create(actor=member, contact=worker, organization=acme, data={})

    assert names_in(member_client.get(LIST, {"organization": acme.pk})) == ["Worker"]
    assert names_in(member_client.get(LIST, {"organization": f"Acme (#{acme.pk})"})) == ["Worker"]
    assert names_in(member_client.get(LIST, {"organization": "acme"})) == ["Worker"]
    unknown = member_client.get(LIST, {"organization": "Nobody Inc"})
    assert names_in(unknown) == []
    assert "There is no organization with this name." in unknown.content.decode()


def test_custom_field_filter_uses_cf_inputs(member_client, member, admin_user):
    definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "size",
            "label": "Shoe size",
            "field_type": "choice",
            "choices": ["S", "M", "L"],
        },
    )
    person(member, "Small", custom_fields={"size": "S"})
    person(member, "Large", custom_fields={"size": "L"})

    response = member_client.get(LIST, {"cf_size": "L"})

    assert names_in(response) == ["Large"]
    assert 'name="cf_size"' in response.content.decode()


def test_bad_filter_values_are_reported_not_crashing(member_client, member):
    person(member, "Someone")

    response = member_client.get(
        LIST, {"created_from": "yesterday", "sort": "shoe", "cursor": "garbage"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Created from</strong>: Enter a date as YYYY-MM-DD." in html
    assert "This page link is not valid." in html
    assert names_in(response) == ["Someone"]


def test_cursor_next_and_previous_walk_the_whole_list(member_client, member):
    for index in range(60):
        person(member, f"P{index:02d}")

    first = member_client.get(LIST, {"size": 25})
    assert names_in(first) == [f"P{i:02d}" for i in range(25)]
    html = first.content.decode()
    assert 'rel="prev"' not in html
    next_href = re.search(r'rel="next" href="\?([^"]+)"', html).group(1).replace("&amp;", "&")

    second = member_client.get(f"{LIST}?{next_href}")
    assert names_in(second) == [f"P{i:02d}" for i in range(25, 50)]
    html = second.content.decode()
    next_href = re.search(r'rel="next" href="\?([^"]+)"', html).group(1).replace("&amp;", "&")

    third = member_client.get(f"{LIST}?{next_href}")
    assert names_in(third) == [f"P{i:02d}" for i in range(50, 60)]
    html = third.content.decode()
    assert 'rel="next"' not in html
    prev_href = re.search(r'rel="prev" href="\?([^"]+)"', html).group(1).replace("&amp;", "&")

    back = member_client.get(f"{LIST}?{prev_href}")
    assert names_in(back) == [f"P{i:02d}" for i in range(25, 50)]


def test_list_has_no_page_numbers_and_counts_matches_up_to_a_bound(
    member_client, member, monkeypatch
):
    from rubrica.core import pagination

    for index in range(30):
        person(member, f"N{index:02d}")

    html = member_client.get(LIST, {"size": 25}).content.decode()
    monkeypatch.setattr(pagination.bounded_count, "__defaults__", (20,))
    bounded = member_client.get(LIST, {"size": 25}).content.decode()

    assert "page=" not in html
    assert 'role="status">30 results</p>' in html
    assert 'role="status">More than 20 results</p>' in bounded


def test_htmx_request_gets_only_the_results_with_fresh_sort_state(member_client, member):
    person(member, "Ada")

    response = member_client.get(
        LIST, {"sort": "-name"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )

    html = response.content.decode()
    assert "<html" not in html
    assert names_in(response) == ["Ada"]
    assert 'id="filter-sort" value="-name" hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(member_client, member):
    response = member_client.get(
        LIST,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )

    assert "<html" in response.content.decode()


def test_links_and_filter_form_work_with_and_without_htmx(member_client, member):
    make_contact(member)

    html = member_client.get(LIST).content.decode()

    assert f'method="get" action="{LIST}" id="filter-form" data-drop-empty hx-get="{LIST}"' in html
    assert 'hx-target="#results" hx-push-url="true"' in html
    assert 'href="?sort=-name" hx-get="?sort=-name"' in html


def test_empty_states(member_client, member):
    empty = member_client.get(LIST).content.decode()
    assert "No people yet" in empty
    assert f'href="{reverse("contacts:create")}">add the first' in empty

    person(member, "Ada")
    none_match = member_client.get(LIST, {"city": "Atlantis"}).content.decode()
    assert "No one matches these filters" in none_match
    assert f'href="{LIST}">clear filters' in none_match


def test_quick_search_finds_by_name_prefix_and_email(member_client, member):
    make_contact(member, given_name="Grace", family_name="Hopper")
    person(member, "Ada", emails=[{"value": "countess@example.org"}])

    assert names_in(member_client.get(LIST, {"q": "Grac"})) == ["Grace Hopper"]
    by_email = member_client.get(LIST, {"q": "countess@"})
    assert names_in(by_email) == ["Ada"]
    assert 'aria-label="Search" placeholder="Search people…" value="countess@"' in (
        by_email.content.decode()
    )


def test_column_chooser_remembers_columns_in_the_session(member_client, member, admin_user):
    definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "fav", "label": "Favourite", "field_type": "text"},
    )
    person(member, "Ada", title="Countess", custom_fields={"fav": "maths"})

    default = member_client.get(LIST).content.decode()
    assert "Countess" not in default
    assert "maths" not in default
    assert 'href="?sort=email"' in default

    response = member_client.post(
        reverse("contacts:columns"), {"columns": ["title", "cf_fav", "bogus"], "next": LIST}
    )
    assert response.status_code == 302
    assert response["Location"] == LIST

    chosen = member_client.get(LIST).content.decode()
    assert "Countess" in chosen
    assert "maths" in chosen
    assert 'href="?sort=email"' not in chosen

    member_client.post(reverse("contacts:columns"), {"reset": "1"})
    assert "Countess" not in member_client.get(LIST).content.decode()


def test_column_chooser_ignores_an_outside_next_url(member_client):
    response = member_client.post(
        reverse("contacts:columns"), {"columns": ["email"], "next": "https://evil.example/"}
    )

    assert response["Location"] == LIST


def test_only_people_the_user_may_view_are_listed(member_client, member, other_member):
    person(member, "Mine")
    person(other_member, "Shared")
    person(other_member, "Secret", visibility="private")

    assert names_in(member_client.get(LIST)) == ["Mine", "Shared"]


def test_private_organization_name_is_not_shown_in_the_list(member_client, member, other_member):
    from rubrica.organizations.services import affiliation_create

    hidden = make_organization(other_member, name="Hidden Corp", visibility="private")
    shared = person(other_member, "Shared")
    affiliation_create(actor=other_member, contact=shared, organization=hidden, data={})

    response = member_client.get(LIST)

    assert names_in(response) == ["Shared"]
    assert "Hidden Corp" not in response.content.decode()


def _fill(member, count: int) -> None:
    from rubrica.organizations.services import affiliation_create

    organization = make_organization(member, name="Org")
    for index in range(count):
        contact = person(
            member,
            f"Q{index:02d}",
            tags=["a", "b"],
            stage="Lead",
            emails=[{"value": f"q{index}@example.org"}],
        )
        affiliation_create(actor=member, contact=contact, organization=organization, data={})


@pytest.mark.parametrize("rows", [5, 40])
def test_people_list_runs_the_same_bounded_number_of_queries(
    member_client, member, rows, django_assert_max_num_queries
):
    _fill(member, rows)
    member_client.post(
        reverse("contacts:columns"),
        {"columns": ["email", "phone", "organization", "stage", "tags", "owner"]},
    )

    # 13th: the team choices of the filter panel; 14th: the bounded count of matches;
    # 15th: the person's own settings (language, formats, theme) read once per request;
    # 16th: the roles that require a second factor (ADR 0036: a role newly requiring it applies
    # at the next request of an open session)
    with django_assert_max_num_queries(16):
        response = member_client.get(LIST)

    assert len(names_in(response)) == rows


def test_people_list_query_count_does_not_grow_with_rows(member_client, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member_client.post(
        reverse("contacts:columns"),
        {"columns": ["email", "phone", "organization", "stage", "tags", "owner"]},
    )
    _fill(member, 5)
    with CaptureQueriesContext(connection) as few:
        member_client.get(LIST)
    _fill(member, 35)
    with CaptureQueriesContext(connection) as many:
        response = member_client.get(LIST)

    assert len(names_in(response)) == 40
    assert len(many.captured_queries) == len(few.captured_queries)
