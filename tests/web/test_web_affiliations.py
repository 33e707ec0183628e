"""Linking people to organizations from the person page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from rubrica.organizations.models import Affiliation
from rubrica.organizations.services import affiliation_create
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_add_affiliation_from_the_person_page(member_client, member):
    contact = make_contact(member)
    organization = make_organization(member, name="Acme")
    detail = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert f'action="{reverse("contacts:affiliation_add", args=[contact.pk])}"' in detail

    response = member_client.post(
        reverse("contacts:affiliation_add", args=[contact.pk]),
        {
            "organization": f"Acme (#{organization.pk})",
            "title": "Engineer",
            "start_date": "2020-01-01",
            "is_primary": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("contacts:detail", args=[contact.pk]), 302)]
    affiliation = Affiliation.objects.get()
    assert (affiliation.organization, affiliation.title, affiliation.is_primary) == (
        organization,
        "Engineer",
        True,
    )
    html = response.content.decode()
    href = organization.get_absolute_url()
    assert f'<a class="fw-semibold" href="{href}"><bdi>Acme</bdi></a>' in html


def test_affiliation_errors_are_shown_and_nothing_is_saved(member_client, member):
    contact = make_contact(member)
    organization = make_organization(member, name="Acme")

    unknown = member_client.post(
        reverse("contacts:affiliation_add", args=[contact.pk]), {"organization": "Nope"}
    )
    backwards = member_client.post(
        reverse("contacts:affiliation_add", args=[contact.pk]),
        {
            "organization": str(organization.pk),
            "start_date": "2020-01-02",
            "end_date": "2020-01-01",
        },
    )

    assert unknown.status_code == 400
    assert "There is no organization with this name." in unknown.content.decode()
    assert backwards.status_code == 400
    assert "The end comes before the start." in backwards.content.decode()
    assert Affiliation.objects.count() == 0


def test_cannot_link_to_an_organization_the_user_cannot_see(member_client, member, other_member):
    contact = make_contact(member)
    hidden = make_organization(other_member, visibility="private")

    response = member_client.post(
        reverse("contacts:affiliation_add", args=[contact.pk]), {"organization": str(hidden.pk)}
    )

    assert response.status_code == 400
    assert "There is no such organization." in response.content.decode()
    assert Affiliation.objects.count() == 0


def test_edit_end_and_remove_an_affiliation(member_client, member):
    contact = make_contact(member)
    organization = make_organization(member, name="Acme")
    affiliation = affiliation_create(
        actor=member, contact=contact, organization=organization, data={"title": "Intern"}
    )
    args = [contact.pk, affiliation.pk]

    member_client.post(reverse("contacts:affiliation_edit", args=args), {"title": "Engineer"})
    affiliation.refresh_from_db()
    assert affiliation.title == "Engineer"

    member_client.post(reverse("contacts:affiliation_end", args=args))
    affiliation.refresh_from_db()
    assert affiliation.end_date == timezone.localdate()

    member_client.post(reverse("contacts:affiliation_remove", args=args))
    assert Affiliation.objects.count() == 0


def test_viewer_cannot_change_affiliations(viewer_client, member):
    contact = make_contact(member)
    organization = make_organization(member)
    affiliation = affiliation_create(
        actor=member, contact=contact, organization=organization, data={"title": "Intern"}
    )

    removed = viewer_client.post(
        reverse("contacts:affiliation_remove", args=[contact.pk, affiliation.pk])
    )
    added = viewer_client.post(
        reverse("contacts:affiliation_add", args=[contact.pk]), {"organization": organization.pk}
    )

    assert (removed.status_code, added.status_code) == (403, 403)
    assert list(Affiliation.objects.values_list("title", flat=True)) == ["Intern"]


def test_person_page_hides_affiliations_with_invisible_organizations(
    member_client, member, other_member
):
    contact = make_contact(other_member)
    hidden = make_organization(other_member, name="Hidden Corp", visibility="private")
    affiliation_create(actor=other_member, contact=contact, organization=hidden, data={})

    html = member_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()

    assert "Hidden Corp" not in html
    assert "Not linked to any organization." in html
