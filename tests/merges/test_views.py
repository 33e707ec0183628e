"""The merge pages: pick, compare, merge with Undo, list of merges."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from rubrica.merges.models import Merge
from rubrica.merges.services import contact_merge
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

NEW = "/merges/new/"


def test_the_person_page_offers_merge_with(member_client, member):
    ada = make_contact(member)
    page = member_client.get(f"/people/{ada.pk}/").content.decode()
    assert f'href="/merges/new/?a={ada.pk}"' in page


def test_the_pick_page_finds_the_other_person(member_client, member):
    ada = make_contact(member)
    twin = make_contact(member, given_name="Augusta")
    response = member_client.get(NEW, {"a": ada.pk, "q": "Augusta"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"?a={ada.pk}&amp;b={twin.pk}" in page


def test_the_comparison_shows_both_side_by_side_with_choices(member_client, member):
    ada = make_contact(member, title="Mathematician", emails=[{"value": "ada@example.org"}])
    twin = make_contact(
        member,
        given_name="<b>Augusta</b>",
        title="Countess",
        emails=[{"value": "ADA@example.org"}, {"value": "aug@example.org"}],
    )
    response = member_client.get(NEW, {"a": ada.pk, "b": twin.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="choice:title" id="c-title-s" value="survivor" checked' in page
    assert 'name="choice:title" id="c-title-m" value="merged">' in page
    assert "&lt;b&gt;Augusta&lt;/b&gt;" in page
    assert "<b>Augusta</b>" not in page
    assert "<li>ada@example.org</li><li>aug@example.org</li>" in page
    assert f'href="/merges/new/?a={twin.pk}&amp;b={ada.pk}"' in page  # swap


def test_a_person_the_user_cannot_see_answers_404(client, member, other_member):
    ada = make_contact(member, visibility="private")
    mine = make_contact(other_member)
    client.force_login(other_member)
    assert client.get(NEW, {"a": mine.pk, "b": ada.pk}).status_code == 404
    assert client.get(NEW, {"a": ada.pk, "b": mine.pk}).status_code == 404
    assert client.get(NEW, {"a": "x", "b": mine.pk}).status_code == 404


def test_posting_merges_and_redirects_with_an_undo_button(member_client, member):
    ada = make_contact(member, title="Mathematician")
    twin = make_contact(member, title="Countess")
    response = member_client.post(
        NEW,
        {
            "a": ada.pk,
            "b": twin.pk,
            "a_version": ada.version,
            "b_version": twin.version,
            "choice:title": "merged",
        },
        follow=True,
    )
    merge = Merge.objects.get()
    assert response.redirect_chain == [(f"/people/{ada.pk}/", 302)]
    page = response.content.decode()
    assert "Ada Lovelace was merged into Ada Lovelace." in page
    assert f'action="/merges/{merge.pk}/undo/"' in page
    ada.refresh_from_db()
    assert ada.title == "Countess"
    assert Contact.trash.filter(pk=twin.pk).exists()


def test_a_stale_form_is_refused_and_nothing_changes(member_client, member):
    ada = make_contact(member)
    twin = make_contact(member)
    response = member_client.post(
        NEW, {"a": ada.pk, "b": twin.pk, "a_version": ada.version + 5, "b_version": twin.version}
    )
    assert response.status_code == 409
    assert "changed meanwhile" in response.content.decode()
    assert Merge.objects.count() == 0


def test_a_viewer_gets_403_and_nothing_changes(client, member, viewer):
    ada = make_contact(member)
    twin = make_contact(member)
    client.force_login(viewer)
    page = client.get(NEW, {"a": ada.pk, "b": twin.pk}).content.decode()
    assert "You may not merge these two people" in page
    response = client.post(NEW, {"a": ada.pk, "b": twin.pk})
    assert response.status_code == 403
    assert Merge.objects.count() == 0
    assert Contact.objects.filter(pk=twin.pk).exists()


def test_merging_a_person_with_itself_is_explained(member_client, member):
    ada = make_contact(member)
    response = member_client.post(NEW, {"a": ada.pk, "b": ada.pk})
    assert response.status_code == 422
    assert "A person cannot be merged with itself." in response.content.decode()


def test_the_list_shows_merges_and_undo_works(member_client, member):
    ada = make_contact(member)
    twin = make_contact(member, given_name="Augusta")
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    page = member_client.get("/merges/").content.decode()
    assert f'id="merge-{merge.pk}"' in page
    assert f'action="/merges/{merge.pk}/undo/"' in page
    response = member_client.post(f"/merges/{merge.pk}/undo/", follow=True)
    assert response.redirect_chain == [(f"/people/{ada.pk}/", 302)]
    assert "are separate again" in response.content.decode()
    assert Contact.objects.filter(pk=twin.pk).exists()
    again = member_client.post(f"/merges/{merge.pk}/undo/", follow=True)
    assert "This merge was already undone." in again.content.decode()


def test_merges_of_people_the_user_cannot_see_are_hidden(client, member, other_member):
    ada = make_contact(member, visibility="private")
    merge = contact_merge(
        actor=member, survivor=ada, merged=make_contact(member, visibility="private")
    )
    client.force_login(other_member)
    assert f'id="merge-{merge.pk}"' not in client.get("/merges/").content.decode()
    assert client.post(f"/merges/{merge.pk}/undo/").status_code == 404
    merge.refresh_from_db()
    assert merge.undone_at is None


def test_undo_needs_a_post(member_client, member):
    merge = contact_merge(actor=member, survivor=make_contact(member), merged=make_contact(member))
    assert member_client.get(f"/merges/{merge.pk}/undo/").status_code == 405


def test_the_comparison_hides_organizations_the_user_cannot_see(client, member, other_member):
    from rubrica.organizations.services import affiliation_create
    from tests.factories import make_organization

    secret = make_organization(member, name="Secret Ltd", visibility="private")
    public = make_organization(member, name="Open Ltd")
    ada = make_contact(member)
    twin = make_contact(member)
    affiliation_create(actor=member, contact=twin, organization=secret, data={})
    affiliation_create(actor=member, contact=twin, organization=public, data={})
    client.force_login(other_member)
    page = client.get(NEW, {"a": ada.pk, "b": twin.pk}).content.decode()
    assert "Open Ltd" in page
    assert "Secret Ltd" not in page


def test_notes_offer_keep_both(member_client, member):
    ada = make_contact(member, notes="one")
    twin = make_contact(member, notes="two")
    page = member_client.get(NEW, {"a": ada.pk, "b": twin.pk}).content.decode()
    assert 'name="choice:notes" id="c-notes-both" value="both"' in page
    member_client.post(NEW, {"a": ada.pk, "b": twin.pk, "choice:notes": "both"})
    ada.refresh_from_db()
    assert ada.notes == "one\n\ntwo"


def test_history_names_the_merge_notes_in_words(member_client, member):
    ada = make_contact(member, given_name="Ada", family_name="Lovelace")
    twin = make_contact(member, given_name="Ada", family_name="Byron")
    contact_merge(actor=member, survivor=ada, merged=twin)

    page = member_client.get(f"/history/people/{ada.pk}/").content.decode()

    assert "Merged from" in page
    assert "merged_from" not in page
