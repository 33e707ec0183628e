"""Organization pages: list, create, edit, delete, people (restricted), parent and subsidiaries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rubrica.organizations.models import Organization
from rubrica.organizations.services import affiliation_create, organization_update
from rubrica.taxonomy.models import OrganizationKind
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db
LIST = reverse("organizations:list")
CREATE = reverse("organizations:create")


def org_form(**overrides):
    data = {
        "name": "Babbage & Co",
        "kind": "",
        "industry": "",
        "size": "",
        "website": "",
        "email_domains": "",
        "parent": "",
        "tags": "",
        "notes": "",
        "team": "",
        "visibility": "everyone",
    }
    data.update(overrides)
    return data


def org_names(response) -> list[str]:
    return re.findall(
        r'<th scope="row"[^>]*><a class="fw-semibold" href="[^"]+"><bdi>([^<]+)</bdi></a>',
        response.content.decode(),
    )


def test_list_sorts_and_filters_by_kind(member_client, member):
    partner = OrganizationKind.objects.get(name="Partner")
    make_organization(member, name="Zeta", kind="Partner")
    make_organization(member, name="Alpha")

    assert org_names(member_client.get(LIST)) == ["Alpha", "Zeta"]
    assert org_names(member_client.get(LIST, {"sort": "-name"})) == ["Zeta", "Alpha"]
    assert org_names(member_client.get(LIST, {"kind": partner.pk})) == ["Zeta"]
    assert "No organization matches these filters" in (
        member_client.get(LIST, {"q": "nothing"}).content.decode()
    )


def test_create_with_phones_kind_and_parent(member_client, member):
    parent = make_organization(member, name="Holding")
    kind = OrganizationKind.objects.get(name="Customer")
    data = org_form(
        kind=kind.pk,
        website="babbage.example",
        email_domains="babbage.example, example.com",
        parent=f"Holding (#{parent.pk})",
        tags="engines",
        **{"phones-0-value": "+44 20 7946 0000", "addresses-0-city": "London"},
    )

    response = member_client.post(CREATE, data)

    organization = Organization.objects.get(name="Babbage & Co")
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:detail", args=[organization.pk])
    assert organization.kind == kind
    assert organization.parent == parent
    assert organization.website == "https://babbage.example/"
    assert organization.email_domains == ["babbage.example", "example.com"]
    assert organization.city == "London"
    assert list(organization.phones.values_list("raw", flat=True)) == ["+44 20 7946 0000"]

    parent_page = member_client.get(reverse("organizations:detail", args=[parent.pk]))
    assert f'<a href="{organization.get_absolute_url()}"><bdi>Babbage &amp; Co</bdi></a>' in (
        parent_page.content.decode()
    )


def test_create_with_unknown_parent_shows_the_error_and_saves_nothing(member_client):
    response = member_client.post(CREATE, org_form(parent="Nobody"))

    assert response.status_code == 400
    assert "There is no organization with this name." in response.content.decode()
    assert Organization.objects.count() == 0


def test_create_without_name_is_refused(member_client):
    response = member_client.post(CREATE, org_form(name=""))

    assert response.status_code == 400
    assert "An organization needs a name." in response.content.decode()
    assert Organization.objects.count() == 0


def test_edit_saves_and_refuses_a_stale_version(member_client, member):
    organization = make_organization(member)
    page = member_client.get(reverse("organizations:edit", args=[organization.pk]))
    assert 'value="Analytical Engines Ltd"' in page.content.decode()
    stale = org_form(name="Stale", version=organization.version)

    saved = member_client.post(
        reverse("organizations:edit", args=[organization.pk]),
        org_form(name="Engines Ltd", version=organization.version),
    )
    assert saved.status_code == 302
    refused = member_client.post(reverse("organizations:edit", args=[organization.pk]), stale)

    assert refused.status_code == 409
    assert "Someone else changed this organization" in refused.content.decode()
    organization.refresh_from_db()
    assert (organization.name, organization.version) == ("Engines Ltd", 2)


def test_edit_keeps_a_parent_the_editor_cannot_see(other_client, member, other_member):
    hidden_parent = make_organization(member, name="Private parent", visibility="private")
    organization = make_organization(member, name="Child", parent=hidden_parent.pk)

    response = other_client.post(
        reverse("organizations:edit", args=[organization.pk]),
        org_form(name="Child renamed", version=organization.version),
    )

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Child renamed"
    assert organization.parent == hidden_parent


def test_detail_lists_only_people_the_user_may_view(member_client, member, other_member):
    organization = make_organization(member, name="Acme")
    visible = make_contact(member, given_name="Visible", family_name="Person")
    secret = make_contact(
        other_member, given_name="Secret", family_name="Agent", visibility="private"
    )
    affiliation_create(
        actor=member, contact=visible, organization=organization, data={"title": "CTO"}
    )
    affiliation_create(actor=other_member, contact=secret, organization=organization, data={})

    html = member_client.get(
        reverse("organizations:detail", args=[organization.pk])
    ).content.decode()

    href = visible.get_absolute_url()
    assert f'<a class="fw-semibold" href="{href}"><bdi>Visible Person</bdi></a>' in html
    assert "CTO" in html
    assert "Secret" not in html
    assert f'href="{reverse("contacts:list")}?organization={organization.pk}"' in html


def test_detail_hides_a_parent_the_user_cannot_see(member_client, member, other_member):
    hidden = make_organization(other_member, name="Shadow Holding", visibility="private")
    child = make_organization(other_member, name="Open Child", parent=hidden.pk)

    html = member_client.get(reverse("organizations:detail", args=[child.pk])).content.decode()

    assert "Open Child" in html
    assert "Shadow Holding" not in html


def test_suggestions_offer_only_visible_organizations(member_client, member, other_member):
    acme = make_organization(member, name="Acme")
    make_organization(other_member, name="Acme Secret", visibility="private")

    response = member_client.get(reverse("organizations:suggest"), {"organization": "ac"})

    assert response.content.decode().strip() == f'<option value="Acme (#{acme.pk})">'


def test_organization_columns_and_paging(member_client, member):
    for index in range(30):
        make_organization(member, name=f"Org {index:02d}", industry="Looms")
    member_client.post(reverse("organizations:columns"), {"columns": ["industry"]})

    first = member_client.get(LIST, {"size": 25})
    html = first.content.decode()
    assert org_names(first)[:2] == ["Org 00", "Org 01"]
    assert "Looms" in html
    next_href = re.search(r'rel="next" href="\?([^"]+)"', html).group(1).replace("&amp;", "&")
    second = member_client.get(f"{LIST}?{next_href}")
    assert org_names(second) == [f"Org {index:02d}" for index in range(25, 30)]


def test_history_link_and_rename_shows_in_history(member_client, member):
    organization = make_organization(member)
    organization_update(actor=member, organization=organization, data={"name": "Renamed"})

    detail = member_client.get(reverse("organizations:detail", args=[organization.pk]))
    assert reverse("history:organization", args=[organization.pk]) in detail.content.decode()
    history = member_client.get(reverse("history:organization", args=[organization.pk]))
    assert "Analytical Engines Ltd" in history.content.decode()
