"""Every door that matters writes its audit entry, through ``audit.services.record``, in the
transaction of the change, naming the door and the address; refused actions write nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from rubrica.accounts import services as accounts
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction, Target, record, record_sensitive_read, verify
from rubrica.calendars.services import calendar_create
from rubrica.contacts.services import contacts_bulk
from rubrica.core import origin
from rubrica.customfields.models import CustomFieldDefinition
from rubrica.customfields.services import definition_delete, definition_save
from rubrica.tasks.services import task_create, tasks_bulk_complete
from rubrica.taxonomy.models import Tag
from rubrica.taxonomy.services import stage_delete, stage_save, tag_delete, tag_update
from tests.factories import PASSWORD, make_contact

pytestmark = pytest.mark.django_db

TIER = {"entity": "contact", "key": "tier", "label": "Tier", "field_type": "text"}


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def _snapshot() -> list[tuple[int, str]]:
    return list(AuditEntry.objects.order_by("seq").values_list("seq", "hash"))


# Door and address ----------------------------------------------------------------------------


def test_the_door_and_address_come_from_the_origin(member):
    bare = record(member, AuditAction.EXPORT_START)
    with origin.using(origin.WORKER):
        worker = record(None, AuditAction.RECORD_PURGE)
    with origin.using(origin.WEB, "192.0.2.7"):
        web = record(member, AuditAction.EXPORT_START)
        overridden = record(member, AuditAction.EXPORT_START, ip_address="198.51.100.1")

    assert (bare.source, bare.ip_address) == ("system", "")
    assert (worker.source, worker.ip_address) == ("worker", "")
    assert (web.source, web.ip_address) == ("web", "192.0.2.7")
    assert overridden.ip_address == "198.51.100.1"
    assert AuditEntry.objects.get(pk=web.pk).source == "web"
    assert verify().ok


def test_a_target_that_is_no_row(member):
    entry = record(member, AuditAction.BACKUP_CREATE, Target("backup.archive", 7, "nightly.tar"))

    assert (entry.target_type, entry.target_id, entry.target_repr) == (
        "backup.archive",
        "7",
        "nightly.tar",
    )


def test_sign_in_success_failure_and_sign_out_from_the_web(client, member):
    client.post(
        reverse("login"), {"username": "member", "password": "wrong"}, REMOTE_ADDR="10.1.2.3"
    )
    client.post(
        reverse("login"), {"username": "member", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )
    client.post(reverse("logout"), REMOTE_ADDR="10.1.2.3")

    failure, success, signout = (
        _entries(AuditAction.SIGNIN_FAILURE)[0],
        _entries(AuditAction.SIGNIN_SUCCESS)[0],
        _entries(AuditAction.SIGNOUT)[0],
    )
    assert failure.details == {"username": "member"}
    assert failure.actor_id is None
    assert "wrong" not in str(failure.details)
    assert success.actor_id == member.pk
    assert signout.actor_id == member.pk
    for entry in (failure, success, signout):
        assert (entry.source, entry.ip_address) == ("web", "10.1.2.3")
    assert failure.seq < success.seq < signout.seq


def test_api_token_use_is_recorded_at_most_once_a_minute(client, member):
    _token, secret = accounts.token_create(actor=member, user=member, name="script")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "REMOTE_ADDR": "203.0.113.5"}

    assert client.get("/api/v1/contacts", **headers).status_code == 200
    assert client.get("/api/v1/contacts", **headers).status_code == 200

    uses = _entries(AuditAction.TOKEN_USE)
    assert len(uses) == 1
    assert (uses[0].source, uses[0].ip_address, uses[0].actor_id) == (
        "api",
        "203.0.113.5",
        member.pk,
    )
    assert secret not in str(uses[0].details)


def test_the_command_line_is_the_cli_door(rubrica, admin_user):
    code, _out, _err = rubrica("users", "unlock", "grace", "--as", "admin")

    assert code == 0
    entry = _entries(AuditAction.SIGNIN_UNLOCK)[0]
    assert (entry.actor_id, entry.source, entry.ip_address) == (admin_user.pk, "cli", "")
    assert origin.current().source == "system"  # the door closes behind the command


# Settings, custom fields, taxonomy -----------------------------------------------------------


def test_settings_changes_are_recorded(admin_user, member):
    accounts.team_settings_update(actor=admin_user, country="IT")
    accounts.user_settings_update(actor=member, user=member, data={"theme": "dark"})

    team = _entries(AuditAction.SETTINGS_CHANGE)[0]
    assert team.target_type == "settings.team"
    assert team.details == {"country": {"before": "", "after": "IT"}}
    mine = _entries(AuditAction.USER_SETTINGS_CHANGE)[0]
    assert (mine.actor_id, mine.target_id, mine.details) == (
        member.pk,
        str(member.pk),
        {"fields": ["theme"]},
    )


def test_refused_settings_changes_record_nothing(member, other_member):
    with pytest.raises(PermissionDenied):
        accounts.team_settings_update(actor=member, country="IT")
    with pytest.raises(PermissionDenied):
        accounts.user_settings_update(actor=member, user=other_member, data={"theme": "dark"})
    assert AuditEntry.objects.count() == 0


def test_custom_field_definitions_are_recorded(admin_user, member):
    with pytest.raises(PermissionDenied):
        definition_save(actor=member, data=dict(TIER))
    assert AuditEntry.objects.count() == 0
    assert not CustomFieldDefinition.objects.exists()

    definition = definition_save(actor=admin_user, data=dict(TIER))
    definition_save(actor=admin_user, definition=definition, data={"label": "Level"})
    definition_delete(actor=admin_user, definition=definition)

    assert [e.action for e in AuditEntry.objects.order_by("seq")] == [
        AuditAction.CUSTOMFIELD_CREATE,
        AuditAction.CUSTOMFIELD_UPDATE,
        AuditAction.CUSTOMFIELD_DELETE,
    ]
    deleted = _entries(AuditAction.CUSTOMFIELD_DELETE)[0]
    assert deleted.details == {"key": "tier", "entity": "contact"}
    assert deleted.target_repr


def test_taxonomy_changes_are_recorded(admin_user, member):
    tag = Tag.objects.create(name="vip")
    with pytest.raises(PermissionDenied):
        tag_delete(actor=member, tag=tag)
    assert AuditEntry.objects.count() == 0

    tag_update(actor=admin_user, tag=tag, name="VIP")
    tag_delete(actor=admin_user, tag=tag)
    stage = stage_save(actor=admin_user, data={"name": "Dormant"})
    stage_delete(actor=admin_user, stage=stage)

    assert [(e.action, e.target_type) for e in AuditEntry.objects.order_by("seq")] == [
        (AuditAction.TAXONOMY_UPDATE, "taxonomy.tag"),
        (AuditAction.TAXONOMY_DELETE, "taxonomy.tag"),
        (AuditAction.TAXONOMY_CREATE, "taxonomy.lifecyclestage"),
        (AuditAction.TAXONOMY_DELETE, "taxonomy.lifecyclestage"),
    ]


# Bulk edits, exports, sensitive reads --------------------------------------------------------


def test_a_bulk_edit_of_people_is_one_entry_in_its_transaction(member):
    ada, grace = make_contact(member), make_contact(member)
    Tag.objects.create(name="vip")
    before = AuditEntry.objects.count()

    contacts_bulk(actor=member, contacts=[ada, grace], action="tag", value="vip")

    bulk = _entries(AuditAction.BULK_EDIT)
    assert AuditEntry.objects.count() == before + 1
    assert bulk[0].details == {
        "action": "tag",
        "value": "vip",
        "ids": [ada.pk, grace.pk],
        "count": 2,
    }


def test_a_refused_bulk_edit_records_nothing(member, viewer):
    ada = make_contact(member)
    before = _snapshot()

    with pytest.raises(PermissionDenied):
        contacts_bulk(actor=viewer, contacts=[ada], action="tag", value="vip")

    assert _snapshot() == before


def test_a_bulk_edit_of_tasks_records_each_task_changed(member):
    task = task_create(actor=member, data={"title": "Call Ada"})

    result = tasks_bulk_complete(actor=member, ids=[task.pk, 999999])

    assert result.changed == [task.pk]
    entries = _entries(AuditAction.BULK_EDIT)
    assert [(e.target_id, e.details) for e in entries] == [(str(task.pk), {"fields": ["status"]})]


def test_calendar_and_list_exports_are_recorded(client, member):
    calendar = calendar_create(actor=member, data={"name": "Work"})
    client.force_login(member)

    assert client.get(reverse("calendars:export", args=[calendar.pk])).status_code == 200
    response = client.get(reverse("tasks:export"), {"status": "open"})
    b"".join(response.streaming_content)

    ics = _entries(AuditAction.CALENDAR_EXPORT)[0]
    assert (ics.target_type, ics.target_id, ics.source) == (
        "calendars.calendar",
        str(calendar.pk),
        "web",
    )
    listed = _entries(AuditAction.LIST_EXPORT)[0]
    assert (listed.target_type, listed.details) == (
        "tasks.task",
        {"mine": False, "status": "open"},
    )


def test_sensitive_reads_keep_field_names_only(member):
    ada = make_contact(member)

    assert record_sensitive_read(member, ada, []) is None
    entry = record_sensitive_read(member, ada, ["birthday", "personal_phone", "birthday"])

    assert entry is not None
    assert entry.details == {"fields": ["birthday", "personal_phone"]}
    assert AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).count() == 1


# Sharing and deletes for good ----------------------------------------------------------------


def test_calendar_sharing_is_recorded_and_a_refused_share_records_nothing(member, other_member):
    from rubrica.calendars.services import calendar_feed_set, calendar_share

    calendar = calendar_create(actor=member, data={"name": "Work"})
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        calendar_share(actor=other_member, calendar=calendar, user=other_member, access="write")
    assert _snapshot() == before

    calendar_share(actor=member, calendar=calendar, user=other_member, access="read")
    calendar_share(actor=member, calendar=calendar, user=other_member, access=None)
    calendar_feed_set(actor=member, calendar=calendar, enabled=True)

    shares = AuditEntry.objects.filter(target_type="calendars.calendar").order_by("seq")
    assert [(e.action, e.details) for e in shares] == [
        (AuditAction.SHARE_ADD, {"user": "other", "team": None, "access": "read"}),
        (AuditAction.SHARE_REMOVE, {"user": "other", "team": None, "access": None}),
        (AuditAction.SHARE_ADD, {"subscription_url": True}),
    ]


def test_a_segment_deleted_for_good_is_recorded(member):
    from rubrica.segments.services import segment_create, segment_delete

    segment = segment_create(actor=member, data={"name": "Milan"})
    segment_delete(actor=member, segment=segment)

    entry = _entries(AuditAction.RECORD_DESTROY)[0]
    assert (entry.target_type, entry.target_id, entry.target_repr) == (
        "segments.segment",
        str(segment.pk),
        "Milan",
    )
