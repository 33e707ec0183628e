"""The audit trail page (administrators only) and the services that write to the log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rubrica.accounts import services as accounts
from rubrica.accounts.signin import unlock
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction, record, verify
from rubrica.contacts.services import contact_delete, contact_restore
from rubrica.merges.services import contact_merge, contact_unmerge
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


# The page ------------------------------------------------------------------------------------


def test_administrators_see_the_trail_newest_first(client, admin_user, member):
    record(member, AuditAction.EXPORT_START, member, {"format": "csv"})
    record(None, AuditAction.SIGNIN_FAILURE, details={"username": "<b>ghost</b>"})
    client.force_login(admin_user)

    response = client.get(reverse("audit:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('data-seq="3"') < html.index('data-seq="2"') < html.index('data-seq="1"')
    assert "Failed sign-in" in html
    assert "&lt;b&gt;ghost&lt;/b&gt;" in html
    assert "<b>ghost</b>" not in html
    assert reverse("audit:list") in client.get(reverse("contacts:list")).content.decode()


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_others_get_403_see_no_link_and_change_nothing(client, admin_user, member, viewer, role):
    record(member, AuditAction.EXPORT_START)
    before = list(AuditEntry.objects.values_list("seq", "hash"))
    user = member if role == "member" else viewer
    client.force_login(user)
    after_login = list(AuditEntry.objects.values_list("seq", "hash"))

    assert client.get(reverse("audit:list")).status_code == 403
    assert client.post(reverse("audit:verify")).status_code == 403
    assert reverse("audit:list") not in client.get(reverse("contacts:list")).content.decode()
    assert list(AuditEntry.objects.values_list("seq", "hash")) == after_login
    assert after_login[: len(before)] == before


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_filters_by_actor_action_and_period(client, admin_user, member, other_member):
    record(member, AuditAction.EXPORT_START)
    record(other_member, AuditAction.EXPORT_START)
    old = record(member, AuditAction.IMPORT_START)
    client.force_login(admin_user)

    by_actor = client.get(reverse("audit:list"), {"actor": "MEMBER"}).content.decode()
    assert by_actor.count("<tr data-seq=") == 2
    by_action = client.get(
        reverse("audit:list"), {"actor": "member", "action": AuditAction.IMPORT_START}
    ).content.decode()
    assert f'data-seq="{old.seq}"' in by_action
    assert by_action.count("<tr data-seq=") == 1
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "No audit entry matches." in (
        client.get(reverse("audit:list"), {"since": tomorrow}).content.decode()
    )
    today = timezone.localdate().isoformat()
    in_period = client.get(reverse("audit:list"), {"since": today, "until": today})
    assert in_period.content.decode().count("<tr data-seq=") == AuditEntry.objects.count()


def test_pages_are_keyset_pages(client, admin_user, member, settings):
    for _ in range(60):
        record(member, AuditAction.EXPORT_START)
    client.force_login(admin_user)

    first = client.get(reverse("audit:list"), {"action": AuditAction.EXPORT_START})
    html = first.content.decode()
    assert html.count("<tr data-seq=") == 50
    next_href = first.context["next_href"]
    second = client.get(reverse("audit:list") + next_href.replace("&amp;", "&"))
    assert second.content.decode().count("<tr data-seq=") == 10
    assert 'data-seq="1"' in second.content.decode()


def test_verify_button_says_whether_the_chain_is_whole(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("audit:verify"), follow=True)

    assert "The audit chain is whole up to entry" in response.content.decode()


# The services that record --------------------------------------------------------------------


def test_user_and_team_changes_are_recorded(admin_user):
    user, _ = accounts.user_create(actor=admin_user, username="grace", role="member")
    accounts.user_update(actor=admin_user, user=user, data={"role": "viewer"})
    accounts.user_reset_password(actor=admin_user, user=user)
    team = accounts.team_create(actor=admin_user, name="Sales", members=[user])
    accounts.team_update(actor=admin_user, team=team, members=[])
    token, secret = accounts.token_create(actor=admin_user, user=user, name="backup")
    accounts.token_revoke(actor=admin_user, token=token)
    unlock(actor=admin_user, username="grace")

    assert _actions() == [
        AuditAction.USER_CREATE,
        AuditAction.USER_UPDATE,
        AuditAction.USER_ROLES,
        AuditAction.USER_PASSWORD_RESET,
        AuditAction.TEAM_CREATE,
        AuditAction.TEAM_UPDATE,
        AuditAction.TOKEN_CREATE,
        AuditAction.TOKEN_REVOKE,
        AuditAction.SIGNIN_UNLOCK,
    ]
    update = AuditEntry.objects.get(action=AuditAction.USER_UPDATE)
    assert update.details == {"role": "viewer", "is_superuser": False, "is_staff": False}
    roles = AuditEntry.objects.get(action=AuditAction.USER_ROLES)
    assert roles.details == {"before": ["sales"], "after": ["read_only"]}
    assert update.actor_id == admin_user.pk
    assert update.target_id == str(user.pk)
    created = AuditEntry.objects.get(action=AuditAction.TOKEN_CREATE)
    assert created.details == {"user": "grace", "prefix": secret[:10]}
    assert secret not in str(created.details)
    assert verify().ok


def test_a_refused_change_records_nothing(member, other_member):
    with pytest.raises(Exception):  # noqa: B017 (PermissionDenied)
        accounts.user_update(actor=member, user=other_member, data={"role": "admin"})
    assert AuditEntry.objects.count() == 0


def test_deletes_restores_merges_and_undo_are_recorded(member):
    ada = make_contact(member)
    twin = make_contact(member)
    contact_delete(actor=member, contact=ada)
    contact_restore(actor=member, contact=ada)
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    contact_unmerge(actor=member, merge=merge)

    actions = _actions()
    assert actions[:2] == [AuditAction.RECORD_DELETE, AuditAction.RECORD_RESTORE]
    assert AuditAction.MERGE in actions
    assert actions[-1] == AuditAction.MERGE_UNDO
    delete = AuditEntry.objects.get(action=AuditAction.RECORD_DELETE, target_id=str(ada.pk))
    assert delete.target_type == "contacts.contact"
    assert delete.actor_name == "member"
    assert verify().ok


def test_own_password_change_is_recorded(client, member):
    from tests.factories import PASSWORD

    client.force_login(member)
    client.post(
        reverse("settings:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a quite long passphrase 42",
            "new_password2": "a quite long passphrase 42",
        },
    )

    assert AuditAction.PASSWORD_CHANGE in _actions()
