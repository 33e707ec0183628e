"""Delete asks first, moves to the Trash, offers Undo; the Trash page restores."""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.organizations.models import Organization
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_delete_asks_for_confirmation_first(member_client, member):
    contact = make_contact(member)

    page = member_client.get(reverse("contacts:delete", args=[contact.pk]))

    assert page.status_code == 200
    assert "Move “Ada Lovelace” to the Trash?" in page.content.decode()
    contact.refresh_from_db()
    assert contact.deleted_at is None


def test_delete_moves_to_trash_and_undo_restores(member_client, member):
    contact = make_contact(member)

    response = member_client.post(reverse("contacts:delete", args=[contact.pk]), follow=True)

    assert response.redirect_chain == [(reverse("contacts:list"), 302)]
    html = response.content.decode()
    assert "Ada Lovelace was moved to the Trash." in html
    restore_url = reverse("contacts:restore", args=[contact.pk])
    assert re.search(
        rf'<form method="post" action="{restore_url}" class="d-inline">\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">\s*'
        r'<button type="submit" class="btn btn-sm btn-light border">Undo</button>',
        html,
    )
    assert Contact.objects.filter(pk=contact.pk).exists() is False
    assert Contact.trash.filter(pk=contact.pk).exists()
    assert member_client.get(reverse("contacts:detail", args=[contact.pk])).status_code == 404

    undo = member_client.post(restore_url, follow=True)

    assert undo.redirect_chain == [(reverse("contacts:detail", args=[contact.pk]), 302)]
    assert "Ada Lovelace was restored." in undo.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_trash_lists_what_the_user_may_delete_with_restore_buttons(
    member_client, member, other_member, viewer
):
    mine = make_contact(member, given_name="Mine", family_name="")
    theirs = make_contact(other_member, given_name="Theirs", family_name="", visibility="private")
    organization = make_organization(member, name="Gone Ltd")
    from rubrica.contacts.services import contact_delete
    from rubrica.organizations.services import organization_delete

    contact_delete(actor=member, contact=mine)
    contact_delete(actor=other_member, contact=theirs)
    organization_delete(actor=member, organization=organization)

    html = member_client.get(reverse("trash")).content.decode()

    assert ">Mine<" in html
    assert "Theirs" not in html
    assert ">Gone Ltd<" in html
    assert f'action="{reverse("trash_restore", args=["people", mine.pk])}"' in html
    assert f'action="{reverse("trash_restore", args=["organizations", organization.pk])}"' in html

    response = member_client.post(
        reverse("trash_restore", args=["organizations", organization.pk]),
        {"next": reverse("trash")},
    )
    assert response["Location"] == reverse("trash")
    assert Organization.objects.filter(pk=organization.pk).exists()


def test_restoring_someone_elses_private_trash_answers_404(member_client, other_member):
    theirs = make_contact(other_member, visibility="private")
    from rubrica.contacts.services import contact_delete

    contact_delete(actor=other_member, contact=theirs)

    response = member_client.post(reverse("contacts:restore", args=[theirs.pk]))

    assert response.status_code == 404
    assert Contact.trash.filter(pk=theirs.pk).exists()


def test_viewer_sees_an_empty_trash_and_cannot_restore(viewer_client, member):
    contact = make_contact(member)
    from rubrica.contacts.services import contact_delete

    contact_delete(actor=member, contact=contact)

    assert "No people in the Trash." in viewer_client.get(reverse("trash")).content.decode()
    assert viewer_client.post(reverse("contacts:restore", args=[contact.pk])).status_code == 404
    assert Contact.trash.filter(pk=contact.pk).exists()


def test_organization_delete_and_undo(member_client, member):
    organization = make_organization(member)

    response = member_client.post(
        reverse("organizations:delete", args=[organization.pk]), follow=True
    )

    html = response.content.decode()
    assert "Analytical Engines Ltd was moved to the Trash." in html
    assert f'action="{reverse("organizations:restore", args=[organization.pk])}"' in html
    assert not Organization.objects.filter(pk=organization.pk).exists()
    member_client.post(reverse("organizations:restore", args=[organization.pk]))
    assert Organization.objects.filter(pk=organization.pk).exists()


