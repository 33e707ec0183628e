"""contact_merge / contact_unmerge: values, links, permissions, history, exact undo."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete, contact_update
from rubrica.core.services import ConflictError
from rubrica.customfields.services import definition_save
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.merges.models import Merge
from rubrica.merges.services import contact_merge, contact_unmerge
from rubrica.organizations.models import Affiliation
from rubrica.organizations.services import affiliation_create
from tests.factories import make_contact, make_organization
from tests.merges.conftest import state

pytestmark = pytest.mark.django_db


def _entries(contact: Contact) -> list[HistoryEntry]:
    ct = ContentType.objects.get_for_model(Contact)
    return list(HistoryEntry.objects.filter(content_type=ct, object_id=contact.pk).order_by("id"))


def test_merge_takes_the_union_of_emails_without_duplicates(member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    twin = make_contact(
        member, emails=[{"value": "ADA@example.org"}, {"value": "countess@example.org"}]
    )
    contact_merge(actor=member, survivor=ada, merged=twin)
    ada.refresh_from_db()
    assert [e.value for e in ada.emails.order_by("position")] == [
        "ada@example.org",
        "countess@example.org",
    ]
    assert [e.is_preferred for e in ada.emails.order_by("position")] == [True, False]
    assert ada.primary_email == "ada@example.org"


def test_merge_unions_phones_by_e164_tags_and_nicknames(member):
    ada = make_contact(member, phones=[{"value": "+1 202 555 0100"}], tags=["VIP"], nicknames=["A"])
    twin = make_contact(
        member,
        phones=[{"value": "+12025550100"}, {"value": "+44 20 7946 0000"}],
        tags=["vip", "Press"],
        nicknames=["A", "Countess"],
    )
    contact_merge(actor=member, survivor=ada, merged=twin)
    ada.refresh_from_db()
    assert [p.e164 for p in ada.phones.order_by("position")] == ["+12025550100", "+442079460000"]
    assert sorted(t.name for t in ada.tags.all()) == ["Press", "VIP"]
    assert ada.nicknames == ["A", "Countess"]


def test_single_values_keep_the_survivor_and_fill_its_gaps_from_the_merged(member):
    ada = make_contact(member, title="Mathematician")
    twin = make_contact(member, title="Countess", role="Writer", given_name="Augusta")
    contact_merge(actor=member, survivor=ada, merged=twin)
    ada.refresh_from_db()
    assert (ada.given_name, ada.title, ada.role) == ("Ada", "Mathematician", "Writer")


def test_a_choice_takes_the_merged_value_or_a_given_one(member):
    ada = make_contact(member, title="Mathematician", notes="one")
    twin = make_contact(member, title="Countess", given_name="Augusta", notes="two")
    contact_merge(
        actor=member,
        survivor=ada,
        merged=twin,
        choices={"title": "merged", "given_name": "merged", "notes": "one and two"},
    )
    ada.refresh_from_db()
    assert (ada.title, ada.given_name, ada.notes) == ("Countess", "Augusta", "one and two")
    assert ada.display_name == "Augusta Lovelace"


def test_custom_fields_merge_per_key_by_choice(member, admin_user):
    for key in ("size", "colour"):
        definition_save(
            actor=admin_user,
            data={"entity": "contact", "key": key, "label": key, "field_type": "text"},
        )
    ada = make_contact(member, custom_fields={"size": "S"})
    twin = make_contact(member, custom_fields={"size": "L", "colour": "red"})
    contact_merge(actor=member, survivor=ada, merged=twin)
    ada.refresh_from_db()
    assert ada.custom_fields == {"size": "S", "colour": "red"}
    bob = make_contact(member, given_name="Bob", custom_fields={"size": "S"})
    bob2 = make_contact(member, given_name="Bob", custom_fields={"size": "L"})
    contact_merge(actor=member, survivor=bob, merged=bob2, choices={"custom_fields.size": "merged"})
    bob.refresh_from_db()
    assert bob.custom_fields == {"size": "L"}


def test_unknown_and_list_choices_are_refused_and_nothing_changes(member):
    ada = make_contact(member)
    twin = make_contact(member)
    before = (state(ada), state(twin))
    with pytest.raises(ValidationError) as exc:
        contact_merge(
            actor=member, survivor=ada, merged=twin, choices={"colour": "merged", "emails": "x"}
        )
    assert exc.value.message_dict == {
        "choices.colour": ["Unknown field."],
        "choices.emails": ["Lists are merged: both sides' values are kept."],
    }
    assert (state(ada), state(twin)) == before
    assert Merge.objects.count() == 0


def test_affiliations_move_duplicates_stay_and_a_second_primary_is_cleared(member):
    engines = make_organization(member)
    royal = make_organization(member, name="Royal Society")
    ada = make_contact(member)
    twin = make_contact(member)
    affiliation_create(
        actor=member, contact=ada, organization=engines, data={"title": "CTO", "is_primary": True}
    )
    duplicate = affiliation_create(
        actor=member, contact=twin, organization=engines, data={"title": "CTO"}
    )
    fellow = affiliation_create(
        actor=member, contact=twin, organization=royal, data={"is_primary": True}
    )
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    fellow.refresh_from_db()
    duplicate.refresh_from_db()
    assert (fellow.contact_id, fellow.is_primary) == (ada.pk, False)
    assert duplicate.contact_id == twin.pk
    assert merge.snapshot["moved"] == [
        {"model": "organizations.affiliation", "pk": fellow.pk, "field": "contact_id"}
    ]
    assert merge.snapshot["kept"] == [
        {"model": "organizations.affiliation", "pk": duplicate.pk, "reason": "duplicate"}
    ]
    assert Contact.all_objects.get(pk=twin.pk).organization_id == engines.pk  # kept duplicate

    contact_unmerge(actor=member, merge=merge)
    fellow.refresh_from_db()
    assert (fellow.contact_id, fellow.is_primary) == (twin.pk, True)
    assert Contact.objects.get(pk=twin.pk).organization_id == royal.pk


def test_the_merged_person_goes_to_the_trash_and_is_not_deleted(member):
    ada = make_contact(member)
    twin = make_contact(member, emails=[{"value": "twin@example.org"}])
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    assert not Contact.objects.filter(pk=twin.pk).exists()
    trashed = Contact.trash.get(pk=twin.pk)
    assert [e.value for e in trashed.emails.all()] == ["twin@example.org"]
    assert (merge.survivor_id, merge.merged_id, merge.actor_id) == (ada.pk, twin.pk, member.pk)


def test_history_entries_are_written_on_both(member):
    ada = make_contact(member)
    twin = make_contact(member, title="Countess")
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    survivor_entry = _entries(ada)[-1]
    merged_entry = _entries(twin)[-1]
    assert survivor_entry.action == HistoryAction.UPDATE
    assert survivor_entry.changes["title"] == {"before": "", "after": "Countess"}
    assert survivor_entry.changes["merged_from"] == {
        "before": None,
        "after": f"Ada Lovelace (#{twin.pk})",
    }
    assert merged_entry.action == HistoryAction.DELETE
    assert merged_entry.changes["merged_into"] == {
        "before": None,
        "after": f"Ada Lovelace (#{ada.pk})",
    }
    contact_unmerge(actor=member, merge=merge)
    assert _entries(ada)[-1].action == HistoryAction.REVERT
    assert _entries(ada)[-1].changes["title"] == {"before": "Countess", "after": ""}
    assert _entries(twin)[-1].action == HistoryAction.RESTORE
    assert "merge_undone" in _entries(twin)[-1].changes


def test_merging_identical_people_still_moves_the_version_and_writes_history(member):
    ada = make_contact(member)
    twin = make_contact(member)
    version = ada.version
    contact_merge(actor=member, survivor=ada, merged=twin)
    ada.refresh_from_db()
    assert ada.version == version + 1
    assert list(_entries(ada)[-1].changes) == ["merged_from"]


@pytest.mark.parametrize("who", ["viewer", "other_member"])
def test_a_user_without_rights_is_refused_and_nothing_changes(who, member, request):
    actor = request.getfixturevalue(who)
    ada = make_contact(member, visibility="private")
    twin = make_contact(member, visibility="private", title="Countess")
    before = (state(ada), state(twin), HistoryEntry.objects.count())
    with pytest.raises(PermissionDenied):
        contact_merge(actor=actor, survivor=ada, merged=twin)
    assert (state(ada), state(twin), HistoryEntry.objects.count()) == before
    assert Merge.objects.count() == 0


def test_a_viewer_cannot_merge_people_visible_to_everyone(member, viewer):
    ada = make_contact(member)
    twin = make_contact(member, title="Countess")
    before = (state(ada), state(twin), HistoryEntry.objects.count())
    with pytest.raises(PermissionDenied):
        contact_merge(actor=viewer, survivor=ada, merged=twin)
    assert (state(ada), state(twin), HistoryEntry.objects.count()) == before


def test_a_user_without_rights_cannot_undo_and_nothing_changes(member, viewer):
    ada = make_contact(member)
    twin = make_contact(member, title="Countess")
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    before = (state(ada), state(twin), HistoryEntry.objects.count())
    with pytest.raises(PermissionDenied):
        contact_unmerge(actor=viewer, merge=merge)
    merge.refresh_from_db()
    assert merge.undone_at is None
    assert (state(ada), state(twin), HistoryEntry.objects.count()) == before


def test_a_person_cannot_be_merged_with_itself(member):
    ada = make_contact(member)
    with pytest.raises(ValidationError) as exc:
        contact_merge(actor=member, survivor=ada, merged=ada)
    assert exc.value.message_dict == {"merged": ["A person cannot be merged with itself."]}


def test_a_person_in_the_trash_cannot_be_merged(member):
    ada = make_contact(member)
    twin = make_contact(member)
    contact_delete(actor=member, contact=twin)
    before = (state(ada), state(twin))
    with pytest.raises(ValidationError) as exc:
        contact_merge(actor=member, survivor=ada, merged=twin)
    assert exc.value.message_dict == {"merged": ["Ada Lovelace is in the Trash; restore it first."]}
    assert (state(ada), state(twin)) == before


def test_a_stale_version_is_refused_and_nothing_changes(member):
    ada = make_contact(member)
    twin = make_contact(member, title="Countess")
    old = ada.version
    contact_update(actor=member, contact=ada, data={"role": "Analyst"})
    before = (state(ada), state(twin))
    with pytest.raises(ConflictError):
        contact_merge(
            actor=member, survivor=ada, merged=twin, expected_versions=(old, twin.version)
        )
    assert (state(ada), state(twin)) == before
    assert Merge.objects.count() == 0


def test_undo_gives_back_both_people_exactly(member):
    engines = make_organization(member)
    ada = make_contact(
        member,
        emails=[{"value": "ada@example.org", "label": "work"}],
        phones=[{"value": "+1 202 555 0100"}],
        tags=["VIP"],
    )
    twin = make_contact(
        member,
        given_name="Augusta",
        emails=[{"value": "ada@example.org"}, {"value": "aug@example.org"}],
        addresses=[{"city": "London", "country": "UK"}],
        tags=["Press"],
    )
    affiliation_create(actor=member, contact=twin, organization=engines, data={"title": "CTO"})
    before = (state(ada), state(twin))
    merge = contact_merge(actor=member, survivor=ada, merged=twin, choices={"given_name": "merged"})
    assert state(ada) != before[0]
    contact_unmerge(actor=member, merge=merge)
    assert (state(ada), state(twin)) == before
    merge.refresh_from_db()
    assert merge.undone_by_id == member.pk


def test_undo_twice_is_refused(member):
    merge = contact_merge(actor=member, survivor=make_contact(member), merged=make_contact(member))
    contact_unmerge(actor=member, merge=merge)
    with pytest.raises(ValidationError) as exc:
        contact_unmerge(actor=member, merge=merge)
    assert exc.value.messages == ["This merge was already undone."]


def test_undo_keeps_later_unrelated_edits(member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    twin = make_contact(member, title="Countess", emails=[{"value": "aug@example.org"}])
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    ada.refresh_from_db()
    contact_update(
        actor=member,
        contact=ada,
        data={
            "role": "Analyst",
            "title": "Engineer",
            "emails": [
                {"value": "ada@example.org"},
                {"value": "aug@example.org"},
                {"value": "new@example.org"},
            ],
        },
    )
    contact_unmerge(actor=member, merge=merge)
    ada.refresh_from_db()
    assert ada.role == "Analyst"  # not touched by the merge
    assert ada.title == "Engineer"  # edited after the merge: the later edit stays
    assert [e.value for e in ada.emails.order_by("position")] == [
        "ada@example.org",
        "new@example.org",
    ]
    merge.refresh_from_db()
    assert merge.snapshot["undo"]["kept_edits"] == ["title", "emails"]


def test_undo_is_refused_while_the_survivor_is_in_the_trash(member):
    ada = make_contact(member)
    merge = contact_merge(actor=member, survivor=ada, merged=make_contact(member))
    contact_delete(actor=member, contact=ada)
    with pytest.raises(ValidationError) as exc:
        contact_unmerge(actor=member, merge=merge)
    assert exc.value.messages == ["Ada Lovelace is in the Trash; restore it first."]


def test_affiliations_of_the_survivor_are_untouched_by_undo(member):
    engines = make_organization(member)
    ada = make_contact(member)
    mine = affiliation_create(
        actor=member, contact=ada, organization=engines, data={"is_primary": True}
    )
    merge = contact_merge(actor=member, survivor=ada, merged=make_contact(member))
    contact_unmerge(actor=member, merge=merge)
    assert list(Affiliation.objects.filter(contact=ada).values_list("pk", "is_primary")) == [
        (mine.pk, True)
    ]


def test_a_candidate_pair_is_closed_by_the_merge_and_reopened_by_undo(member):
    from django.utils import timezone

    from rubrica.dedup.models import DuplicatePair

    ada = make_contact(member)
    twin = make_contact(member)
    third = make_contact(member, given_name="Ann")
    pair = DuplicatePair.objects.create(
        contact_a=ada, contact_b=twin, score=0.97, found_at=timezone.now()
    )
    other = DuplicatePair.objects.create(
        contact_a=twin, contact_b=third, score=0.8, found_at=timezone.now()
    )
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    pair.refresh_from_db()
    other.refresh_from_db()
    assert pair.status == "merged"
    assert (other.contact_a_id, other.contact_b_id) == (ada.pk, third.pk)  # moved
    assert {"model": "dedup.duplicatepair", "pk": pair.pk, "reason": "both"} in merge.snapshot[
        "kept"
    ]
    contact_unmerge(actor=member, merge=merge)
    pair.refresh_from_db()
    other.refresh_from_db()
    assert (pair.status, pair.decided_at, pair.decided_by_id) == ("open", None, None)
    assert (other.contact_a_id, other.contact_b_id) == (twin.pk, third.pk)


def test_a_link_a_constraint_refuses_stays_on_the_merged_person(member):
    from django.utils import timezone

    from rubrica.dedup.models import DuplicatePair

    ada = make_contact(member, given_name="Zed")
    first = make_contact(member)
    twin = make_contact(member)
    # (first, twin) would become (first, ada): ordered, but ada < first breaks a < b.
    pair = DuplicatePair.objects.create(
        contact_a=first, contact_b=twin, score=0.9, found_at=timezone.now()
    )
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    pair.refresh_from_db()
    assert (pair.contact_a_id, pair.contact_b_id) == (first.pk, twin.pk)
    assert {"model": "dedup.duplicatepair", "pk": pair.pk, "reason": "clash"} in merge.snapshot[
        "kept"
    ]


def test_unknown_vcard_properties_are_combined_and_given_back(member):
    ada = make_contact(member)
    twin = make_contact(member)
    Contact.all_objects.filter(pk=ada.pk).update(vcard_extra=["X-A:1"])
    Contact.all_objects.filter(pk=twin.pk).update(vcard_extra=["X-A:1", "X-B:2"])
    before = (state(ada), state(twin))
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    ada.refresh_from_db()
    assert ada.vcard_extra == ["X-A:1", "X-B:2"]
    contact_unmerge(actor=member, merge=merge)
    assert (state(ada), state(twin)) == before


def test_the_survivor_gets_a_copy_of_the_photo_and_undo_removes_it(member, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from rubrica.contacts.services import contact_set_photo

    settings.MEDIA_ROOT = str(tmp_path)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    ada = make_contact(member)
    twin = make_contact(member)
    contact_set_photo(
        actor=member,
        contact=twin,
        photo=SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png"),
    )
    before = (state(ada), state(twin))
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    ada.refresh_from_db()
    twin.refresh_from_db()
    assert ada.photo.name and ada.photo.name != twin.photo.name
    assert ada.photo.read() == buffer.getvalue()
    contact_unmerge(actor=member, merge=merge)
    assert (state(ada), state(twin)) == before


def test_purging_the_merged_person_forgets_the_merge_and_its_snapshot(member):
    import datetime as dt

    from django.utils import timezone

    from rubrica.core.trash import trash_purge

    ada = make_contact(member)
    twin = make_contact(member, notes="private notes")
    contact_merge(actor=member, survivor=ada, merged=twin)
    Contact.all_objects.filter(pk=twin.pk).update(deleted_at=timezone.now() - dt.timedelta(days=40))
    assert trash_purge(older_than=dt.timedelta(days=30)) == 1
    assert Merge.objects.count() == 0
    assert Contact.objects.filter(pk=ada.pk).exists()


def test_links_follow_but_records_of_what_happened_to_a_person_stay():
    from rubrica.merges.services import link_specs

    labels = {spec[0]._meta.label_lower for spec in link_specs()}
    assert {"organizations.affiliation", "dedup.duplicatepair", "segments.segmentmember"} <= labels
    assert not labels & {
        "history.historyentry",
        "merges.merge",
        "contacts.contactemail",
        "dataio.importrow",
        "quality.cleaningchange",
        "dedup.duplicatekey",
    }


def test_rows_of_other_apps_move_and_a_duplicate_membership_stays(member):
    from rubrica.segments.models import SegmentMember
    from rubrica.segments.services import segment_add_members, segment_create

    press = segment_create(actor=member, data={"name": "Press", "kind": "static"})
    vips = segment_create(actor=member, data={"name": "VIPs", "kind": "static"})
    ada = make_contact(member)
    twin = make_contact(member)
    segment_add_members(actor=member, segment=press, contacts=[ada, twin])
    segment_add_members(actor=member, segment=vips, contacts=[twin])
    in_press = SegmentMember.objects.get(segment=press, contact=twin)
    in_vips = SegmentMember.objects.get(segment=vips, contact=twin)
    before = (state(ada), state(twin))

    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    assert set(SegmentMember.objects.filter(contact=ada).values_list("segment_id", flat=True)) == {
        press.pk,
        vips.pk,
    }
    assert SegmentMember.objects.get(pk=in_press.pk).contact_id == twin.pk  # would clash: stays
    assert {"model": "segments.segmentmember", "pk": in_vips.pk, "field": "contact_id"} in (
        merge.snapshot["moved"]
    )

    contact_unmerge(actor=member, merge=merge)
    assert SegmentMember.objects.get(pk=in_vips.pk).contact_id == twin.pk
    assert SegmentMember.objects.get(pk=in_press.pk).contact_id == twin.pk
    assert (state(ada), state(twin)) == before


def test_notes_can_keep_both_texts(member):
    ada = make_contact(member, notes="Met at the Royal Society.")
    twin = make_contact(member, notes="Prefers letters.")
    merge = contact_merge(actor=member, survivor=ada, merged=twin, choices={"notes": "both"})
    ada.refresh_from_db()
    assert ada.notes == "Met at the Royal Society.\n\nPrefers letters."
    contact_unmerge(actor=member, merge=merge)
    ada.refresh_from_db()
    assert ada.notes == "Met at the Royal Society."


def _shares(contact):
    from rubrica.sharing.models import RecordShare

    content_type = ContentType.objects.get_for_model(Contact)
    return sorted(
        (s.pk, s.user_id, s.team_id, s.level)
        for s in RecordShare.objects.filter(content_type=content_type, object_id=contact.pk)
    )


def test_shares_follow_the_kept_person_the_stronger_wins_and_undo_restores_them(
    member, other_member, viewer
):
    from rubrica.accounts.models import Team
    from rubrica.sharing.services import share_add

    team = Team.objects.create(name="Sales floor")
    kept = make_contact(member, given_name="Ada", family_name="Lovelace")
    absorbed = make_contact(member, given_name="Ada", family_name="Byron")
    share_add(actor=member, record=kept, data={"user": other_member.pk, "level": "read"})
    share_add(actor=member, record=absorbed, data={"user": other_member.pk, "level": "write"})
    share_add(actor=member, record=absorbed, data={"user": viewer.pk, "level": "read"})
    share_add(actor=member, record=absorbed, data={"team": team.pk, "level": "write"})
    kept_before, absorbed_before = _shares(kept), _shares(absorbed)

    merge = contact_merge(actor=member, survivor=kept, merged=absorbed)

    after = _shares(kept)
    grantees = [(user, team_id, level) for _pk, user, team_id, level in after]
    assert sorted(grantees, key=str) == sorted(
        [(other_member.pk, None, "write"), (viewer.pk, None, "read"), (None, team.pk, "write")],
        key=str,
    )  # one share per grantee; other_member's read became write
    assert len(after) == 3

    contact_unmerge(actor=member, merge=Merge.objects.get(pk=merge.pk))

    assert _shares(kept) == kept_before
    assert _shares(absorbed) == absorbed_before
