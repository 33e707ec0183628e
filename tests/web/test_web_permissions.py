"""Who may see and change what: unseen records answer 404, read-only ones 403, and a refused
request changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.history.models import HistoryEntry
from rubrica.organizations.models import Organization
from tests.factories import make_contact, make_organization
from tests.web.conftest import edit_form, person_form

pytestmark = pytest.mark.django_db


def test_another_members_private_person_answers_404_everywhere(member_client, other_member):
    secret = make_contact(other_member, visibility="private", title="Spy")
    gets = [
        reverse("contacts:detail", args=[secret.pk]),
        reverse("contacts:edit", args=[secret.pk]),
        reverse("contacts:delete", args=[secret.pk]),
        reverse("contacts:photo", args=[secret.pk]),
        reverse("contacts:affiliation_add", args=[secret.pk]),
        reverse("history:contact", args=[secret.pk]),
    ]
    for url in gets:
        assert member_client.get(url).status_code == 404, url
    posts = [
        (reverse("contacts:edit", args=[secret.pk]), edit_form(secret, title="Mine")),
        (reverse("contacts:delete", args=[secret.pk]), {}),
        (reverse("history:contact_revert", args=[secret.pk]), {"entry": 1, "field": "title"}),
    ]
    for url, data in posts:
        assert member_client.post(url, data).status_code == 404, url
    secret.refresh_from_db()
    assert (secret.title, secret.deleted_at, secret.version) == ("Spy", None, 1)


def test_another_members_private_organization_answers_404(member_client, other_member):
    secret = make_organization(other_member, visibility="private")
    for url in (
        reverse("organizations:detail", args=[secret.pk]),
        reverse("organizations:edit", args=[secret.pk]),
        reverse("organizations:delete", args=[secret.pk]),
        reverse("history:organization", args=[secret.pk]),
    ):
        assert member_client.get(url).status_code == 404, url
    assert member_client.post(reverse("organizations:delete", args=[secret.pk])).status_code == 404
    assert Organization.objects.filter(pk=secret.pk).exists()


def test_viewer_gets_403_on_edit_and_nothing_changes(viewer_client, member):
    contact = make_contact(member, title="Countess")

    assert viewer_client.get(reverse("contacts:edit", args=[contact.pk])).status_code == 403
    response = viewer_client.post(
        reverse("contacts:edit", args=[contact.pk]), edit_form(contact, title="Hacked")
    )

    assert response.status_code == 403
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("Countess", 1)
    assert HistoryEntry.objects.filter(object_id=contact.pk).count() == 1


def test_viewer_can_read_but_not_create_delete_or_bulk(viewer_client, member):
    contact = make_contact(member)

    detail = viewer_client.get(reverse("contacts:detail", args=[contact.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert reverse("contacts:edit", args=[contact.pk]) not in html
    assert reverse("contacts:delete", args=[contact.pk]) not in html
    assert (
        reverse("contacts:create")
        not in viewer_client.get(reverse("contacts:list")).content.decode()
    )

    assert viewer_client.get(reverse("contacts:create")).status_code == 403
    assert viewer_client.post(reverse("contacts:create"), person_form()).status_code == 403
    assert viewer_client.post(reverse("contacts:delete", args=[contact.pk])).status_code == 403
    bulk = viewer_client.post(
        reverse("contacts:bulk"), {"selected": [contact.pk], "action": "delete", "confirmed": "yes"}
    )
    assert bulk.status_code == 403
    assert Contact.objects.count() == 1
    assert Contact.objects.get().deleted_at is None


def test_viewer_gets_403_on_organization_edit(viewer_client, member):
    organization = make_organization(member, industry="Engines")

    response = viewer_client.post(
        reverse("organizations:edit", args=[organization.pk]),
        {"name": "Hacked", "version": organization.version},
    )

    assert response.status_code == 403
    organization.refresh_from_db()
    assert (organization.name, organization.version) == ("Analytical Engines Ltd", 1)
    assert viewer_client.get(reverse("organizations:create")).status_code == 403


def test_team_visibility_is_respected(member_client, member, other_member):
    from tests.factories import TeamFactory

    team = TeamFactory()
    team.members.add(other_member)
    shared_with_team = make_contact(other_member, visibility="team", team=team.pk)

    assert (
        member_client.get(reverse("contacts:detail", args=[shared_with_team.pk])).status_code == 404
    )
    team.members.add(member)
    assert (
        member_client.get(reverse("contacts:detail", args=[shared_with_team.pk])).status_code == 200
    )
