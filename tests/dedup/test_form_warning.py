"""The duplicate warning of a record's form (dedup/_form_warning.html) is an engine template: its
Merge button comes from the registered merging (dedup.registry), its record and words from the
form that includes it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.dedup import registry
from tests.factories import make_contact
from tests.web.conftest import edit_form, person_form

pytestmark = pytest.mark.django_db


def _warn(member_client, member):
    ada = make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    grace = make_contact(member, given_name="Grace", family_name="Hopper")
    data = edit_form(
        grace,
        given_name="Ada",
        family_name="Lovelace",
        **{"emails-0-label": "", "emails-0-value": "ada.lovelace@gmail.com"},
    )
    response = member_client.post(reverse("contacts:edit", args=[grace.pk]), data)
    return ada, grace, response.content.decode()


def test_the_merge_button_links_to_the_page_merging_registered(member_client, member):
    ada, grace, html = _warn(member_client, member)

    merging = registry.merging()
    assert merging is not None
    assert f'href="{reverse(merging.page)}?a={grace.pk}&amp;b={ada.pk}"' in html
    assert "This person may already be here" in html
    assert "Nothing was saved yet. Check these people first:" in html


def test_without_merging_the_warning_offers_no_merge(member_client, member, isolated_registry):
    isolated_registry(registry.MERGING)

    ada, grace, html = _warn(member_client, member)

    assert 'id="duplicate-warning"' in html
    assert f"?a={grace.pk}&amp;b={ada.pk}" not in html
    assert reverse("merges:new") not in html


def test_adding_offers_no_merge_as_there_is_no_record_yet(member_client, member):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    data = person_form(
        given_name="Ada",
        family_name="Lovelace",
        **{"emails-0-label": "", "emails-0-value": "ada.lovelace@gmail.com"},
    )
    html = member_client.post(reverse("contacts:create"), data).content.decode()

    assert 'id="duplicate-warning"' in html
    assert reverse("merges:new") not in html
