"""Activity services: validation keyed by field, history, visibility through restrict(), denied
writes that change nothing, the people's last interaction and keep-in-touch dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rubrica.activities import services
from rubrica.activities.models import Activity, KeepInTouch, Outcome
from rubrica.contacts.models import NEVER, Contact
from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.history.models import HistoryEntry
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def log(actor, people=(), **data):
    data.setdefault("kind", "call")
    return services.activity_create(actor=actor, data={"people": [p.pk for p in people], **data})


def test_create_links_people_and_writes_history(member):
    ada = make_contact(member)
    bob = make_contact(member, given_name="Bob")
    activity = log(member, [ada, bob], outcome="no-answer", subject="Ring", direction="out")
    assert activity.outcome == Outcome.objects.get(name="No answer")
    assert set(activity.people.values_list("pk", flat=True)) == {ada.pk, bob.pk}
    assert activity.owner == member
    entry = HistoryEntry.objects.get(
        content_type__model="activity", object_id=activity.pk, action="create"
    )
    assert entry.changes["subject"] == {"before": None, "after": "Ring"}


def test_errors_name_the_field_and_nothing_is_written(member):
    ada = make_contact(member)
    with pytest.raises(ValidationError) as caught:
        services.activity_create(
            actor=member,
            data={
                "people": [ada.pk, 999999],
                "kind": "fax",
                "occurred_at": "yesterday",
                "outcome": "maybe",
                "duration_minutes": "-3",
                "colour": "red",
            },
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "people.1",
        "kind",
        "occurred_at",
        "outcome",
        "duration_minutes",
        "colour",
    }
    assert Activity.all_objects.count() == 0


def test_an_activity_needs_a_record(member):
    with pytest.raises(ValidationError) as caught:
        services.activity_create(actor=member, data={"kind": "note", "body": "hi"})
    assert "people" in caught.value.message_dict


def test_people_one_may_not_see_cannot_be_linked(member, other_member):
    hidden = make_contact(other_member, visibility="private")
    with pytest.raises(ValidationError) as caught:
        log(member, [hidden])
    assert "people.0" in caught.value.message_dict
    assert Activity.all_objects.count() == 0


def test_visible_to_whoever_sees_one_of_its_records(member, other_member, viewer):
    shared = make_contact(member)  # visible to everyone
    secret = make_contact(member, visibility="private")
    on_shared = log(member, [shared, secret])
    on_secret = log(member, [secret])
    for user in (other_member, viewer):
        visible = set(Activity.objects.restrict(user, Action.VIEW).values_list("pk", flat=True))
        assert visible == {on_shared.pk}
    assert set(Activity.objects.restrict(member, Action.VIEW).values_list("pk", flat=True)) == {
        on_shared.pk,
        on_secret.pk,
    }


def test_visible_through_an_organization(member, other_member):
    org = make_organization(member)
    secret = make_contact(member, visibility="private")
    activity = services.activity_create(
        actor=member, data={"people": [secret.pk], "organizations": [org.pk], "kind": "meeting"}
    )
    assert Activity.objects.restrict(other_member, Action.VIEW).filter(pk=activity.pk).exists()


def test_private_activity_is_seen_by_its_owner_and_administrators_only(
    member, other_member, admin_user
):
    ada = make_contact(member)
    activity = log(member, [ada], private=True)
    assert not Activity.objects.restrict(other_member, Action.VIEW).filter(pk=activity.pk).exists()
    assert Activity.objects.restrict(member, Action.VIEW).filter(pk=activity.pk).exists()
    assert Activity.objects.restrict(admin_user, Action.VIEW).filter(pk=activity.pk).exists()


def test_someone_else_may_not_change_or_delete_and_nothing_changes(member, other_member, viewer):
    ada = make_contact(member)
    activity = log(member, [ada], subject="Original", occurred_at=ago(1))
    before_last = Contact.objects.get(pk=ada.pk).last_interaction_at
    for user in (other_member, viewer):
        with pytest.raises(PermissionDenied):
            services.activity_update(actor=user, activity=activity, data={"subject": "Hacked"})
        with pytest.raises(PermissionDenied):
            services.activity_delete(actor=user, activity=activity)
    activity.refresh_from_db()
    assert (activity.subject, activity.version, activity.deleted_at) == ("Original", 1, None)
    assert (
        HistoryEntry.objects.filter(content_type__model="activity", object_id=activity.pk).count()
        == 1
    )
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == before_last


def test_a_viewer_may_not_log(viewer, member):
    ada = make_contact(member)
    with pytest.raises(PermissionDenied):
        log(viewer, [ada])
    assert Activity.all_objects.count() == 0


def test_stale_version_is_refused(member):
    ada = make_contact(member)
    activity = log(member, [ada], subject="One")
    services.activity_update(actor=member, activity=activity, data={"subject": "Two"})
    with pytest.raises(ConflictError):
        services.activity_update(
            actor=member, activity=activity, data={"subject": "Three"}, expected_version=1
        )
    activity.refresh_from_db()
    assert activity.subject == "Two"


def test_last_interaction_follows_create_update_delete_restore(member):
    ada = make_contact(member)
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == NEVER
    old = log(member, [ada], occurred_at=ago(10))
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == old.occurred_at
    newer = log(member, [ada], occurred_at=ago(2))
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == newer.occurred_at
    services.activity_delete(actor=member, activity=newer)
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == old.occurred_at
    services.activity_restore(actor=member, activity=newer)
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == newer.occurred_at
    moved = services.activity_update(actor=member, activity=newer, data={"occurred_at": ago(20)})
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == old.occurred_at
    assert moved.person_links.get().occurred_at == moved.occurred_at


def test_notes_and_future_activities_do_not_count(member):
    ada = make_contact(member)
    log(member, [ada], kind="note", occurred_at=ago(1))
    log(member, [ada], kind="meeting", occurred_at=timezone.now() + dt.timedelta(days=3))
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == NEVER


def test_removing_a_person_from_an_activity_recomputes_their_last_interaction(member):
    ada = make_contact(member)
    bob = make_contact(member, given_name="Bob")
    activity = log(member, [ada, bob], occurred_at=ago(1))
    services.activity_update(actor=member, activity=activity, data={"people": [ada.pk]})
    assert Contact.objects.get(pk=bob.pk).last_interaction_at == NEVER
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == activity.occurred_at


def test_keep_in_touch_is_reset_by_a_counting_interaction(member):
    ada = make_contact(member)
    cadence = services.keep_in_touch_set(actor=member, contact=ada, ideal_days=30, max_days=45)
    assert cadence.overdue_at == NEVER + dt.timedelta(days=45)  # never contacted: overdue
    activity = log(member, [ada], occurred_at=ago(1))
    cadence.refresh_from_db()
    assert cadence.due_at == activity.occurred_at + dt.timedelta(days=30)
    assert cadence.overdue_at == activity.occurred_at + dt.timedelta(days=45)


def test_keep_in_touch_errors_and_permission(member, other_member):
    ada = make_contact(member, visibility="private")
    with pytest.raises(ValidationError) as caught:
        services.keep_in_touch_set(actor=member, contact=ada, ideal_days=60, max_days=30)
    assert set(caught.value.message_dict) == {"max_days"}
    with pytest.raises(PermissionDenied):
        services.keep_in_touch_set(actor=other_member, contact=ada, ideal_days=1, max_days=2)
    assert not KeepInTouch.objects.exists()


def test_mentions_are_stored_and_handed_to_the_hooks_after_commit(
    member, other_member, monkeypatch, django_capture_on_commit_callbacks
):
    ada = make_contact(member)
    seen = []
    monkeypatch.setattr(services, "_MENTION_HOOKS", [lambda a, users: seen.append(list(users))])
    with django_capture_on_commit_callbacks(execute=True):
        activity = log(member, [ada], body="Ask @other about it, cc @nobody, mail x@member.org")
    assert list(activity.mentioned_users.all()) == [other_member]
    assert seen == [[other_member]]
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_update(actor=member, activity=activity, data={"body": "@other again"})
    assert seen == [[other_member]]  # only new mentions are handed on


def test_a_mentioned_user_who_cannot_see_the_activity_is_not_notified(
    member, other_member, monkeypatch, django_capture_on_commit_callbacks
):
    ada = make_contact(member)
    seen = []
    monkeypatch.setattr(services, "_MENTION_HOOKS", [lambda a, users: seen.append(list(users))])
    with django_capture_on_commit_callbacks(execute=True):
        log(member, [ada], body="note to self about @other", private=True)
    assert seen == []


def test_last_interactions_are_recomputed_together_each_as_latest_interaction_says(
    member, monkeypatch
):
    """``refresh_last_interaction`` is set-based (in rounds, a CASE of a few people a
    statement): each person gets the date ``latest_interaction`` gives them alone: the newest
    counting activity not in the future and not in the Trash, NEVER when there is none."""
    monkeypatch.setattr(services, "CADENCE_CHUNK", 4)
    monkeypatch.setattr(services, "_CASES", 3)
    people = [make_contact(member, given_name=f"P{i}") for i in range(10)]
    for i, person in enumerate(people[:8]):
        log(member, [person], occurred_at=ago(10 + i).isoformat())
        log(member, [person, people[(i + 1) % 8]], occurred_at=ago(30 + i).isoformat())
    log(member, [people[0]], occurred_at=(timezone.now() + dt.timedelta(days=3)).isoformat())
    trashed = log(member, [people[1]], occurred_at=ago(1).isoformat())
    services.activity_delete(actor=member, activity=trashed)
    log(member, [people[2]], kind="note", occurred_at=ago(2).isoformat())  # does not count
    stale = ago(5)
    Contact.all_objects.filter(pk__in=[p.pk for p in people]).update(last_interaction_at=stale)

    services.refresh_last_interaction([p.pk for p in people])

    stored = dict(Contact.all_objects.values_list("pk", "last_interaction_at"))
    assert {p.pk: stored[p.pk] for p in people} == {
        p.pk: services.latest_interaction(p.pk) for p in people
    }
    assert (
        stored[people[3].pk]
        == Activity.objects.filter(person_links__contact=people[3])
        .order_by("-occurred_at")[0]
        .occurred_at
    )
    assert stored[people[9].pk] == NEVER  # nothing at all: the stale date is gone
    assert len({stored[p.pk] for p in people[:8]}) == 8  # each their own
