"""Retention rules (ADR 0032): previewed first, switched on only after a preview, run by the
worker's tick once a day acting as their author, audited; administrators only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from rubrica.activities.models import Activity
from rubrica.activities.services import activity_create
from rubrica.audit.models import AuditEntry
from rubrica.contacts.models import Contact
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.services import job_run
from rubrica.notifications.registry import schedules
from rubrica.notifications.scheduling import tick
from rubrica.organizations.models import Organization
from rubrica.organizations.services import affiliation_create
from rubrica.privacy.models import Erasure, RetentionRule
from rubrica.privacy.retention import (
    RETENTION_KIND,
    retention_preview,
    retention_rule_activate,
    retention_rule_save,
)
from rubrica.taxonomy.models import LifecycleStage
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=4 * 365)


@pytest.fixture
def people(admin_user):
    lead = LifecycleStage.objects.get_or_create(name="Lead")[0]
    old_lead = make_contact(admin_user, given_name="Old", family_name="Lead", stage=lead.pk)
    customer = make_contact(admin_user, given_name="Kept", family_name="Customer")
    return old_lead, customer, lead


def _rule(admin, lead, action="trash"):
    return retention_rule_save(
        actor=admin,
        data={"name": "Old leads", "stage": str(lead.pk), "age_days": "1095", "action": action},
    )


def test_the_preview_lists_who_matches_and_changes_no_person(admin_user, people):
    old_lead, _customer, lead = people
    rule = _rule(admin_user, lead)

    preview = retention_preview(actor=admin_user, rule=rule, now=timezone.now() + LATER)

    assert preview.count == 1
    assert [p.pk for p in preview.people] == [old_lead.pk]
    assert Contact.objects.filter(pk=old_lead.pk).exists()
    now_preview = retention_preview(actor=admin_user, rule=rule)
    assert now_preview.count == 0


def test_a_rule_is_switched_on_only_after_its_preview(admin_user, people):
    _old, _customer, lead = people
    rule = _rule(admin_user, lead)

    with pytest.raises(ValidationError) as caught:
        retention_rule_activate(actor=admin_user, rule=rule, active=True)
    assert "active" in caught.value.message_dict
    assert RetentionRule.objects.get(pk=rule.pk).active is False

    retention_preview(actor=admin_user, rule=rule)
    retention_rule_activate(actor=admin_user, rule=rule, active=True)
    assert RetentionRule.objects.get(pk=rule.pk).active is True


def _run_queued_jobs() -> int:
    ran = 0
    for job in Job.objects.filter(kind=RETENTION_KIND, status=JobStatus.QUEUED):
        job_run(job.pk)
        ran += 1
    return ran


def test_the_tick_moves_matching_people_to_the_trash_once_a_day(admin_user, people):
    old_lead, customer, lead = people
    rule = _rule(admin_user, lead)
    retention_preview(actor=admin_user, rule=rule)
    retention_rule_activate(actor=admin_user, rule=rule, active=True)
    assert "privacy.retention" in [s.key for s in schedules()]
    moment = timezone.now() + LATER

    tick(now=moment)
    assert Contact.objects.filter(pk=old_lead.pk).exists()  # queued, not yet run
    assert _run_queued_jobs() == 1
    job = Job.objects.get(kind=RETENTION_KIND)
    assert (job.status, job.owner_id, job.result) == (
        JobStatus.SUCCEEDED,
        admin_user.pk,
        {"count": 1},
    )

    assert Contact.trash.filter(pk=old_lead.pk).exists()
    assert Contact.objects.filter(pk=customer.pk).exists()
    run = AuditEntry.objects.get(action="privacy.retention_run")
    assert run.details["ids"] == [old_lead.pk]
    assert run.details["count"] == 1
    tick(now=moment + dt.timedelta(hours=1))
    assert _run_queued_jobs() == 0
    assert AuditEntry.objects.filter(action="privacy.retention_run").count() == 1


def test_an_erasing_rule_erases(admin_user, people):
    old_lead, _customer, lead = people
    rule = _rule(admin_user, lead, action="erase")
    retention_preview(actor=admin_user, rule=rule)
    retention_rule_activate(actor=admin_user, rule=rule, active=True)

    tick(now=timezone.now() + LATER)
    _run_queued_jobs()

    assert Erasure.objects.filter(contact_id=old_lead.pk).exists()
    assert Contact.objects.get(pk=old_lead.pk).family_name == ""


def test_an_inactive_rule_does_nothing(admin_user, people):
    old_lead, _customer, lead = people
    _rule(admin_user, lead)

    tick(now=timezone.now() + LATER)

    assert _run_queued_jobs() == 0
    assert Contact.objects.filter(pk=old_lead.pk).exists()
    assert not AuditEntry.objects.filter(action="privacy.retention_run").exists()


def test_bad_input_names_the_field_and_saves_nothing(admin_user):
    with pytest.raises(ValidationError) as caught:
        retention_rule_save(
            actor=admin_user, data={"name": "", "age_days": "0", "action": "burn", "tag": "x"}
        )

    assert set(caught.value.message_dict) == {"name", "age_days", "action", "tag"}
    assert not RetentionRule.objects.exists()


def test_only_administrators_manage_rules_and_a_refusal_changes_nothing(admin_user, member, people):
    _old, _customer, lead = people
    rule = _rule(admin_user, lead)
    before = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied):
        retention_rule_save(actor=member, data={"name": "x", "age_days": "1"})
    with pytest.raises(PermissionDenied):
        retention_preview(actor=member, rule=rule)
    with pytest.raises(PermissionDenied):
        retention_rule_activate(actor=member, rule=rule, active=True)

    assert RetentionRule.objects.count() == 1
    assert RetentionRule.objects.get(pk=rule.pk).previewed_at is None
    assert AuditEntry.objects.count() == before


# More entities (ADR 0035): organizations and timeline entries ---------------------------------


def _save_and_run(admin, data, *, now):
    rule = retention_rule_save(actor=admin, data=data)
    preview = retention_preview(actor=admin, rule=rule, now=now)
    retention_rule_activate(actor=admin, rule=rule, active=True)
    tick(now=now)
    _run_queued_jobs()
    return rule, preview


def test_an_organization_rule_trashes_untouched_organizations_without_people(admin_user):
    empty = make_organization(admin_user, name="Empty Ltd")
    staffed = make_organization(admin_user, name="Staffed Ltd")
    ada = make_contact(admin_user)
    affiliation_create(actor=admin_user, contact=ada, organization=staffed, data={})
    data = {"name": "Old firms", "entity": "organization", "age_days": "1095"}

    rule, preview = _save_and_run(
        admin_user, {**data, "without_people": "on"}, now=timezone.now() + LATER
    )

    assert [o.pk for o in preview.records] == [empty.pk]
    assert Organization.trash.filter(pk=empty.pk).exists()
    assert Organization.objects.filter(pk=staffed.pk).exists()
    run = AuditEntry.objects.get(action="privacy.retention_run")
    assert run.details == {
        "rule": rule.pk,
        "entity": "organization",
        "action": "trash",
        "count": 1,
        "ids": [empty.pk],
    }


def test_an_organization_on_a_recent_timeline_entry_is_kept(admin_user):
    firm = make_organization(admin_user, name="Busy Ltd")
    later = timezone.now() + LATER
    activity_create(
        actor=admin_user,
        data={
            "subject": "Call",
            "occurred_at": later - dt.timedelta(days=3),
            "organizations": [firm.pk],
        },
    )
    rule = retention_rule_save(
        actor=admin_user, data={"name": "Old firms", "entity": "organization", "age_days": "30"}
    )

    assert retention_preview(actor=admin_user, rule=rule, now=later).count == 0


def test_an_activity_rule_trashes_entries_older_than_the_age(admin_user):
    now = timezone.now()
    ada = make_contact(admin_user)
    old, recent = (
        activity_create(
            actor=admin_user,
            data={
                "subject": subject,
                "occurred_at": now - dt.timedelta(days=days),
                "people": [ada.pk],
            },
        )
        for subject, days in (("Old call", 800), ("New call", 10))
    )

    _unused, preview = _save_and_run(
        admin_user,
        {"name": "Two years", "entity": "activity", "age_days": "730", "stage": "", "tag": ""},
        now=now,
    )

    assert [a.pk for a in preview.records] == [old.pk]
    assert Activity.trash.filter(pk=old.pk).exists()
    assert Activity.objects.filter(pk=recent.pk).exists()
    assert AuditEntry.objects.get(action="privacy.retention_run").details["ids"] == [old.pk]


def test_only_people_can_be_erased_by_a_rule(admin_user):
    for entity in ("organization", "activity"):
        with pytest.raises(ValidationError) as caught:
            retention_rule_save(
                actor=admin_user,
                data={"name": "x", "entity": entity, "age_days": "10", "action": "erase"},
            )
        assert set(caught.value.message_dict) == {"action"}
    with pytest.raises(ValidationError) as caught:
        retention_rule_save(
            actor=admin_user, data={"name": "x", "entity": "planets", "age_days": "10"}
        )
    assert set(caught.value.message_dict) == {"entity"}
    assert not RetentionRule.objects.exists()


def test_the_page_creates_a_rule_for_the_chosen_entity(admin_client):
    response = admin_client.post(
        reverse("privacy:rule_create"),
        {
            "name": "Old firms",
            "entity": "organization",
            "age_days": "365",
            "action": "trash",
            "without_people": "on",
        },
    )

    rule = RetentionRule.objects.get()
    assert response.status_code == 302
    assert (rule.entity, rule.without_people, rule.active) == ("organization", True, False)
    page = admin_client.get(reverse("privacy:rule_preview", args=[rule.pk]))
    assert page.status_code == 200
    assert 'id="preview-count"' in page.content.decode()


def test_an_erasing_rule_runs_nothing_once_its_author_loses_the_grant(admin_user, people):
    from rubrica.accounts.models import User
    from rubrica.accounts.selectors import forget_grants
    from rubrica.accounts.services import role_grants_set, shipped_role
    from rubrica.core.policies import Action, Level

    old_lead, _customer, lead = people
    author = User.objects.create_user(username="boss", password="x")
    author.roles.set([shipped_role("administrator")])
    forget_grants(author)
    rule = _rule(author, lead, action="erase")
    retention_preview(actor=author, rule=rule)
    retention_rule_activate(actor=author, rule=rule, active=True)
    role_grants_set(
        actor=admin_user,
        role=shipped_role("administrator"),
        levels={("people", Action.ERASE): Level.NONE},
    )

    tick(now=timezone.now() + LATER)
    _run_queued_jobs()

    assert not Erasure.objects.exists()
    assert Contact.objects.get(pk=old_lead.pk).family_name == "Lead"
