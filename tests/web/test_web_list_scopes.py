"""Scopes other apps add to a list page (kits/web/list_scopes.py): the people list asks the table
for them; it narrows to the scope given a value, lists no one for a scope that names nothing,
shows the scope's templates and hands the scope its bulk actions. Segments fill it in."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.core.pagination import Page
from rubrica.kits.web import list_scopes
from rubrica.kits.web.list_scopes import ListScope, register_list_scope, scopes_for
from rubrica.segments import selectors as segment_selectors
from rubrica.segments import views as segment_views
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
LIST = reverse("contacts:list")


@pytest.fixture
def initials(isolated_registry, settings, tmp_path):
    """A scope of this test only: ``?initial=A`` lists the people whose name starts with A, shows
    a banner naming the letter, and handles the bulk action "shout"."""
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "banner.html").write_text(
        '{% if initial %}<p id="initial-banner">{{ initial }}</p>{% endif %}'
    )
    (tmp_path / "t" / "options.html").write_text('<option value="shout">Shout</option>')
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0].get("DIRS", []), str(tmp_path)]}
    ]
    bulk_calls: list[tuple[list[int], str]] = []

    def resolve(user, raw):
        if raw is None:
            return None, ""
        return (raw, "") if raw.isalpha() and len(raw) == 1 else (None, "No such initial.")

    def page(user, initial, flt, cursor, size):
        people = Contact.objects.restrict(user, "view").filter(display_name__startswith=initial)
        return Page(items=list(people.order_by("display_name")), next_cursor=None, prev_cursor=None)

    def bulk(request, ids, next_url):
        bulk_calls.append((sorted(ids), next_url))
        return HttpResponse("shouted")

    isolated_registry(list_scopes.LIST_SCOPES)
    register_list_scope(
        ListScope(
            model=Contact,
            param="initial",
            resolve=resolve,
            page=page,
            context=lambda user, initial: {"initial": initial},
            banner_template="t/banner.html",
            bulk_options_template="t/options.html",
            bulk_actions=("shout",),
            bulk=bulk,
        )
    )
    return bulk_calls


def test_the_people_list_is_narrowed_by_a_scope_another_app_registered(
    initials, member_client, member
):
    for name in ("Ada", "Alan", "Bob"):
        make_contact(member, given_name=name, family_name="")

    narrowed = member_client.get(LIST, {"initial": "A"}).content.decode()
    whole = member_client.get(LIST).content.decode()
    missing = member_client.get(LIST, {"initial": "??"}).content.decode()

    assert ">Ada<" in narrowed and ">Alan<" in narrowed and ">Bob<" not in narrowed
    assert '<p id="initial-banner">A</p>' in narrowed
    assert '<input type="hidden" name="initial" value="A">' in narrowed
    assert '<option value="shout">Shout</option>' in narrowed
    assert ">Bob<" in whole and "initial-banner" not in whole
    assert '<option value="segment_add">' not in whole  # segments' scope is not in this table
    assert ">Ada<" not in missing and ">Bob<" not in missing
    assert "No such initial." in missing


def test_a_bulk_action_of_a_scope_is_handed_to_it(initials, member_client, member):
    ada = make_contact(member, given_name="Ada", family_name="")

    response = member_client.post(
        reverse("contacts:bulk"), {"action": "shout", "selected": [ada.pk], "next": "/people/"}
    )

    assert response.content == b"shouted"
    assert initials == [([ada.pk], "/people/")]


def test_segments_register_the_segment_scope_of_the_people_list():
    (scope,) = scopes_for(Contact)

    assert scope.param == "segment"
    assert scope.resolve is segment_selectors.segment_from_param
    assert scope.context is segment_selectors.people_list_context
    assert scope.bulk is segment_views.bulk_members
    assert scope.bulk_actions == ("segment_add", "segment_remove")
    assert (scope.banner_template, scope.bulk_options_template, scope.bulk_fields_template) == (
        "segments/_people_banner.html",
        "segments/_bulk_options.html",
        "segments/_bulk_fields.html",
    )
