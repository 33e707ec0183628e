"""Segments in the web UI: the segment pages and the people list's segment filter and actions."""

from __future__ import annotations

import re

import pytest

from rubrica.segments.models import Segment, SegmentMember
from rubrica.segments.services import segment_add_members, segment_create
from rubrica.taxonomy.models import Tag

pytestmark = pytest.mark.django_db


def row_ids(response) -> list[int]:
    """The people listed on a people-list page (their selection checkboxes)."""
    return sorted(int(pk) for pk in re.findall(r'name="selected" value="(\d+)"', response.text))


def test_people_list_narrowed_to_a_segment_combines_with_other_filters(
    member_client, member, milan_people
):
    everyone_in = segment_create(
        actor=member, data={"name": "Shared", "filters": {"has_email": "false"}}
    )

    whole = member_client.get(f"/people/?segment={everyone_in.pk}")
    narrowed = member_client.get(f"/people/?segment={everyone_in.pk}&city=Milano")

    assert whole.status_code == 200
    assert row_ids(whole) == sorted(p.pk for p in milan_people.values())
    assert row_ids(narrowed) == sorted(
        [milan_people["private"].pk, milan_people["team"].pk, milan_people["everyone"].pk]
    )
    assert 'id="segment-banner"' in whole.text
    assert f'name="segment" value="{everyone_in.pk}"' in whole.text


