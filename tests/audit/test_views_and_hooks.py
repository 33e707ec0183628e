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
    before = list(AuditEntry.objects.order_by("seq").values_list("seq", "hash"))
    user = member if role == "member" else viewer
    client.force_login(user)
    after_login = list(AuditEntry.objects.order_by("seq").values_list("seq", "hash"))

    assert client.get(reverse("audit:list")).status_code == 403
    assert client.post(reverse("audit:verify")).status_code == 403
    assert reverse("audit:list") not in client.get(reverse("contacts:list")).content.decode()
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", "hash")) == after_login
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
    assert created.details == {
        "user": "grace",
        "prefix": secret[:10],
        "scopes": ["read", "write"],
        "expires_at": None,
    }
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


# Filters by kind of record and text, export, verification on the page -------------------------


def test_filters_by_kind_of_record_and_text(client, admin_user, member):
    ada = make_contact(member)
    record(member, AuditAction.RECORD_DELETE, ada)
    record(None, AuditAction.SIGNIN_FAILURE, details={"username": "mallory"})
    record(member, AuditAction.EXPORT_START, member, ip_address="198.51.100.23")
    client.force_login(admin_user)

    by_kind = client.get(reverse("audit:list"), {"target_type": "contacts.contact"})
    assert [row["entry"].action for row in by_kind.context["rows"]] == [AuditAction.RECORD_DELETE]
    in_details = client.get(reverse("audit:list"), {"text": "MALLORY"})
    assert [row["entry"].action for row in in_details.context["rows"]] == [
        AuditAction.SIGNIN_FAILURE
    ]
    by_address = client.get(reverse("audit:list"), {"text": "198.51.100"})
    assert [row["entry"].action for row in by_address.context["rows"]] == [AuditAction.EXPORT_START]


def test_a_bad_filter_is_named_and_nothing_is_filtered(client, admin_user, member):
    record(member, AuditAction.EXPORT_START)
    client.force_login(admin_user)

    response = client.get(reverse("audit:list"), {"since": "yesterday", "seq": "0"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"since", "seq"}
    assert "Enter a valid date." in response.content.decode()


def test_administrators_export_the_filtered_log_as_csv_and_the_export_is_audited(
    client, admin_user, member
):
    record(member, AuditAction.EXPORT_START, details={"format": "=HYPERLINK()"})
    record(member, AuditAction.IMPORT_START)
    client.force_login(admin_user)
    before = AuditEntry.objects.count()

    response = client.get(reverse("audit:export"), {"action": AuditAction.EXPORT_START})
    body = b"".join(response.streaming_content).decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    lines = body.splitlines()
    assert lines[0].startswith("seq,time,actor_id,actor,action,target_type")
    assert len(lines) == 2  # only the filtered action
    assert ",export.start," in lines[1]
    exported = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert exported.action == AuditAction.AUDIT_EXPORT
    assert exported.actor_id == admin_user.pk
    assert exported.details == {"action": AuditAction.EXPORT_START}
    assert exported.source == "web"


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_others_cannot_export_and_nothing_is_recorded(client, member, viewer, role):
    client.force_login(member if role == "member" else viewer)
    before = list(AuditEntry.objects.values_list("seq", "hash"))

    response = client.get(reverse("audit:export"))

    assert response.status_code == 403
    assert list(AuditEntry.objects.values_list("seq", "hash")) == before


def test_the_page_names_and_shows_the_broken_entry(client, admin_user, member):
    from django.db import connection

    from rubrica.audit.triggers import DROP

    for _ in range(4):
        record(member, AuditAction.EXPORT_START)
    client.force_login(admin_user)
    with connection.cursor() as cursor:
        for sql in DROP[connection.vendor]:
            cursor.execute(sql)
        cursor.execute("UPDATE audit_auditentry SET actor_name = 'x' WHERE seq = 2")

    response = client.post(reverse("audit:verify"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Audit entry 2 is broken: its contents do not match its hash" in html
    assert response.context["rows"][0]["entry"].seq == 2
    assert 'data-seq="2" class="table-danger" data-broken="true"' in html
    assert 'data-seq="3"' not in html  # the page opens at the broken entry


def test_the_page_verifies_against_the_head_file(client, admin_user, member):
    from rubrica.audit import anchor

    for _ in range(3):
        record(member, AuditAction.EXPORT_START)
    anchor.write_head(force=True)
    client.force_login(admin_user)

    response = client.post(reverse("audit:verify"))

    assert response.context["report"].ok
    assert response.context["report"].heads_checked == 1
    assert "1 head written down outside the database matched." in response.content.decode()


def test_list_and_export_at_the_command_line(member, rubrica, tmp_path):
    record(member, AuditAction.EXPORT_START, member)
    record(None, AuditAction.SIGNIN_FAILURE, details={"username": "mallory"})

    code, out, _err = rubrica("audit", "list", "--text", "mallory")
    assert code == 0
    assert out.splitlines()[0].split("\t")[:4][2:] == ["-", "signin.failure"]
    code, out, _err = rubrica("audit", "list", "--action", "export.start", "--json")
    assert code == 0
    assert '"actor": "member"' in out
    assert len(out.splitlines()) == 1
    code, _out, err = rubrica("audit", "list", "--since", "someday")
    assert code == 2
    assert "since" in err
    target = tmp_path / "audit.csv"
    code, _out, _err = rubrica("audit", "export", "--output", str(target))
    assert code == 0
    lines = target.read_text().splitlines()
    assert len(lines) == 1 + 3  # header, the two entries, and the export itself
    assert lines[-1].split(",")[4] == AuditAction.AUDIT_EXPORT
    exported = AuditEntry.objects.order_by("-seq").first()
    assert (exported.actor_id, exported.source) == (None, "cli")
