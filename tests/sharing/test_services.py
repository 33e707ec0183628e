"""share_add / share_remove: who may share, validation by field, audit and history entries, and
on every refusal nothing changed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.audit.models import AuditEntry
from rubrica.contacts.models import Contact
from rubrica.history.models import HistoryEntry
from rubrica.sharing.models import RecordShare
from rubrica.sharing.services import share_add, share_remove
from tests.factories import TeamFactory, UserFactory, make_contact

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(RecordShare.objects.values_list("pk", "user_id", "team_id", "level")),
        AuditEntry.objects.count(),
        HistoryEntry.objects.count(),
    )


def test_sharing_writes_the_share_an_audit_entry_and_a_history_entry(member, other_member):
    ada = make_contact(other_member, visibility="private")
    version = Contact.all_objects.get(pk=ada.pk).version

    share = share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "write"})

    assert (share.user_id, share.team_id, share.level) == (member.pk, None, "write")
    assert share.shared_by_id == other_member.pk
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_id, entry.target_type, entry.target_id) == (
        "share.add",
        other_member.pk,
        "contacts.contact",
        str(ada.pk),
    )
    assert entry.details == {
        "grantee_type": "user",
        "grantee_id": member.pk,
        "grantee": "member",
        "level": "write",
    }
    history = HistoryEntry.objects.filter(object_id=ada.pk).first()
    assert history.changes == {"shared_with": {"before": [], "after": ["member (write)"]}}
    assert Contact.all_objects.get(pk=ada.pk).version == version  # its fields did not change


def test_sharing_again_with_the_same_grantee_changes_the_level(member, other_member):
    ada = make_contact(other_member, visibility="private")
    first = share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "read"})

    again = share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "write"})

    assert again.pk == first.pk
    assert list(RecordShare.objects.values_list("level", flat=True)) == ["write"]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.details["previous_level"] == "read"


def test_sharing_again_at_the_same_level_writes_nothing(member, other_member):
    ada = make_contact(other_member, visibility="private")
    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "read"})
    before = snapshot()

    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "read"})

    assert snapshot() == before


def test_unsharing_removes_the_share_with_audit_and_history(member, other_member):
    team = TeamFactory(name="Partners")
    ada = make_contact(other_member, visibility="private")
    share = share_add(actor=other_member, record=ada, data={"team": team.pk, "level": "read"})

    share_remove(actor=other_member, record=ada, share_id=share.pk)

    assert not RecordShare.objects.exists()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "share.remove"
    assert entry.details["grantee"] == "Partners"
    history = HistoryEntry.objects.filter(object_id=ada.pk).first()
    assert history.changes == {"shared_with": {"before": ["Partners [team] (read)"], "after": []}}


def test_administrators_and_people_who_may_change_the_record_may_share(
    admin_user, member, other_member, sales
):
    ada = make_contact(other_member, visibility="team", team=sales.pk)  # member is in Sales

    share_add(actor=member, record=ada, data={"user": admin_user.pk, "level": "read"})
    share_add(actor=admin_user, record=ada, data={"team": sales.pk, "level": "write"})

    assert RecordShare.objects.count() == 2


def test_a_write_share_grantee_may_share_on_but_a_read_share_grantee_may_not(member, other_member):
    third = UserFactory(username="third")
    ada = make_contact(other_member, visibility="private")
    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "read"})
    before = snapshot()

    with pytest.raises(PermissionDenied):
        share_add(actor=member, record=ada, data={"user": third.pk, "level": "write"})
    assert snapshot() == before

    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "write"})
    share_add(actor=member, record=ada, data={"user": third.pk, "level": "read"})
    assert RecordShare.objects.filter(user=third).exists()


def test_someone_who_cannot_change_the_record_may_neither_share_nor_unshare(
    member, other_member, viewer
):
    ada = make_contact(other_member, visibility="everyone")  # member sees it, may change it
    share = share_add(actor=other_member, record=ada, data={"user": viewer.pk, "level": "read"})
    before = snapshot()

    with pytest.raises(PermissionDenied):
        share_add(actor=viewer, record=ada, data={"user": member.pk, "level": "write"})
    with pytest.raises(PermissionDenied):
        share_remove(actor=viewer, record=ada, share_id=share.pk)

    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": "read"}, "user"),
        ({"user": 1, "team": 1, "level": "read"}, "user"),
        ({"user": 999_999, "level": "read"}, "user"),
        ({"team": 999_999, "level": "read"}, "team"),
        ({"user": "x", "level": "read"}, "user"),
        ({"user": "OTHER", "level": "delete"}, "level"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(member, other_member, data, field):
    ada = make_contact(other_member, visibility="private")
    if data.get("user") == "OTHER":
        data = {**data, "user": member.pk}
    before = snapshot()

    with pytest.raises(ValidationError) as raised:
        share_add(actor=other_member, record=ada, data=data)

    assert field in raised.value.message_dict
    assert snapshot() == before


def test_the_owner_and_inactive_users_are_refused_as_grantees(member, other_member):
    ada = make_contact(other_member, visibility="private")
    member.is_active = False
    member.save()
    before = snapshot()

    for grantee in (other_member, member):
        with pytest.raises(ValidationError) as raised:
            share_add(actor=other_member, record=ada, data={"user": grantee.pk})
        assert "user" in raised.value.message_dict

    assert snapshot() == before


def test_removing_a_share_of_another_record_is_not_found_and_changes_nothing(member, other_member):
    ada = make_contact(other_member, visibility="private")
    grace = make_contact(other_member, given_name="Grace", visibility="private")
    share = share_add(actor=other_member, record=grace, data={"user": member.pk})
    before = snapshot()

    with pytest.raises(LookupError):
        share_remove(actor=other_member, record=ada, share_id=share.pk)

    assert snapshot() == before


def test_purging_a_record_forgets_its_shares(member, other_member):
    import datetime as dt

    from django.utils import timezone

    from rubrica.contacts.services import contact_delete, contact_trash_purge

    ada = make_contact(other_member, visibility="private")
    grace = make_contact(other_member, given_name="Grace", visibility="private")
    share_add(actor=other_member, record=ada, data={"user": member.pk})
    kept = share_add(actor=other_member, record=grace, data={"user": member.pk})
    contact_delete(actor=other_member, contact=ada)

    contact_trash_purge(cutoff=timezone.now() + dt.timedelta(seconds=1))

    assert list(RecordShare.objects.values_list("pk", flat=True)) == [kept.pk]
