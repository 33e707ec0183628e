"""Erasure is a grant (ADR 0035): the action "erase" on people, Administrator all and every other
shipped role none by default, editable in Settings → Roles; the page, the API and the CLI ask it,
at the level the role grants."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from rubrica.accounts.grants import SHIPPED_ROLES
from rubrica.accounts.selectors import forget_grants
from rubrica.accounts.services import role_grants_set, role_levels, shipped_role
from rubrica.audit.models import AuditEntry
from rubrica.contacts.models import Contact
from rubrica.core.policies import Action, Level, grant_level
from rubrica.privacy.erasure import contact_erase, may_erase
from rubrica.privacy.models import Erasure
from tests.factories import UserFactory, make_contact

pytestmark = pytest.mark.django_db


def test_only_the_administrator_role_erases_by_default(db):
    levels = {
        role.key: role_levels(shipped_role(role.key))[("people", Action.ERASE)]
        for role in SHIPPED_ROLES
    }

    assert levels == {
        "administrator": Level.ALL,
        "manager": Level.NONE,
        "sales": Level.NONE,
        "support": Level.NONE,
        "marketing": Level.NONE,
        "read_only": Level.NONE,
    }


def _grant_sales(admin_user, level: str) -> None:
    role_grants_set(
        actor=admin_user, role=shipped_role("sales"), levels={("people", Action.ERASE): level}
    )


def test_granting_erase_to_a_role_lets_its_holders_erase(admin_user, member):
    ada = make_contact(member, family_name="Byron", visibility="team")
    assert not may_erase(member, ada)

    _grant_sales(admin_user, Level.TEAM)
    forget_grants(member)

    assert grant_level(member, "people", Action.ERASE) == Level.TEAM
    contact_erase(actor=member, contact=ada)
    assert Erasure.objects.filter(contact_id=ada.pk).exists()
    assert Contact.all_objects.get(pk=ada.pk).family_name == ""


def test_an_own_level_grant_refuses_someone_elses_person_and_changes_nothing(
    admin_user, member, other_member
):
    _grant_sales(admin_user, Level.OWN)
    forget_grants(member)
    theirs = make_contact(other_member, family_name="Somerville", visibility="everyone")
    mine = make_contact(member, family_name="Herschel")

    with pytest.raises(PermissionDenied):
        contact_erase(actor=member, contact=theirs)

    assert Contact.all_objects.get(pk=theirs.pk).family_name == "Somerville"
    assert not Erasure.objects.filter(contact_id=theirs.pk).exists()
    assert may_erase(member, mine)


def test_the_roles_page_offers_the_erase_grant(admin_client):
    role = shipped_role("sales")
    response = admin_client.get(reverse("settings:role_edit", args=[role.pk]))

    assert response.status_code == 200
    assert 'name="people__erase"' in response.content.decode()


def test_the_erasure_page_follows_the_grant(admin_user, member, client):
    ada = make_contact(member, family_name="Byron", visibility="team")
    client.force_login(member)
    url = reverse("privacy:erase", args=[ada.pk])

    refused = client.post(url, {"confirm": "erase"})
    assert refused.status_code == 403
    assert not Erasure.objects.exists()
    assert not AuditEntry.objects.filter(action="privacy.erase").exists()
    assert Contact.all_objects.get(pk=ada.pk).family_name == "Byron"

    _grant_sales(admin_user, Level.TEAM)
    done = client.post(url, {"confirm": "erase"})
    assert done.status_code == 302
    assert Erasure.objects.filter(contact_id=ada.pk).exists()


def test_the_cli_follows_the_grant(admin_user, member, rubrica):
    ada = make_contact(member, family_name="Byron", visibility="team")

    code, _out, _err = rubrica("privacy", "erase", "--as", "member", str(ada.pk), "--yes")
    assert code == 3
    assert not Erasure.objects.exists()

    _grant_sales(admin_user, Level.TEAM)
    code, _out, err = rubrica("privacy", "erase", "--as", "member", str(ada.pk), "--yes")
    assert code == 0, err
    assert Erasure.objects.filter(contact_id=ada.pk).exists()


def test_a_custom_role_without_the_grant_may_not_erase(admin_user):
    from rubrica.accounts.services import role_create

    role = role_create(actor=admin_user, name="Auditors", key="auditors")
    user = UserFactory(username="auditor", roles=[role])
    ada = make_contact(admin_user, family_name="Byron", visibility="everyone")

    assert not may_erase(user, ada)