def test_segment_page_opens_the_people_list_narrowed_to_it(member_client, member):
    segment = segment_create(actor=member, data={"name": "Mine"})

    response = member_client.get(f"/segments/{segment.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/people/?segment={segment.pk}"


def test_private_segment_answers_404_to_another_member(client, member, other_member, milan_people):
    segment = segment_create(actor=member, data={"name": "Mine", "filters": {"city": "Milano"}})
    client.force_login(other_member)

    pages = [f"/segments/{segment.pk}/", f"/segments/{segment.pk}/edit/"]
    statuses = [client.get(url).status_code for url in pages]
    delete = client.post(f"/segments/{segment.pk}/delete/")
    people = client.get(f"/people/?segment={segment.pk}")
    listing = client.get("/segments/")

    assert statuses == [404, 404]
    assert delete.status_code == 404
    assert Segment.objects.filter(pk=segment.pk).exists()
    assert row_ids(people) == []
    assert "There is no such segment." in people.text
    assert "Mine" not in listing.text


def test_shared_segment_shows_a_team_member_only_the_people_they_may_see(
    client, member, other_member, team, milan_people
):
    segment = segment_create(
        actor=member,
        data={
            "name": "Milan",
            "filters": {"city": "Milano"},
            "visibility": "team",
            "team": "Sales",
        },
    )
    client.force_login(other_member)

    response = client.get(f"/people/?segment={segment.pk}")
    listing = client.get("/segments/")

    assert row_ids(response) == sorted([milan_people["team"].pk, milan_people["everyone"].pk])
    assert re.search(r'data-count="2"', listing.text)


def test_save_as_segment_carries_the_current_filters_into_a_saved_search(
    member_client, member, milan_people
):
    listing = member_client.get("/people/?city=Milano&sort=-name")
    link = re.search(r'id="save-as-segment" href="([^"]+)"', listing.text)
    assert link is not None
    form = member_client.get(link.group(1).replace("&amp;", "&"))
    assert 'name="filter-city" value="Milano"' in form.text

    response = member_client.post(
        "/segments/new/",
        {"name": "Milan", "kind": "dynamic", "visibility": "private", "filter-city": "Milano"},
    )

    segment = Segment.objects.get()
    assert response.status_code == 302
    assert (segment.name, segment.kind, segment.filters) == ("Milan", "dynamic", {"city": "Milano"})
    assert segment.owner == member


def test_create_with_an_invalid_filter_shows_the_error_and_saves_nothing(member_client):
    response = member_client.post(
        "/segments/new/",
        {
            "name": "Broken",
            "kind": "dynamic",
            "visibility": "private",
            "filter-created_from": "31/01/2026",
        },
    )

    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in response.text
    assert 'id="filter-errors"' in response.text
    assert Segment.objects.count() == 0


def test_viewer_cannot_open_or_post_the_new_segment_form(client, viewer):
    client.force_login(viewer)

    page = client.get("/segments/new/")
    post = client.post("/segments/new/", {"name": "X", "kind": "static", "visibility": "private"})

    assert (page.status_code, post.status_code) == (403, 403)
    assert Segment.objects.count() == 0


def test_edit_keeps_several_tags_chosen_elsewhere(member_client, member):
    vip, lead = Tag.objects.create(name="VIP"), Tag.objects.create(name="Lead")
    segment = segment_create(
        actor=member, data={"name": "Tags", "filters": {"tag": [vip.pk, lead.pk]}}
    )
    page = member_client.get(f"/segments/{segment.pk}/edit/")
    assert re.search(rf'<option value="{vip.pk}" selected>', page.text)
    assert re.search(rf'<option value="{lead.pk}" selected>', page.text)

    response = member_client.post(
        f"/segments/{segment.pk}/edit/",
        {
            "name": "Tagged",
            "visibility": "private",
            "version": "1",
            "filter-tag": [str(vip.pk), str(lead.pk)],
        },
    )

    segment.refresh_from_db()
    assert response.status_code == 302
    assert (segment.name, segment.filters) == ("Tagged", {"tag": sorted([vip.pk, lead.pk])})


def test_add_selected_people_to_a_segment_from_the_people_list(member_client, member, milan_people):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    page = member_client.get("/people/")
    assert 'value="segment_add"' in page.text

    response = member_client.post(
        "/people/bulk/",
        {
            "action": "segment_add",
            "segment": segment.pk,
            "selected": [milan_people["team"].pk, milan_people["rome"].pk],
            "next": "/people/",
        },
    )

    assert response.status_code == 302
    assert sorted(SegmentMember.objects.values_list("contact_id", flat=True)) == sorted(
        [milan_people["team"].pk, milan_people["rome"].pk]
    )


def test_bulk_action_on_a_segments_people_changes_exactly_them(member_client, member, milan_people):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    segment_add_members(
        actor=member, segment=segment, contacts=[milan_people["team"].pk, milan_people["rome"].pk]
    )
    shown = row_ids(member_client.get(f"/people/?segment={segment.pk}"))

    member_client.post(
        "/people/bulk/",
        {"action": "tag", "tag": "Invited", "selected": shown, "next": "/people/"},
    )
    member_client.post(
        "/people/bulk/",
        {
            "action": "segment_remove",
            "segment_current": segment.pk,
            "selected": [milan_people["rome"].pk],
            "next": "/people/",
        },
    )

    tagged = sorted(Tag.objects.get(name="Invited").contacts.values_list("pk", flat=True))
    assert shown == sorted([milan_people["team"].pk, milan_people["rome"].pk])
    assert tagged == shown
    assert list(SegmentMember.objects.values_list("contact_id", flat=True)) == [
        milan_people["team"].pk
    ]


def test_segment_list_shows_kind_sharing_and_count(member_client, member, milan_people):
    segment_create(actor=member, data={"name": "Milan", "filters": {"city": "Milano"}})

    response = member_client.get("/segments/")

    assert response.status_code == 200
    assert "Milan" in response.text
    assert "Saved search" in response.text
    assert 'data-count="3"' in response.text


def test_delete_asks_for_confirmation_then_deletes_the_segment_only(
    member_client, member, milan_people
):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    segment_add_members(actor=member, segment=segment, contacts=[milan_people["team"].pk])

    confirm = member_client.get(f"/segments/{segment.pk}/delete/")
    still_there = Segment.objects.filter(pk=segment.pk).exists()
    response = member_client.post(f"/segments/{segment.pk}/delete/")

    assert confirm.status_code == 200 and still_there
    assert response.status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()
    assert milan_people["team"].__class__.objects.filter(pk=milan_people["team"].pk).exists()


def test_organization_typed_by_name_is_saved_as_its_id_and_shown_by_name(member_client, member):
    from tests.factories import make_organization

    acme = make_organization(member, name="Acme")

    response = member_client.post(
        "/segments/new/",
        {
            "name": "Acme people",
            "kind": "dynamic",
            "visibility": "private",
            "filter-organization": "acme",
        },
    )
    segment = Segment.objects.get()
    page = member_client.get(f"/segments/{segment.pk}/edit/")

    assert response.status_code == 302
    assert segment.filters == {"organization": [acme.pk]}
    assert f'value="Acme (#{acme.pk})"' in page.text


def test_add_to_segment_without_a_choice_asks_which_then_can_create_a_new_selection(
    member_client, member, milan_people
):
    existing = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    segment_create(actor=member, data={"name": "A search", "filters": {"city": "Roma"}})
    chosen = [milan_people["team"].pk, milan_people["rome"].pk]

    ask = member_client.post(
        "/people/bulk/", {"action": "segment_add", "selected": chosen, "next": "/people/"}
    )
    created = member_client.post(
        "/segments/add-members/",
        {"action": "segment_add", "selected": chosen, "new_name": "Invitees", "next": "/people/"},
    )

    assert ask.status_code == 200
    assert f'name="segment" value="{existing.pk}"' in ask.text
    assert "A search" not in ask.text  # a saved search has no members to add to
    assert created.status_code == 302
    invitees = Segment.objects.get(name="Invitees")
    assert invitees.kind == "static"
    assert sorted(invitees.members.values_list("pk", flat=True)) == sorted(chosen)
    assert SegmentMember.objects.filter(segment=existing).count() == 0


def test_new_selection_with_a_taken_name_changes_nothing(member_client, member, milan_people):
    segment_create(actor=member, data={"name": "Picked", "kind": "static"})

    response = member_client.post(
        "/segments/add-members/",
        {
            "action": "segment_add",
            "selected": [milan_people["team"].pk],
            "new_name": "picked",
            "next": "/people/",
        },
    )

    assert response.status_code == 400
    assert "You already have a segment with this name." in response.text
    assert Segment.objects.count() == 1
    assert SegmentMember.objects.count() == 0


def test_someone_it_is_shared_with_can_edit_a_segment_of_a_team_they_are_not_in(
    client, member, outsider, team
):
    segment = segment_create(
        actor=member, data={"name": "Open", "visibility": "everyone", "team": team.pk}
    )
    client.force_login(outsider)
    page = client.get(f"/segments/{segment.pk}/edit/")

    response = client.post(
        f"/segments/{segment.pk}/edit/",
        {"name": "Open 2", "visibility": "everyone", "team": str(team.pk), "version": "1"},
    )

    segment.refresh_from_db()
    assert page.status_code == 200
    assert response.status_code == 302
    assert (segment.name, segment.team_id, segment.visibility) == ("Open 2", team.pk, "everyone")
