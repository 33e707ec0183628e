"""A shared record appears on every door its grantee reads through (list page, detail page,
search, API, export) and disappears when unshared; the "Shared with" panel and its add/remove;
the shares API; a grantee's denied changes change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from rubrica import search
from rubrica.contacts.models import Contact
from rubrica.organizations.models import Organization
from rubrica.sharing.models import RecordShare
from rubrica.sharing.services import share_add, share_remove
from tests.api.conftest import JSON
from tests.factories import TeamFactory, make_contact, make_organization

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def secret_person(owner: Any) -> Contact:
    return make_contact(
        owner, given_name="Zenobia", family_name="Quartermaine", visibility="private"
    )


def state(contact: Contact) -> tuple[Any, ...]:
    fresh = Contact.all_objects.get(pk=contact.pk)
    shares = list(RecordShare.objects.values_list("pk", "user_id", "team_id", "level"))
    return (fresh.version, fresh.given_name, fresh.deleted_at, shares)


# The panel ----------------------------------------------------------------------------------


def test_the_owner_sees_the_shared_with_panel_with_its_form(client, other_member, member):
    ada = secret_person(other_member)
    client.force_login(other_member)

    page = client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()

    assert 'id="panel-sharing"' in page
    assert 'id="share-add"' in page
    assert f'value="user:{member.pk}"' in page
    assert f'value="user:{other_member.pk}"' not in page  # not the owner herself


def test_adding_a_share_through_the_panel_answers_the_panel_listing_the_grantee(
    client, other_member, member
):
    ada = secret_person(other_member)
    client.force_login(other_member)

    response = client.post(
        reverse("sharing:add", args=["contacts", ada.pk]),
        {"grantee": f"user:{member.pk}", "level": "write"},
        **HX,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card mb-3" id="panel-sharing"')
    share = RecordShare.objects.get()
    assert (share.user_id, share.level) == (member.pk, "write")
    assert f'id="share-{share.pk}"' in body


def test_a_team_share_without_htmx_goes_back_to_the_record(client, other_member):
    team = TeamFactory(name="Partners")
    org = make_organization(other_member, visibility="private")
    client.force_login(other_member)

    response = client.post(
        reverse("sharing:add", args=["organizations", org.pk]),
        {"grantee": f"team:{team.pk}", "level": "read"},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#panel-sharing")
    assert RecordShare.objects.get().team_id == team.pk


def test_removing_through_the_panel_unshares(client, other_member, member):
    ada = secret_person(other_member)
    share = share_add(actor=other_member, record=ada, data={"user": member.pk})
    client.force_login(other_member)

    response = client.post(reverse("sharing:remove", args=["contacts", ada.pk, share.pk]), **HX)

    assert response.status_code == 200
    assert not RecordShare.objects.exists()
    assert 'id="shares-none"' in response.content.decode()


def test_a_bad_grantee_answers_the_panel_with_the_error_and_changes_nothing(client, other_member):
    ada = secret_person(other_member)
    client.force_login(other_member)
    before = state(ada)

    response = client.post(
        reverse("sharing:add", args=["contacts", ada.pk]),
        {"grantee": "user:99999999", "level": "read"},
        **HX,
    )

    assert response.status_code == 200
    assert 'id="sharing-error"' in response.content.decode()
    assert state(ada) == before


def test_a_read_grantee_sees_the_panel_without_controls_and_may_not_post(
    client, other_member, member
):
    ada = secret_person(other_member)
    share = share_add(actor=other_member, record=ada, data={"user": member.pk})
    client.force_login(member)

    page = client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert 'id="panel-sharing"' in page
    assert 'id="share-add"' not in page
    before = state(ada)

    added = client.post(
        reverse("sharing:add", args=["contacts", ada.pk]),
        {"grantee": f"user:{member.pk}", "level": "write"},
    )
    removed = client.post(reverse("sharing:remove", args=["contacts", ada.pk, share.pk]))

    assert (added.status_code, removed.status_code) == (403, 403)
    assert state(ada) == before


def test_a_record_one_may_not_see_answers_404_and_changes_nothing(client, other_member, member):
    ada = secret_person(other_member)
    client.force_login(member)
    before = state(ada)

    response = client.post(
        reverse("sharing:add", args=["contacts", ada.pk]),
        {"grantee": f"user:{member.pk}", "level": "write"},
    )
    unknown_kind = client.post(
        reverse("sharing:add", args=["activities", ada.pk]),
        {"grantee": f"user:{member.pk}", "level": "write"},
    )

    assert (response.status_code, unknown_kind.status_code) == (404, 404)
    assert state(ada) == before


# Visibility on every door -------------------------------------------------------------------


def test_a_shared_person_is_in_the_grantees_list_search_and_api_until_unshared(
    client, other_member, member, as_member
):
    ada = secret_person(other_member)
    client.force_login(member)

    def seen() -> tuple[bool, bool, bool, int, bool]:
        listed = "Quartermaine" in client.get(reverse("contacts:list")).content.decode()
        found = ("contact", ada.pk) in [(h.kind, h.pk) for h in search.query(member, "Zenobia")]
        api_items = client.get("/api/v1/contacts", **as_member).json()["items"]
        in_api = ada.pk in [item["id"] for item in api_items]
        detail = client.get(reverse("contacts:detail", args=[ada.pk])).status_code
        suggested = (
            "Zenobia" in client.get("/api/v1/search", {"q": "Zeno"}, **as_member).content.decode()
        )
        return listed, found, in_api, detail, suggested

    assert seen() == (False, False, False, 404, False)
    share = share_add(actor=other_member, record=ada, data={"user": member.pk})
    assert seen() == (True, True, True, 200, True)
    share_remove(actor=other_member, record=ada, share_id=share.pk)
    assert seen() == (False, False, False, 404, False)


def test_a_team_share_shows_the_organization_in_the_members_search(other_member, member, sales):
    org = make_organization(other_member, name="Quokka Holdings", visibility="private")
    assert org.pk not in [h.pk for h in search.query(member, "Quokka") if h.kind == "organization"]

    share_add(actor=other_member, record=org, data={"team": sales.pk})

    assert org.pk in [h.pk for h in search.query(member, "Quokka") if h.kind == "organization"]


def test_an_export_holds_the_people_shared_with_its_owner(settings, tmp_path, other_member, member):
    from rubrica.dataio.exporting import export_start
    from rubrica.dataio.vcard import parse
    from rubrica.jobs.models import JobStatus
    from rubrica.jobs.services import job_run

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    ada = secret_person(other_member)
    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    share_add(actor=other_member, record=ada, data={"user": member.pk})

    start = export_start(actor=member, format="vcard4", selection={"filters": {}}, enqueue=False)
    job = job_run(start.pk)

    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.open("rb") as handle:
        cards = parse(handle.read()).cards
    uids = {p.value for card in cards for p in card.properties if p.key == "UID"}
    assert uids == {ada.uid}
    assert hidden.uid not in uids


def test_through_the_api_a_read_grantee_may_neither_change_nor_delete(
    client, other_member, member, as_member
):
    ada = secret_person(other_member)
    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "read"})
    before = state(ada)

    changed = client.patch(
        f"/api/v1/contacts/{ada.pk}", {"given_name": "Changed"}, content_type=JSON, **as_member
    )
    deleted = client.delete(f"/api/v1/contacts/{ada.pk}", **as_member)

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert state(ada) == before


def test_a_write_grantee_may_change_through_the_api_but_not_delete(
    client, other_member, member, as_member
):
    ada = secret_person(other_member)
    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "write"})

    changed = client.patch(
        f"/api/v1/contacts/{ada.pk}", {"given_name": "Zena"}, content_type=JSON, **as_member
    )
    before = state(ada)
    deleted = client.delete(f"/api/v1/contacts/{ada.pk}", **as_member)

    assert changed.status_code == 200
    assert Contact.objects.get(pk=ada.pk).given_name == "Zena"
    assert deleted.status_code == 403
    assert state(ada) == before


def test_on_the_web_a_read_grantee_may_not_edit_nor_delete(client, other_member, member):
    ada = secret_person(other_member)
    share_add(actor=other_member, record=ada, data={"user": member.pk, "level": "read"})
    client.force_login(member)
    before = state(ada)

    edit = client.post(
        reverse("contacts:edit", args=[ada.pk]), {"given_name": "X", "version": before[0]}
    )
    delete = client.post(reverse("contacts:delete", args=[ada.pk]), {"version": before[0]})

    assert (edit.status_code, delete.status_code) == (403, 403)
    assert state(ada) == before


# The shares API -----------------------------------------------------------------------------


def test_the_shares_api_lists_adds_and_removes(client, other_member, member, as_other):
    org = make_organization(other_member, visibility="private")
    base = f"/api/v1/organizations/{org.pk}/shares"

    added = client.post(base, {"user": member.pk, "level": "write"}, content_type=JSON, **as_other)
    assert added.status_code == 201
    body = added.json()
    assert (body["grantee_type"], body["grantee_id"], body["level"], body["shared_by"]) == (
        "user",
        member.pk,
        "write",
        "other",
    )
    listed = client.get(base, **as_other).json()
    assert [item["id"] for item in listed] == [body["id"]]

    removed = client.delete(f"{base}/{body['id']}", **as_other)
    assert removed.status_code == 204
    assert client.get(base, **as_other).json() == []
    assert Organization.objects.restrict(member).filter(pk=org.pk).count() == 0


def test_the_shares_api_refuses_with_problems_and_changes_nothing(
    client, other_member, member, viewer, as_member, as_viewer, as_other
):
    ada = secret_person(other_member)
    base = f"/api/v1/contacts/{ada.pk}/shares"
    share_add(actor=other_member, record=ada, data={"user": viewer.pk})
    before = state(ada)

    unseen = client.post(base, {"user": member.pk}, content_type=JSON, **as_member)
    denied = client.post(base, {"user": member.pk}, content_type=JSON, **as_viewer)
    bad = client.post(base, {"team": 999999}, content_type=JSON, **as_other)
    extra = client.post(base, {"user": member.pk, "owner": 1}, content_type=JSON, **as_other)
    kind = client.get(f"/api/v1/activities/{ada.pk}/shares", **as_other)

    assert unseen.status_code == 404
    assert denied.status_code == 403
    assert bad.status_code == 422 and "team" in bad.json()["errors"]
    assert extra.status_code == 422
    assert kind.status_code == 404
    assert state(ada) == before


def test_the_organization_page_has_the_panel_and_the_history_names_the_change(
    client, other_member, member
):
    org = make_organization(other_member, visibility="private")
    share_add(actor=other_member, record=org, data={"user": member.pk, "level": "write"})
    client.force_login(other_member)

    page = client.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    history = client.get(reverse("history:organization", args=[org.pk])).content.decode()

    assert 'id="panel-sharing"' in page and "Can edit" in page
    assert "Shared with" in history
    assert "member (write)" in history


def test_the_registered_kinds_are_people_and_organizations():
    from rubrica.kits.web.panels import panels_for
    from rubrica.sharing.registry import SHAREABLE_KINDS

    assert [(kind.key, kind.model) for kind in SHAREABLE_KINDS] == [
        ("contacts", Contact),
        ("organizations", Organization),
    ]
    for model in (Contact, Organization):
        assert "sharing" in [panel.key for panel in panels_for(model)]
