"""User data is always escaped in the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.contacts.services import contact_update
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_script_in_a_name_is_escaped_in_list_detail_edit_history_and_trash(member_client, member):
    contact = make_contact(
        member, given_name=SCRIPT, family_name="", notes=SCRIPT, tags=[SCRIPT[:40]], title=SCRIPT
    )
    contact_update(actor=member, contact=contact, data={"title": "x" + SCRIPT})
    pages = [
        reverse("contacts:list"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:edit", args=[contact.pk]),
        reverse("contacts:delete", args=[contact.pk]),
        reverse("history:contact", args=[contact.pk]),
    ]
    for url in pages:
        html = member_client.get(url).content.decode()
        assert SCRIPT not in html, url
        assert ESCAPED in html, url

    response = member_client.post(reverse("contacts:delete", args=[contact.pk]), follow=True)
    assert SCRIPT not in response.content.decode()
    assert f"{ESCAPED} was moved to the Trash." in response.content.decode()
    trash = member_client.get(reverse("trash")).content.decode()
    assert SCRIPT not in trash
    assert ESCAPED in trash


def test_a_script_in_an_organization_name_is_escaped(member_client, member):
    organization = make_organization(member, name=SCRIPT)

    for url in (
        reverse("organizations:list"),
        reverse("organizations:detail", args=[organization.pk]),
        reverse("organizations:edit", args=[organization.pk]),
    ):
        html = member_client.get(url).content.decode()
        assert SCRIPT not in html, url
        assert ESCAPED in html, url


def test_quick_search_text_is_escaped_when_echoed(member_client):
    html = member_client.get(
        reverse("contacts:list"), {"q": '"><script>x</script>'}
    ).content.decode()

    assert "<script>x</script>" not in html
    assert "&quot;&gt;&lt;script&gt;x&lt;/script&gt;" in html
