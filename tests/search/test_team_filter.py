"""The ``team`` filter of the search results: the page, the API and the CLI. It applies to people
and organizations and narrows what restrict() lets a person see, never more."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from rubrica.search import filters
from tests.api.conftest import bearer
from tests.factories import make_contact, make_organization
from tests.search.results import api_ids, shown, urls

pytestmark = pytest.mark.django_db

RESULTS = reverse("search:results")
API = "/api/v1/search"


@pytest.fixture
def records(member, other_member, sales, support):
    """Everyone matches "falco"; they differ in team and visibility."""
    return {
        "sales": make_contact(
            member, given_name="Ada", family_name="Falco", team=sales.pk, visibility="team"
        ),
        "support": make_contact(
            other_member, given_name="Bea", family_name="Falco", team=support.pk
        ),
        "support_private": make_contact(
            other_member,
            given_name="Cleo",
            family_name="Falco",
            team=support.pk,
            visibility="private",
        ),
        "no_team": make_contact(member, given_name="Dora", family_name="Falco"),
        "org_sales": make_organization(member, name="Falco Sales Srl", team=sales.pk),
        "org_none": make_organization(member, name="Falco Loose Spa"),
    }


def test_team_filter_narrows_people_and_organizations(member_client, sales, support, records):
    by_sales = member_client.get(RESULTS, {"q": "falco", "team": sales.pk})
    either = member_client.get(RESULTS, {"q": "falco", "team": f"{sales.pk},{support.pk}"})

    assert shown(by_sales) == urls(records["sales"], records["org_sales"])
    assert shown(either) == urls(records["sales"], records["support"], records["org_sales"])


def test_a_private_record_of_another_team_stays_hidden_through_the_team_filter(
    member_client, other_member, support, records
):
    response = member_client.get(RESULTS, {"q": "falco", "team": support.pk})

    assert shown(response) == urls(records["support"])
    assert records["support_private"].get_absolute_url() not in response.content.decode()
    # the owner finds it with the same filter: the filter is not what hides it
    from rubrica import search

    narrow = filters.parse({"team": str(support.pk)})[0].narrow()
    found = search.query(other_member, "cleo", narrow=narrow)
    assert [hit.pk for hit in found] == [records["support_private"].pk]


def test_results_page_shows_the_team_choice_and_names_a_bad_value(
    member_client, sales, support, records
):
    html = member_client.get(RESULTS, {"q": "falco", "team": support.pk}).content.decode()
    bad = member_client.get(RESULTS, {"q": "falco", "team": "Sales"})

    assert f'<option value="{support.pk}" selected>Support</option>' in html
    assert f'<option value="{sales.pk}">Sales</option>' in html
    assert "<strong>Team</strong>: Use numeric ids." in bad.content.decode()
    assert shown(bad) == shown(member_client.get(RESULTS, {"q": "falco"}))


def test_api_team_filter_and_422(client, member, sales, records):
    auth = bearer(member)

    by_team = client.get(API, {"q": "falco", "team": sales.pk}, **auth)
    bad = client.get(API, {"q": "falco", "team": "Sales"}, **auth)

    assert api_ids(by_team) == sorted(
        [("contact", records["sales"].pk), ("organization", records["org_sales"].pk)]
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"team": "Use numeric ids."}


@pytest.mark.usefixtures("records")
def test_cli_team(rubrica, member, support):
    code, out, _err = rubrica(
        "search", "falco", "--team", str(support.pk), "--json", "--as", member.username
    )
    bad_code, _out, err = rubrica("search", "falco", "--team", "Support", "--as", "member")

    assert code == 0
    assert [hit["display"] for hit in json.loads(out)] == ["Bea Falco"]
    assert bad_code == 2
    assert "team: Use numeric ids." in err
