"""Property: for any two people, merge then undo gives both back exactly (values, child rows
with their ids, tags, affiliations, Trash state, display name)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rubrica.customfields.services import definition_save
from rubrica.merges.services import SINGLE_FIELDS, contact_merge, contact_unmerge
from rubrica.organizations.services import affiliation_create
from tests.factories import make_contact, make_organization
from tests.merges.conftest import state

pytestmark = pytest.mark.django_db

NAMES = st.sampled_from(["", "Ada", "ada", "Åsa", "Zoë", "李", "Augusta", "Byron"])
EMAILS = st.sampled_from(
    ["ada@example.org", "ADA@example.org", "countess@example.org", "a.b@example.com"]
)
PHONES = st.sampled_from(
    ["+1 202 555 0100", "+12025550100", "+44 20 7946 0000", "+39 02 1234 5678"]
)
ADDRESSES = st.fixed_dictionaries(
    {
        "city": st.sampled_from(["London", "london", "Milano", ""]),
        "country": st.sampled_from(["UK", "IT"]),
        "street": st.sampled_from(["", "1 Main St"]),
    }
)
TAGS = st.sampled_from(["VIP", "vip", "Press", "Partner"])
SIZES = st.sampled_from(["S", "M", "L"])


def _labelled(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(
        st.fixed_dictionaries(
            {"value": values, "label": st.sampled_from(["", "work", "home"])},
            optional={"is_preferred": st.booleans()},
        ),
        max_size=3,
    )


PERSON = st.fixed_dictionaries(
    {
        "given_name": NAMES,
        "family_name": st.sampled_from(["Lovelace", "", "King"]),
        "emails": _labelled(EMAILS),
        "phones": _labelled(PHONES),
        "addresses": st.lists(ADDRESSES, max_size=2),
        "tags": st.lists(TAGS, max_size=3),
        "nicknames": st.lists(st.sampled_from(["A", "Countess"]), max_size=2),
        "title": st.sampled_from(["", "CTO", "Countess"]),
        "notes": st.sampled_from(["", "met at the Royal Society"]),
        "custom_fields": st.dictionaries(st.sampled_from(["size", "colour"]), SIZES, max_size=2),
    },
    optional={"display_name": st.sampled_from(["The Countess", "A. L."])},
)
AFFILIATIONS = st.lists(
    st.tuples(st.integers(0, 1), st.sampled_from(["", "CTO"]), st.booleans()), max_size=3
)
CHOICES = st.dictionaries(
    st.sampled_from([f for f in SINGLE_FIELDS if f not in ("owner", "team", "visibility")]),
    st.sampled_from(["survivor", "merged"]),
    max_size=4,
)


def _person(actor: Any, data: dict[str, Any]) -> Any:
    if not (data["given_name"] or data["family_name"] or data["emails"] or data["phones"]):
        data = {**data, "given_name": "Ada"}
    return make_contact(actor, **data)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=PERSON,
    second=PERSON,
    first_affiliations=AFFILIATIONS,
    second_affiliations=AFFILIATIONS,
    choices=CHOICES,
)
def test_merge_then_undo_gives_back_both_people_exactly(
    member, admin_user, first, second, first_affiliations, second_affiliations, choices
):
    with transaction.atomic():
        for key in ("size", "colour"):
            definition_save(
                actor=admin_user,
                data={"entity": "contact", "key": key, "label": key, "field_type": "text"},
            )
        organizations = [make_organization(member), make_organization(member, name="Royal")]
        people = [_person(member, first), _person(member, second)]
        for person, affiliations in zip(
            people, (first_affiliations, second_affiliations), strict=True
        ):
            for index, title, primary in affiliations:
                affiliation_create(
                    actor=member,
                    contact=person,
                    organization=organizations[index],
                    data={"title": title, "is_primary": primary},
                )
        survivor, merged = people
        before = (state(survivor), state(merged))

        merge = contact_merge(actor=member, survivor=survivor, merged=merged, choices=choices)
        assert state(merged)["deleted_at"] is not None
        contact_unmerge(actor=member, merge=merge)

        assert (state(survivor), state(merged)) == before
        transaction.set_rollback(True)
