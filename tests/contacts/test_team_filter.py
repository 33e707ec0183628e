"""The ``team`` filter of the people and organization lists: the list pages, the API, the CLI.

It narrows what restrict() already lets a person see, never more: a member filtering by a team
they are not in sees only that team's records shared with everyone (or their own).
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.selectors import contact_list
from tests.api.conftest import bearer
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db

PEOPLE = reverse("contacts:list")
ORGANIZATIONS = reverse("organizations:list")
API = "/api/v1/contacts"
ORGANIZATIONS_API = "/api/v1/organizations"


def row_ids(response) -> list[int]:
    """The people listed on a people-list page (their selection checkboxes)."""
    assert response.status_code == 200
    return sorted(int(pk) for pk in re.findall(r'name="selected" value="(\d+)"', response.text))


def api_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["items"])


def pks(*records) -> list[int]:
    return sorted(record.pk for record in records)


@pytest.fixture
def people(member, other_member, sales, support):
    return {
        "sales_team": make_contact(member, given_name="Sam", team=sales.pk, visibility="team"),
        "sales_all": make_contact(member, given_name="Sal", team=sales.pk, visibility="everyone"),
        "support_all": make_contact(
            other_member, given_name="Sue", team=support.pk, visibility="everyone"
        ),
        "support_team": make_contact(
            other_member, given_name="Stu", team=support.pk, visibility="team"
        ),
        "support_private": make_contact(
            other_member, given_name="Sid", team=support.pk, visibility="private"
        ),
        "no_team": make_contact(member, given_name="Nat", visibility="everyone"),
    }


# The filter itself -----------------------------------------------------------------------------


def test_team_parses_like_owner_ids_repeated_or_comma_separated():
    flt, errors = ContactFilter.parse({"team": ["3,1", "2"]})

    assert (flt.teams, errors) == ([3, 1, 2], {})
    bad, bad_errors = ContactFilter.parse({"team": "Sales"})
    assert (bad.teams, bad_errors) == ([], {"team": "Use numeric ids."})


def test_selector_applies_the_team_filter_after_restrict(
    member, admin_user, sales, support, people
):
    flt, _errors = ContactFilter.parse({"team": str(support.pk)})

    seen_by_member = [c.pk for c in contact_list(user=member, flt=flt).items]
    seen_by_admin = [c.pk for c in contact_list(user=admin_user, flt=flt).items]

    assert sorted(seen_by_member) == pks(people["support_all"])
    assert sorted(seen_by_admin) == pks(
        people["support_all"], people["support_team"], people["support_private"]
    )


# The people list page --------------------------------------------------------------------------


def test_people_list_filtered_by_team_lists_exactly_that_teams_people(member_client, sales, people):
    response = member_client.get(PEOPLE, {"team": sales.pk})

    assert row_ids(response) == pks(people["sales_team"], people["sales_all"])


def test_people_list_with_several_teams_lists_the_people_of_any_of_them(
    member_client, sales, support, people
):
    repeated = member_client.get(f"{PEOPLE}?team={sales.pk}&team={support.pk}")
    commas = member_client.get(PEOPLE, {"team": f"{sales.pk},{support.pk}"})

    expected = pks(people["sales_team"], people["sales_all"], people["support_all"])
    assert row_ids(repeated) == expected
    assert row_ids(commas) == expected


def test_member_cannot_see_a_private_record_of_another_team_through_the_filter(
    member_client, support, people
):
    response = member_client.get(PEOPLE, {"team": support.pk})

    assert row_ids(response) == pks(people["support_all"])
    for hidden in ("support_team", "support_private"):
        assert people[hidden].get_absolute_url() not in response.text
        assert people[hidden].display_name not in response.text


def test_filter_panel_offers_every_team_and_keeps_the_choice(member_client, sales, support):
    response = member_client.get(PEOPLE, {"team": support.pk})

    html = response.text
    assert '<select name="team"' in html
    assert f'<option value="{sales.pk}">Sales</option>' in html
    assert f'<option value="{support.pk}" selected>Support</option>' in html


def test_bad_team_value_on_the_list_is_named_and_ignored(member_client, people):
    response = member_client.get(PEOPLE, {"team": "Sales"})

    assert response.status_code == 200
    assert "<strong>Team</strong>: Use numeric ids." in response.text
    # everyone the member may see, as without the filter
    assert row_ids(response) == row_ids(member_client.get(PEOPLE))
    assert row_ids(response) == pks(
        people["sales_team"], people["sales_all"], people["support_all"], people["no_team"]
    )


# The organization list -------------------------------------------------------------------------


def test_organization_list_and_api_filter_by_team_too(client, member, other_member, sales, support):
    ours = make_organization(member, name="Ours Srl", team=sales.pk, visibility="team")
    theirs = make_organization(
        other_member, name="Theirs Spa", team=support.pk, visibility="everyone"
    )
    make_organization(other_member, name="Hidden Spa", team=support.pk, visibility="private")
    make_organization(member, name="Loose Ltd")
    client.force_login(member)

    page = client.get(ORGANIZATIONS, {"team": support.pk})
    listed = client.get(ORGANIZATIONS_API, {"team": f"{sales.pk},{support.pk}"}, **bearer(member))

    assert page.status_code == 200
    assert theirs.get_absolute_url() in page.text
    assert ours.get_absolute_url() not in page.text
    assert "Hidden Spa" not in page.text
    assert f'<option value="{support.pk}" selected>Support</option>' in page.text
    assert api_ids(listed) == pks(ours, theirs)


# The API ---------------------------------------------------------------------------------------


def test_api_filters_people_by_team(client, member, sales, support, people):
    auth = bearer(member)

    by_sales = client.get(API, {"team": sales.pk}, **auth)
    by_support = client.get(API, {"team": support.pk}, **auth)

    assert api_ids(by_sales) == pks(people["sales_team"], people["sales_all"])
    assert api_ids(by_support) == pks(people["support_all"])


def test_api_bad_team_is_422_naming_the_parameter(client, member, people):
    response = client.get(API, {"team": "Sales"}, **bearer(member))

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"team": "Use numeric ids."}


# The CLI ---------------------------------------------------------------------------------------


def test_cli_contacts_list_filters_by_team_name_or_id(rubrica, member, support, people):
    by_name = rubrica("contacts", "list", "--filter", "team=support", "--json", "--as", "member")
    by_id = rubrica(
        "contacts", "list", "--filter", f"team={support.pk}", "--json", "--as", "member"
    )
    unknown = rubrica("contacts", "list", "--filter", "team=Nobody", "--as", "member")

    for code, out, _err in (by_name, by_id):
        assert code == 0
        assert [row["id"] for row in json.loads(out)["items"]] == [people["support_all"].pk]
    assert unknown[0] == 2
    assert "There is no team named Nobody." in unknown[2]
