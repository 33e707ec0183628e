"""`rubrica trash purge` (kits/cli): every kind registered in core.trash, by age, dry run."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete
from rubrica.organizations.models import Organization
from tests.factories import make_contact, make_organization


def _trashed(actor, days_ago: int, **data):
    contact = make_contact(actor, **data)
    contact_delete(actor=actor, contact=contact)
    # Age the Trash entry: the delete service always stamps "now".
    Contact.all_objects.filter(pk=contact.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return contact


def test_trash_purge_deletes_old_entries_and_keeps_recent_ones(admin_user, rubrica, settings):
    settings.RUBRICA_TRASH_RETENTION_DAYS = 30
    old = _trashed(admin_user, 40, given_name="Old")
    recent = _trashed(admin_user, 5, given_name="Recent")
    alive = make_contact(admin_user, given_name="Alive")

    code, out, _ = rubrica("trash", "purge")

    assert code == 0
    assert out == "Purged 1 record that had been in the Trash for 30 days or more.\n"
    assert not Contact.all_objects.filter(pk=old.pk).exists()
    assert Contact.trash.filter(pk=recent.pk).exists()
    assert Contact.objects.filter(pk=alive.pk).exists()


def test_trash_purge_days_option_and_dry_run(admin_user, rubrica):
    recent = _trashed(admin_user, 5)

    code, out, _ = rubrica("trash", "purge", "--days", "3", "--dry-run")

    assert code == 0
    assert out == (
        "1 record has been in the Trash for 3 days or more; nothing was purged (dry run).\n"
    )
    assert Contact.trash.filter(pk=recent.pk).exists()

    code, out, _ = rubrica("trash", "purge", "--days", "3")

    assert code == 0
    assert out.startswith("Purged 1 record ")
    assert not Contact.all_objects.filter(pk=recent.pk).exists()


def test_trash_purge_counts_and_purges_the_registered_kinds(admin_user, rubrica, isolated_registry):
    from rubrica.core import trash
    from rubrica.organizations.services import organization_delete

    old = _trashed(admin_user, 40)
    organization = make_organization(admin_user)
    organization_delete(actor=admin_user, organization=organization)
    Organization.all_objects.filter(pk=organization.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=40)
    )

    code, out, _ = rubrica("trash", "purge", "--days", "30", "--dry-run")
    assert (code, out.split(" ")[0]) == (0, "2")

    isolated_registry(trash.TRASH_KINDS, trash.trash_kind("people"))

    code, out, _ = rubrica("trash", "purge", "--days", "30", "--dry-run")
    assert (code, out.split(" ")[0]) == (0, "1")
    code, out, _ = rubrica("trash", "purge", "--days", "30")
    assert (code, out) == (0, "Purged 1 record that had been in the Trash for 30 days or more.\n")
    assert not Contact.all_objects.filter(pk=old.pk).exists()
    assert Organization.trash.filter(pk=organization.pk).exists()


def test_trash_purge_refuses_negative_days(db, rubrica):
    code, _, err = rubrica("trash", "purge", "--days", "-1")

    assert code == 2
    assert err == "error: days: Enter zero or more days.\n"