def test_trash_page_shows_a_kind_registered_by_a_test(member_client, member, isolated_registry):
    from rubrica.contacts.services import contact_delete
    from rubrica.core import trash
    from rubrica.core.trash import TrashKind, register_trash

    isolated_registry(trash.TRASH_KINDS)
    register_trash(
        TrashKind(
            key="persons",
            model=Contact,
            label="Persons",
            empty_text="No persons here.",
            pages_label="Pages of persons",
            restore=lambda actor, record: record,
            purge=lambda cutoff: 0,
        )
    )
    gone = make_contact(member, given_name="Gone", family_name="")
    contact_delete(actor=member, contact=gone)

    html = member_client.get(reverse("trash")).content.decode()

    assert '<section aria-labelledby="trash-persons">' in html
    assert '<h2 class="h5" id="trash-persons">Persons</h2>' in html
    assert ">Gone<" in html
    assert f'action="{reverse("trash_restore", args=["persons", gone.pk])}"' in html
    assert '<nav aria-label="Pages of persons">' in html
    assert "People" not in html.split("<main", 1)[-1].split("</main>", 1)[0]

    contact_delete(actor=member, contact=make_contact(member))
    Contact.trash.all().delete()

    assert "No persons here." in member_client.get(reverse("trash")).content.decode()


def test_trash_pages_each_kind_with_its_own_cursor(member_client, member):
    from rubrica.contacts.services import contact_delete

    for index in range(51):
        contact_delete(actor=member, contact=make_contact(member, given_name=f"P{index:02d}"))

    first = member_client.get(reverse("trash"), {"q": "x"}).content.decode()
    cursor = re.search(r'rel="next" href="\?q=x&amp;people_cursor=([^"]+)"', first)

    assert cursor is not None
    second = member_client.get(reverse("trash"), {"q": "x", "people_cursor": cursor.group(1)})
    html = second.content.decode()
    assert html.count(">Restore</button>") == 1
    assert re.search(r'rel="prev" href="\?q=x&amp;people_cursor=[^"]+"', html)
    assert "No organizations in the Trash." in html


def test_the_trash_page_restores_through_the_kinds_registered_restore_service(
    member_client, member, isolated_registry
):
    from rubrica.contacts.services import contact_delete, contact_restore
    from rubrica.core import trash

    calls: list[int] = []

    def restore(actor, record):
        calls.append(record.pk)
        return contact_restore(actor=actor, contact=record)

    people = trash.trash_kind("people")
    isolated_registry(trash.TRASH_KINDS, dataclasses.replace(people, restore=restore))
    gone = make_contact(member, given_name="Gone", family_name="")
    contact_delete(actor=member, contact=gone)

    response = member_client.post(
        reverse("trash_restore", args=["people", gone.pk]), {"next": reverse("trash")}
    )

    assert response["Location"] == reverse("trash")
    assert calls == [gone.pk]
    assert Contact.objects.filter(pk=gone.pk).exists()


def test_restoring_through_the_trash_page_is_checked_like_any_restore(
    member_client, viewer_client, member, other_member
):
    from rubrica.contacts.services import contact_delete

    theirs = make_contact(other_member, visibility="private")
    mine = make_contact(member)
    contact_delete(actor=other_member, contact=theirs)
    contact_delete(actor=member, contact=mine)

    not_theirs = member_client.post(reverse("trash_restore", args=["people", theirs.pk]))
    not_a_viewer = viewer_client.post(reverse("trash_restore", args=["people", mine.pk]))
    no_such_kind = member_client.post(reverse("trash_restore", args=["ships", mine.pk]))
    not_by_get = member_client.get(reverse("trash_restore", args=["people", mine.pk]))

    assert [r.status_code for r in (not_theirs, not_a_viewer, no_such_kind, not_by_get)] == [
        404,
        404,
        404,
        405,
    ]
    assert Contact.trash.filter(pk__in=[theirs.pk, mine.pk]).count() == 2
