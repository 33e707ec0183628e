"""`rubrica segments`: list, show, create, delete, add, remove, with --json and exit codes."""

from __future__ import annotations

import json

import pytest

from rubrica.segments.models import Segment, SegmentMember
from rubrica.segments.services import segment_add_members, segment_create
from rubrica.taxonomy.models import Tag

pytestmark = pytest.mark.django_db(transaction=False)


def test_create_a_saved_search_with_named_filters(rubrica, member):
    vip = Tag.objects.create(name="VIP")

    code, out, err = rubrica(
        "segments",
        "create",
        "Milan VIPs",
        "--filter",
        "tag=vip",
        "--filter",
        "city=Milano",
        "--as",
        "member",
        "--json",
    )

    segment = Segment.objects.get()
    assert (code, err) == (0, "")
    assert json.loads(out)["id"] == segment.pk
    assert segment.filters == {"tag": [vip.pk], "city": "Milano"}
    assert segment.owner == member


def test_create_with_an_invalid_filter_exits_2_and_saves_nothing(rubrica, member):
    code, _out, err = rubrica(
        "segments", "create", "Broken", "--filter", "updated_from=tomorrow", "--as", "member"
    )

    assert code == 2
    assert err.strip() == "error: filters.updated_from: Enter a date as YYYY-MM-DD."
    assert Segment.objects.count() == 0


def test_viewer_cannot_create_exits_3(rubrica, viewer):
    code, _out, err = rubrica("segments", "create", "Mine", "--static", "--as", "viewer")

    assert code == 3
    assert "Read-only users cannot create records." in err
    assert Segment.objects.count() == 0


def test_list_and_show_print_only_what_the_acting_user_may_see(
    rubrica, member, other_member, team, milan_people
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
    segment_create(actor=member, data={"name": "Private one"})

    code, out, _err = rubrica("segments", "list", "--as", "other", "--json")
    show_code, show_out, _err = rubrica(
        "segments", "show", str(segment.pk), "--as", "other", "--json"
    )
    table_code, table_out, _err = rubrica("segments", "show", str(segment.pk), "--as", "other")

    assert code == 0
    assert [(row["name"], row["count"]) for row in json.loads(out)] == [("Milan", 2)]
    shown = json.loads(show_out)
    assert show_code == 0
    assert [item["id"] for item in shown["items"]] == [
        milan_people["everyone"].pk,
        milan_people["team"].pk,
    ]
    assert table_code == 0
    assert "Teo" in table_out and "Eva" in table_out and "Pia" not in table_out


def test_show_of_a_private_segment_of_someone_else_exits_1(rubrica, member, other_member):
    segment = segment_create(actor=member, data={"name": "Mine"})

    code, _out, err = rubrica("segments", "show", str(segment.pk), "--as", "other")

    assert code == 1
    assert err.strip() == f"error: no segment with id {segment.pk}"


def test_add_remove_and_delete(rubrica, member, milan_people):
    segment = segment_create(actor=member, data={"name": "Picked", "kind": "static"})
    team_pk, rome_pk = milan_people["team"].pk, milan_people["rome"].pk

    add = rubrica("segments", "add", str(segment.pk), str(team_pk), str(rome_pk), "--as", "member")
    remove = rubrica("segments", "remove", str(segment.pk), str(rome_pk), "--as", "member")
    members = list(SegmentMember.objects.values_list("contact_id", flat=True))
    delete = rubrica("segments", "delete", str(segment.pk), "--as", "member")

    assert add[0] == remove[0] == delete[0] == 0
    assert members == [team_pk]
    assert not Segment.objects.exists()


def test_other_member_cannot_delete_a_shared_segment_exits_3(
    rubrica, member, outsider, milan_people
):
    segment = segment_create(
        actor=member, data={"name": "Open", "kind": "static", "visibility": "everyone"}
    )
    segment_add_members(actor=member, segment=segment, contacts=[milan_people["rome"].pk])

    code, _out, err = rubrica("segments", "delete", str(segment.pk), "--as", "outsider")

    assert code == 3
    assert err.strip() == "error: Only its owner or an administrator may delete this segment."
    assert Segment.objects.filter(pk=segment.pk).exists()
