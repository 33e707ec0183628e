"""A saved search that filters the people list by ``team``: validated, stored normalised and
re-applied every time it is used, through the services, the web form and the API, never showing
anyone more than restrict() does."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from rubrica.segments.models import Segment
from rubrica.segments.selectors import segment_contacts
from rubrica.segments.services import segment_create
from tests.api.conftest import JSON, bearer
from tests.factories import TeamFactory, make_contact

pytestmark = pytest.mark.django_db

URL = "/api/v1/segments"


def ids(qs) -> list[int]:
    return sorted(qs.values_list("pk", flat=True))


def row_ids(response) -> list[int]:
    """The people listed on a people-list page (their selection checkboxes)."""
    assert response.status_code == 200
    return sorted(int(pk) for pk in re.findall(r'name="selected" value="(\d+)"', response.text))


@pytest.fixture
def support(outsider):
    """A team of ``outsider`` only, with one person shared with everyone and one private."""
    team = TeamFactory(name="Support")
    team.members.add(outsider)
    return team


@pytest.fixture
def support_people(outsider, support):
    return {
        "everyone": make_contact(
            outsider, given_name="Sue", team=support.pk, visibility="everyone"
        ),
        "private": make_contact(outsider, given_name="Sid", team=support.pk, visibility="private"),
    }


def test_team_filter_is_stored_normalised_and_re_applied_each_time(
    member, team, support, milan_people, support_people
):
    segment = segment_create(
        actor=member,
        data={"name": "Teams", "filters": {"team": f"{support.pk},{team.pk},{support.pk}"}},
    )
    before = ids(segment_contacts(member, segment))
    newcomer = make_contact(member, given_name="Nico", team=team.pk, visibility="team")

    after = ids(segment_contacts(member, segment))

    segment.refresh_from_db()
    assert segment.filters == {"team": sorted([team.pk, support.pk])}
    assert before == sorted([milan_people["team"].pk, support_people["everyone"].pk])
    assert after == sorted([*before, newcomer.pk])


def test_unknown_or_malformed_team_is_refused_naming_the_filter_and_nothing_is_saved(member):
    with pytest.raises(ValidationError) as unknown:
        segment_create(actor=member, data={"name": "Ghost", "filters": {"team": 987654}})
    with pytest.raises(ValidationError) as malformed:
        segment_create(actor=member, data={"name": "Typo", "filters": {"team": "Sales"}})

    assert unknown.value.message_dict == {"filters.team": ["There is no team with id 987654."]}
    assert malformed.value.message_dict == {"filters.team": ["Use numeric ids."]}
    assert Segment.objects.count() == 0


def test_a_shared_team_segment_shows_each_person_only_what_they_may_see(
    member, outsider, support, support_people
):
    segment = segment_create(
        actor=outsider,
        data={"name": "Support", "visibility": "everyone", "filters": {"team": [support.pk]}},
    )

    assert ids(segment_contacts(outsider, segment)) == sorted(
        [support_people["everyone"].pk, support_people["private"].pk]
    )
    assert ids(segment_contacts(member, segment)) == [support_people["everyone"].pk]


def test_web_form_saves_several_teams_and_the_list_re_applies_them(
    member_client, member, team, support, milan_people, support_people
):
    response = member_client.post(
        "/segments/new/",
        {
            "name": "Teams",
            "kind": "dynamic",
            "visibility": "private",
            "filter-team": [str(team.pk), str(support.pk)],
        },
    )
    segment = Segment.objects.get()
    edit = member_client.get(f"/segments/{segment.pk}/edit/")
    listing = member_client.get("/people/", {"segment": segment.pk})

    assert response.status_code == 302
    assert segment.filters == {"team": sorted([team.pk, support.pk])}
    assert re.search(rf'<option value="{team.pk}" selected>Sales</option>', edit.text)
    assert re.search(rf'<option value="{support.pk}" selected>Support</option>', edit.text)
    assert row_ids(listing) == sorted([milan_people["team"].pk, support_people["everyone"].pk])


def test_save_as_segment_carries_the_team_filter_of_the_list(member_client, team):
    listing = member_client.get("/people/", {"team": team.pk})
    link = re.search(r'id="save-as-segment" href="([^"]+)"', listing.text)
    assert link is not None

    form = member_client.get(link.group(1).replace("&amp;", "&"))

    assert re.search(rf'<option value="{team.pk}" selected>Sales</option>', form.text)


def test_api_keeps_a_team_filter_and_lists_the_segments_people(
    client, member, team, milan_people, support, support_people
):
    auth = bearer(member)

    created = client.post(
        URL, {"name": "Support", "filters": {"team": [support.pk]}}, content_type=JSON, **auth
    )
    pk = created.json()["id"]
    people = client.get(f"{URL}/{pk}/contacts", **auth)
    bad = client.post(URL, {"name": "Bad", "filters": {"team": "x"}}, content_type=JSON, **auth)

    assert created.status_code == 201
    assert created.json()["filters"] == {"team": [support.pk]}
    assert people.status_code == 200
    assert [item["id"] for item in people.json()["items"]] == [support_people["everyone"].pk]
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"filters.team": "Use numeric ids."}
    assert Segment.objects.count() == 1
