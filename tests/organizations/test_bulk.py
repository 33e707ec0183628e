"""Organizations in bulk: tag, untag, kind, owner and the Trash for many at once, each through
the single-record services (history, permissions), all or nothing, audited once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rubrica.accounts import services as accounts
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from rubrica.history.models import HistoryAction, HistoryEntry
from rubrica.organizations.models import Organization
from rubrica.organizations.services import organizations_bulk
from rubrica.taxonomy.models import OrganizationKind
from tests.factories import UserFactory, make_organization


def _orgs(qs: Any) -> list[Organization]:
    return list(Organization.objects.filter(pk__in=[o.pk for o in qs]).prefetch_related("tags"))


def _state(*organizations: Organization) -> list[tuple[Any, ...]]:
    """What a refused bulk action must leave as it was."""
    return [
        (
            o.pk,
            o.kind_id,
            o.owner_id,
            o.version,
            o.deleted_at,
            sorted(o.tags.values_list("name", flat=True)),
        )
        for o in Organization.all_objects.filter(pk__in=[x.pk for x in organizations])
    ]


def test_tagging_many_adds_the_tag_to_each_with_a_history_entry_and_one_audit_entry(
    member: Any,
) -> None:
    first = make_organization(member, name="Acme", tags=["client"])
    second = make_organization(member, name="Globex")

    count = organizations_bulk(
        actor=member, organizations=_orgs([first, second]), action="tag", value="VIP"
    )

    assert count == 2
    for organization in (first, second):
        organization.refresh_from_db()
        assert "VIP" in organization.tags.values_list("name", flat=True)
        entry = HistoryEntry.objects.filter(object_id=organization.pk).latest("pk")
        assert entry.action == HistoryAction.UPDATE and "tags" in entry.changes
    assert sorted(first.tags.values_list("name", flat=True)) == ["VIP", "client"]
    audit = AuditEntry.objects.get(action=AuditAction.BULK_EDIT)
    assert audit.details["action"] == "tag" and audit.details["value"] == "VIP"
    assert sorted(audit.details["ids"]) == sorted([first.pk, second.pk])
    assert audit.target_repr == "2 organizations"


def test_untag_kind_owner_and_delete(member: Any, other_member: Any, admin_user: Any) -> None:
    kind = OrganizationKind.objects.create(name="Bulk kind")
    first = make_organization(admin_user, name="Acme", tags=["Client", "vip"])
    second = make_organization(admin_user, name="Globex", tags=["client"])
    both = [first, second]

    organizations_bulk(actor=admin_user, organizations=_orgs(both), action="untag", value="CLIENT")
    assert [sorted(o.tags.values_list("name", flat=True)) for o in _orgs(both)] == [["vip"], []]

    organizations_bulk(actor=admin_user, organizations=_orgs(both), action="kind", value=kind.pk)
    assert {o.kind_id for o in _orgs(both)} == {kind.pk}
    organizations_bulk(actor=admin_user, organizations=_orgs(both), action="kind", value="")
    assert {o.kind_id for o in _orgs(both)} == {None}

    organizations_bulk(
        actor=admin_user, organizations=_orgs(both), action="owner", value=str(other_member.pk)
    )
    assert {o.owner_id for o in _orgs(both)} == {other_member.pk}

    organizations_bulk(actor=admin_user, organizations=_orgs(both), action="delete")
    assert not Organization.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert Organization.trash.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_a_bad_value_names_the_field_and_changes_nothing(member: Any) -> None:
    first = make_organization(member, name="Acme")
    before = _state(first)
    with pytest.raises(ValidationError) as exc:
        organizations_bulk(actor=member, organizations=_orgs([first]), action="kind", value="Nope")
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        organizations_bulk(actor=member, organizations=_orgs([first]), action="tag", value="")
    assert list(exc.value.message_dict) == ["value"]
    with pytest.raises(ValidationError) as exc:
        organizations_bulk(actor=member, organizations=_orgs([first]), action="stage", value="x")
    assert list(exc.value.message_dict) == ["action"]
    assert _state(first) == before
    assert not AuditEntry.objects.filter(action=AuditAction.BULK_EDIT).exists()


def test_one_record_the_user_may_not_change_rolls_back_all(
    admin_user: Any, other_member: Any
) -> None:
    role = accounts.role_create(actor=admin_user, key="looker", name="Looker")
    accounts.role_grants_set(
        actor=admin_user,
        role=role,
        levels={
            ("organizations", "view"): "all",
            ("organizations", "add"): "own",
            ("organizations", "change"): "own",
            ("organizations", "bulk_edit"): "all",
        },
    )
    looker = UserFactory(username="looker", roles=[role])
    mine = make_organization(looker, name="Mine")
    theirs = make_organization(other_member, name="Theirs", visibility="private")
    before = _state(mine, theirs)

    with pytest.raises(PermissionDenied):
        organizations_bulk(
            actor=looker, organizations=_orgs([mine, theirs]), action="tag", value="x"
        )

    assert _state(mine, theirs) == before
    assert not AuditEntry.objects.filter(action=AuditAction.BULK_EDIT).exists()


def test_a_role_without_bulk_edit_on_organizations_is_refused(admin_user: Any) -> None:
    role = accounts.role_create(actor=admin_user, key="careful", name="Careful")
    accounts.role_grants_set(
        actor=admin_user,
        role=role,
        levels={
            ("organizations", "view"): "all",
            ("organizations", "add"): "all",
            ("organizations", "change"): "all",
            ("people", "bulk_edit"): "all",
        },
    )
    careful = UserFactory(username="careful", roles=[role])
    organization = make_organization(careful, name="Acme")
    before = _state(organization)

    with pytest.raises(PermissionDenied):
        organizations_bulk(
            actor=careful, organizations=_orgs([organization]), action="tag", value="x"
        )
    assert _state(organization) == before


# The page ---------------------------------------------------------------------------------


def test_the_list_offers_the_bulk_bar_and_a_box_per_row(member_client: Any, member: Any) -> None:
    organization = make_organization(member, name="Acme")
    page = member_client.get(reverse("organizations:list")).content.decode()
    assert 'action="/organizations/bulk/"' in page
    assert f'name="selected" value="{organization.pk}"' in page
    assert 'name="entity" value="organizations"' in page  # the export form


def test_the_list_shows_no_bulk_bar_to_a_read_only_user(client: Any, viewer: Any) -> None:
    client.force_login(viewer)
    page = client.get(reverse("organizations:list")).content.decode()
    assert 'id="bulk-action"' not in page


def test_tagging_from_the_page(member_client: Any, member: Any) -> None:
    first = make_organization(member, name="Acme")
    second = make_organization(member, name="Globex")

    response = member_client.post(
        reverse("organizations:bulk"),
        {"selected": [first.pk, second.pk], "action": "tag", "tag": "Partner"},
    )

    assert response.status_code == 302
    assert all("Partner" in o.tags.values_list("name", flat=True) for o in _orgs([first, second]))
    page = member_client.get(response["Location"]).content.decode()
    assert "2 organizations were changed." in page


def test_deleting_from_the_page_asks_first(member_client: Any, member: Any) -> None:
    first = make_organization(member, name="Acme")
    data = {"selected": [first.pk], "action": "delete"}

    confirm = member_client.post(reverse("organizations:bulk"), data)
    assert confirm.status_code == 200
    assert "Move 1 organization to the Trash?" in confirm.content.decode()
    assert Organization.objects.filter(pk=first.pk).exists()

    done = member_client.post(reverse("organizations:bulk"), {**data, "confirmed": "yes"})
    assert done.status_code == 302
    assert not Organization.objects.filter(pk=first.pk).exists()


def test_ids_the_user_may_not_see_are_not_touched(
    member_client: Any, member: Any, other_member: Any
) -> None:
    hidden = make_organization(other_member, name="Hidden", visibility="private")
    before = _state(hidden)

    response = member_client.post(
        reverse("organizations:bulk"), {"selected": [hidden.pk], "action": "tag", "tag": "x"}
    )

    assert response.status_code == 302
    assert _state(hidden) == before


def test_a_read_only_user_is_refused_and_nothing_changes(
    client: Any, viewer: Any, member: Any
) -> None:
    shared = make_organization(member, name="Shared", visibility="everyone")
    before = _state(shared)
    client.force_login(viewer)

    response = client.post(
        reverse("organizations:bulk"), {"selected": [shared.pk], "action": "tag", "tag": "x"}
    )

    assert response.status_code == 403
    assert _state(shared) == before
