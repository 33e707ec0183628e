"""The CLI shows only what the acting user may see."""

from __future__ import annotations

import json

import pytest

from rubrica.organizations.services import affiliation_create
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def test_private_organization_names_do_not_leak_through_people(rubrica, member, other_member):
    secret = make_organization(other_member, name="Secret Holdings", visibility="private")
    shared = make_contact(other_member, given_name="Shared")
    affiliation_create(
        actor=other_member, contact=shared, organization=secret, data={"is_primary": True}
    )

    code_list, out_list, _err = rubrica("contacts", "list", "--json", "--as", member.username)
    code_show, out_show, _err = rubrica(
        "contacts", "show", str(shared.pk), "--json", "--as", member.username
    )

    assert (code_list, code_show) == (0, 0)
    assert "Secret Holdings" not in out_list + out_show
    assert json.loads(out_show)["affiliations"] == []
