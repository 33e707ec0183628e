"""Segments: services and selectors (permissions, validation, evaluation, bounded counts)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.contacts.services import contact_delete
from rubrica.core.services import ConflictError
from rubrica.history.models import HistoryEntry
from rubrica.segments.models import Segment, SegmentMember
from rubrica.segments.selectors import segment_contacts, segment_count
from rubrica.segments.services import (
    segment_add_members,
    segment_create,
    segment_delete,
    segment_remove_members,
    segment_update,
)
from rubrica.taxonomy.models import Tag
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def ids(qs) -> list[int]:
    return sorted(qs.values_list("pk", flat=True))


# Dynamic ---------------------------------------------------------------------------------------


def test_dynamic_segment_includes_a_person_created_after_it_was_saved(member, milan_people):
    segment = segment_create(
        actor=member, data={"name": "Milan", "kind": "dynamic", "filters": {"city": "milano"}}
    )
    before = ids(segment_contacts(member, segment))
    newcomer = make_contact(member, given_name="Nina", addresses=[{"city": "Milano"}])

    after = ids(segment_contacts(member, segment))

    assert before == sorted(
        [milan_people["private"].pk, milan_people["team"].pk, milan_people["everyone"].pk]
    )
    assert after == sorted([*before, newcomer.pk])


def test_dynamic_segment_stores_the_filters_normalised_as_the_list_parsed_them(member):
    vip = Tag.objects.create(name="VIP")
    lead = Tag.objects.create(name="Lead")

    segment = segment_create(
        actor=member,
        data={
            "name": "Normalised",
            "filters": {
                "tag": f"{lead.pk},{vip.pk},{lead.pk}",
                "has_email": "yes",
                "city": "  Milano ",
                "created_from": "2026-01-31",
            },
        },
    )

    assert segment.kind == "dynamic"
    assert segment.filters == {
        "tag": sorted([vip.pk, lead.pk]),
        "city": "Milano",
        "has_email": "true",
        "created_from": "2026-01-31",
    }


def test_invalid_filter_is_refused_with_a_field_error_and_nothing_is_saved(member):
    history_before = HistoryEntry.objects.count()

    with pytest.raises(ValidationError) as caught:
        segment_create(
            actor=member,
            data={
                "name": "Broken",
                "filters": {"created_from": "yesterday", "has_phone": "maybe", "colour": "red"},
            },
        )

    assert caught.value.message_dict == {
        "filters.created_from": ["Enter a date as YYYY-MM-DD."],
        "filters.has_phone": ["Use true or false."],
        "filters.colour": ["This is not a filter of the people list."],
    }
    assert Segment.objects.count() == 0
    assert HistoryEntry.objects.count() == history_before


def test_filter_naming_a_tag_that_does_not_exist_is_refused(member):
    with pytest.raises(ValidationError) as caught:
        segment_create(actor=member, data={"name": "Ghost tag", "filters": {"tag": [987654]}})

    assert caught.value.message_dict == {"filters.tag": ["There is no tag with id 987654."]}
    assert Segment.objects.count() == 0


def test_update_with_an_invalid_filter_changes_nothing(member):
    segment = segment_create(actor=member, data={"name": "Milan", "filters": {"city": "Milano"}})

    with pytest.raises(ValidationError):
        segment_update(
            actor=member, segment=segment, data={"name": "Renamed", "filters": {"stage": "x"}}
        )

    segment.refresh_from_db()
    assert (segment.name, segment.filters, segment.version) == ("Milan", {"city": "Milano"}, 1)


def test_segment_whose_stored_filter_no_longer_parses_lists_no_one(member, milan_people):
    segment = segment_create(actor=member, data={"name": "Milan", "filters": {"city": "Milano"}})
    Segment.objects.filter(pk=segment.pk).update(filters={"city": "Milano", "cf_gone": "x"})
    segment.refresh_from_db()

    assert ids(segment_contacts(member, segment)) == []


# Validation and permissions ------------------------------------------------------------------


def test_name_is_required_and_unique_per_owner_ignoring_case(member, other_member):
    segment_create(actor=member, data={"name": "Customers"})

    with pytest.raises(ValidationError) as empty:
        segment_create(actor=member, data={"name": "  "})
    with pytest.raises(ValidationError) as duplicate:
        segment_create(actor=member, data={"name": "customers"})
    theirs = segment_create(actor=other_member, data={"name": "customers"})

    assert empty.value.message_dict == {"name": ["Enter a name."]}
    assert duplicate.value.message_dict == {"name": ["You already have a segment with this name."]}
    assert theirs.owner == other_member
    assert Segment.objects.count() == 2


def test_viewer_cannot_create_a_segment(viewer):
    with pytest.raises(PermissionDenied):
        segment_create(actor=viewer, data={"name": "Mine"})

    assert Segment.objects.count() == 0


def test_team_visibility_needs_a_team_the_owner_belongs_to(member, outsider, team):
    with pytest.raises(ValidationError) as no_team:
        segment_create(actor=member, data={"name": "S", "visibility": "team"})
    with pytest.raises(ValidationError) as not_member:
        segment_create(actor=outsider, data={"name": "S", "visibility": "team", "team": "Sales"})

    assert no_team.value.message_dict == {"team": ["Choose the team to share this segment with."]}
    assert not_member.value.message_dict == {"team": ["You are not a member of this team."]}
    assert Segment.objects.count() == 0


def test_kind_cannot_change(member):
    segment = segment_create(actor=member, data={"name": "S", "kind": "static"})

    with pytest.raises(ValidationError) as caught:
        segment_update(actor=member, segment=segment, data={"kind": "dynamic"})

    assert list(caught.value.message_dict) == ["kind"]
    segment.refresh_from_db()
    assert segment.kind == "static"


def test_team_member_may_change_a_team_segment_but_not_its_sharing_nor_delete_it(
    member, other_member, team
):
    segment = segment_create(
        actor=member, data={"name": "Team list", "visibility": "team", "team": team.pk}
    )

    renamed = segment_update(actor=other_member, segment=segment, data={"name": "Team list 2"})
    with pytest.raises(PermissionDenied):
        segment_update(actor=other_member, segment=segment, data={"visibility": "private"})
    with pytest.raises(PermissionDenied):
        segment_delete(actor=other_member, segment=segment)

    segment.refresh_from_db()
    assert (renamed.name, renamed.version) == ("Team list 2", 2)
    assert (segment.name, segment.visibility, segment.version) == ("Team list 2", "team", 2)


def test_private_segment_is_invisible_and_unchangeable_to_another_member(
    member, other_member, milan_people
):
    segment = segment_create(actor=member, data={"name": "Mine", "filters": {"city": "Milano"}})

    assert list(Segment.objects.restrict(other_member, "view")) == []
    assert ids(segment_contacts(other_member, segment)) == []
    with pytest.raises(PermissionDenied):
        segment_update(actor=other_member, segment=segment, data={"name": "Taken"})
    segment.refresh_from_db()
    assert segment.name == "Mine"


def test_delete_keeps_the_definition_and_members_in_history(member, milan_people):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    segment_add_members(actor=member, segment=segment, contacts=[milan_people["team"].pk])
    pk = segment.pk

    segment_delete(actor=member, segment=segment)

    assert not Segment.objects.filter(pk=pk).exists()
    assert SegmentMember.objects.count() == 0
    entry = HistoryEntry.objects.filter(object_id=pk, action="delete").get()
    assert entry.changes["name"] == {"before": "Picked", "after": None}
    assert entry.changes["members"] == {"before": [milan_people["team"].pk], "after": None}


def test_update_with_a_stale_version_is_refused_and_changes_nothing(member):
    segment = segment_create(actor=member, data={"name": "Milan", "filters": {"city": "Milano"}})
    read = segment.version
    segment_update(actor=member, segment=segment, data={"description": "by someone else"})

    with pytest.raises(ConflictError) as info:
        segment_update(actor=member, segment=segment, data={"name": "Late"}, expected_version=read)

    assert info.value.current_version == read + 1
    fresh = Segment.objects.get(pk=segment.pk)
    assert (fresh.name, fresh.version) == ("Milan", read + 1)
    assert HistoryEntry.objects.filter(object_id=segment.pk, action="update").count() == 1


def test_update_with_the_current_version_is_saved(member):
    segment = segment_create(actor=member, data={"name": "Milan"})

    saved = segment_update(
        actor=member, segment=segment, data={"name": "Milano"}, expected_version=segment.version
    )

    assert Segment.objects.get(pk=segment.pk).name == saved.name == "Milano"


def test_delete_with_a_stale_version_is_refused_and_deletes_nothing(member, milan_people):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    read = segment.version
    segment_update(actor=member, segment=segment, data={"description": "changed meanwhile"})
    segment_add_members(actor=member, segment=segment, contacts=[milan_people["team"].pk])

    with pytest.raises(ConflictError):
        segment_delete(actor=member, segment=segment, expected_version=read)

    assert Segment.objects.filter(pk=segment.pk).exists()
    assert SegmentMember.objects.filter(segment=segment).count() == 1
    assert not HistoryEntry.objects.filter(object_id=segment.pk, action="delete").exists()


def test_delete_refusal_answers_before_a_stale_version(member, other_member):
    """A person who may not delete learns that, not whether their copy is stale."""
    segment = segment_create(actor=member, data={"name": "Mine", "visibility": "everyone"})

    with pytest.raises(PermissionDenied):
        segment_delete(actor=other_member, segment=segment, expected_version=segment.version + 5)

    assert Segment.objects.filter(pk=segment.pk).exists()


# Sharing shows only what the viewer may see --------------------------------------------------


def test_shared_dynamic_segment_shows_a_team_member_only_people_they_may_see(
    member, other_member, outsider, team, milan_people
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

    assert ids(segment_contacts(member, segment)) == sorted(
        [milan_people["private"].pk, milan_people["team"].pk, milan_people["everyone"].pk]
    )
    assert ids(segment_contacts(other_member, segment)) == sorted(
        [milan_people["team"].pk, milan_people["everyone"].pk]
    )
    assert ids(segment_contacts(outsider, segment)) == []
    assert segment_count(other_member, segment).value == 2


def test_shared_static_segment_shows_a_team_member_only_members_they_may_see(
    member, other_member, team, milan_people
):
    segment = segment_create(
        actor=member,
        data={"name": "Picked", "kind": "static", "visibility": "team", "team": team.pk},
    )
    segment_add_members(
        actor=member,
        segment=segment,
        contacts=[milan_people["private"].pk, milan_people["team"].pk, milan_people["rome"].pk],
    )

    assert ids(segment_contacts(other_member, segment)) == sorted(
        [milan_people["team"].pk, milan_people["rome"].pk]
    )


# Static membership ---------------------------------------------------------------------------


def test_static_segment_lists_exactly_its_alive_members(member, milan_people):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})

    added = segment_add_members(
        actor=member,
        segment=segment,
        contacts=[milan_people["team"].pk, milan_people["rome"].pk, milan_people["team"].pk],
    )
    again = segment_add_members(actor=member, segment=segment, contacts=[milan_people["rome"]])
    contact_delete(actor=member, contact=milan_people["rome"])
    listed = ids(segment_contacts(member, segment))
    removed = segment_remove_members(
        actor=member, segment=segment, contacts=[milan_people["team"].pk]
    )

    assert (added, again, removed) == (2, 0, 1)
    assert listed == [milan_people["team"].pk]
    assert ids(segment_contacts(member, segment)) == []
    assert SegmentMember.objects.filter(segment=segment).count() == 1  # the one in the Trash


def test_adding_a_person_the_actor_cannot_see_adds_no_one(member, other_member, milan_people):
    segment = segment_create(actor=other_member, data={"name": "Theirs", "kind": "static"})

    with pytest.raises(ValidationError) as caught:
        segment_add_members(
            actor=other_member,
            segment=segment,
            contacts=[milan_people["everyone"].pk, milan_people["private"].pk],
        )

    assert caught.value.message_dict == {
        "contacts": [f"There is no person with id {milan_people['private'].pk}."]
    }
    assert SegmentMember.objects.count() == 0


def test_a_saved_search_has_no_members(member, milan_people):
    segment = segment_create(actor=member, data={"name": "Milan", "filters": {"city": "Milano"}})

    with pytest.raises(ValidationError) as caught:
        segment_add_members(actor=member, segment=segment, contacts=[milan_people["rome"].pk])

    assert list(caught.value.message_dict) == ["contacts"]
    assert SegmentMember.objects.count() == 0


def test_viewer_cannot_add_members_to_a_segment_shared_with_everyone(member, viewer, milan_people):
    segment = segment_create(
        actor=member, data={"name": "Open", "kind": "static", "visibility": "everyone"}
    )

    with pytest.raises(PermissionDenied):
        segment_add_members(actor=viewer, segment=segment, contacts=[milan_people["rome"].pk])

    assert SegmentMember.objects.count() == 0


# Counts ----------------------------------------------------------------------------------------


def test_count_is_exact_up_to_the_cap_and_marked_beyond_it(member, milan_people):
    segment = segment_create(actor=member, data={"name": "All", "filters": {}})

    exact = segment_count(member, segment, cap=4)
    capped = segment_count(member, segment, cap=3)

    assert (exact.value, exact.capped, str(exact)) == (4, False, "4")
    assert (capped.value, capped.capped, str(capped)) == (3, True, "3+")


def test_filters_of_the_wrong_shape_or_too_many_values_are_refused(member):
    with pytest.raises(ValidationError) as caught:
        segment_create(
            actor=member,
            data={
                "name": "Odd",
                "filters": {"city": {"nested": "x"}, "tag": list(range(1, 150))},
            },
        )

    assert caught.value.message_dict == {
        "filters.city": ["Enter a value or a list of values."],
        "filters.tag": ["At most 100 values."],
    }
    assert Segment.objects.count() == 0
