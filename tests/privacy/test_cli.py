"""`rubrica privacy` (ADR 0032): export, erase (a dry run unless --yes), retention preview and
run; the acting user's rights apply and a refusal changes nothing."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.utils import timezone

from rubrica.contacts.models import Contact
from rubrica.privacy.models import Erasure
from rubrica.privacy.retention import retention_rule_save
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(member):
    return make_contact(member, given_name="Ada", family_name="Lovelace")


def test_export_writes_the_zip(rubrica, member, ada, tmp_path):
    target = tmp_path / "ada.zip"

    code, out, _err = rubrica("privacy", "export", str(ada.pk), "-o", str(target), "--as", "member")

    assert code == 0, _err
    assert str(target) in out
    assert "person.json" in zipfile.ZipFile(target).namelist()


def test_export_of_someone_unseen_is_not_found(rubrica, other_member, ada, tmp_path):
    Contact.objects.filter(pk=ada.pk).update(visibility="private")

    code, _out, err = rubrica(
        "privacy", "export", str(ada.pk), "-o", str(tmp_path / "x.zip"), "--as", "other"
    )

    assert code == 1
    assert f"no person {ada.pk}" in err
    assert not (tmp_path / "x.zip").exists()


def test_erase_without_yes_only_tells(rubrica, admin_user, ada):
    code, out, _err = rubrica("privacy", "erase", str(ada.pk), "--json", "--as", "admin")

    assert code == 0
    assert json.loads(out)["erased"] is False
    assert Contact.objects.get(pk=ada.pk).family_name == "Lovelace"


def test_erase_with_yes_erases(rubrica, admin_user, ada):
    code, out, _err = rubrica("privacy", "erase", str(ada.pk), "--yes", "--as", "admin")

    assert code == 0
    assert f"Person {ada.pk} was erased." in out
    assert Erasure.objects.filter(contact_id=ada.pk).exists()


def test_a_member_without_the_erase_grant_cannot_erase(rubrica, member, ada):
    code, _out, err = rubrica("privacy", "erase", str(ada.pk), "--yes", "--as", "member")

    assert code == 3
    assert "Your roles do not allow erasing this person." in err
    assert not Erasure.objects.exists()
    assert Contact.objects.get(pk=ada.pk).family_name == "Lovelace"


def test_retention_preview_lists_the_people(rubrica, admin_user, member):
    old = make_contact(member, given_name="Old", family_name="Lead")
    Contact.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - timezone.timedelta(days=2000)
    )
    retention_rule_save(actor=admin_user, data={"name": "Stale", "age_days": "1000"})

    code, out, _err = rubrica("privacy", "retention", "preview", "--json", "--as", "admin")

    assert code == 0
    report = json.loads(out)
    assert [(r["name"], r["count"]) for r in report] == [("Stale", 1)]
    assert report[0]["people"][0]["id"] == old.pk
    assert Contact.objects.filter(pk=old.pk).exists()


def test_retention_run_applies_the_rules_that_are_on(rubrica, admin_user, member):
    from rubrica.privacy.retention import retention_preview, retention_rule_activate

    old = make_contact(member, given_name="Old", family_name="Lead")
    Contact.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - timezone.timedelta(days=2000)
    )
    rule = retention_rule_save(actor=admin_user, data={"name": "Stale", "age_days": "1000"})
    retention_preview(actor=admin_user, rule=rule)
    retention_rule_activate(actor=admin_user, rule=rule, active=True)

    code, out, _err = rubrica("privacy", "retention", "run", "--as", "admin")

    assert code == 0
    assert f"#{rule.pk} Stale: 1" in out
    assert Contact.trash.filter(pk=old.pk).exists()


def test_members_cannot_preview_or_run_retention(rubrica, admin_user, member):
    rule = retention_rule_save(actor=admin_user, data={"name": "Stale", "age_days": "1000"})

    for step in ("preview", "run"):
        code, _out, err = rubrica("privacy", "retention", step, "--as", "member")
        assert code == 3
        assert "Only administrators" in err
    rule.refresh_from_db()
    assert rule.previewed_at is None
