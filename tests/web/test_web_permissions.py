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


@pytest.mark.parametrize("fmt", ["vcard4", "vcard3", "json", "csv", "csv-google", "xlsx"])
def test_a_private_organization_never_leaks_through_a_visible_persons_exports(
    member, other_member, member_client, settings, tmp_path, fmt
):
    """Every writer applies the pages' rule: a person visible to everyone, linked by another
    member to their own private organization with a title, is exported to a member who may not
    see that organization without its name or the title (the vCard download, and each export
    format)."""
    from rubrica.dataio.exporting import export_start
    from rubrica.jobs.services import job_run
    from rubrica.organizations.services import affiliation_create

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"
    person = make_contact(other_member, given_name="Open", visibility="everyone")
    secret = make_organization(other_member, name="Zanzibar Covert Ltd", visibility="private")
    affiliation_create(
        actor=other_member,
        contact=person,
        organization=secret,
        data={"title": "Chief Mole", "department": "Ops", "is_primary": True},
    )
    assert member_client.get(reverse("organizations:detail", args=[secret.pk])).status_code == 404

    job = job_run(export_start(actor=member, format=fmt, selection={"ids": [person.pk]}).pk)
    assert job.status == "succeeded", job.error
    with job.output.open("rb") as handle:
        raw = handle.read()
    if fmt == "xlsx":
        import io

        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(raw), read_only=True).active
        raw = repr(list(sheet.iter_rows(values_only=True))).encode()
    assert b"Open" in raw
    for leak in (b"Zanzibar", b"Chief Mole"):
        assert leak not in raw, fmt
    # ... and the one who may see it still gets it.
    own = job_run(export_start(actor=other_member, format=fmt, selection={"ids": [person.pk]}).pk)
    with own.output.open("rb") as handle:
        raw = handle.read()
    if fmt != "xlsx":
        assert b"Zanzibar" in raw


def test_a_private_organization_never_leaks_through_a_visible_persons_vcard_download(
    member, other_member, member_client
):
    from rubrica.organizations.services import affiliation_create

    person = make_contact(other_member, given_name="Open", visibility="everyone")
    secret = make_organization(other_member, name="Zanzibar Covert Ltd", visibility="private")
    affiliation_create(
        actor=other_member,
        contact=person,
        organization=secret,
        data={"title": "Chief Mole", "is_primary": True},
    )
    for version in ("4.0", "3.0"):
        response = member_client.get(
            reverse("dataio:contact_vcard", args=[person.pk]), {"version": version}
        )
        assert response.status_code == 200
        text = response.content.decode()
        assert "FN:Open" in text
        assert "Zanzibar" not in text and "Chief Mole" not in text, text
