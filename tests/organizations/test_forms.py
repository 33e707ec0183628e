"""organizations.forms: finding the organization a person typed."""

from __future__ import annotations

from rubrica.organizations.forms import resolve_organization
from tests.factories import make_organization


def test_a_typed_name_finds_the_organization_regardless_of_case_and_spacing(member):
    org = make_organization(member, name="ÖKO Institut Ærø")

    assert resolve_organization(member, "  öko   institut ÆRØ ") == (org, "")
    assert resolve_organization(member, "oko institut aero")[0] is None


def test_two_organizations_of_one_name_ask_for_a_choice(member):
    make_organization(member, name="Città Studi")
    make_organization(member, name="CITTÀ STUDI")

    found, message = resolve_organization(member, "città studi")

    assert found is None
    assert "Several organizations" in message


def test_an_organization_one_cannot_see_is_not_found_by_name(member, other_member):
    make_organization(other_member, name="Segreta Srl", visibility="private")

    assert resolve_organization(member, "SEGRETA SRL") == (
        None,
        "There is no organization with this name.",
    )
