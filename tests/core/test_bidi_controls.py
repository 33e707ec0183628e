"""Bidi embeddings, overrides and isolates are refused in text fields, naming the field; the
marks a language needs are kept (security review, issue 17)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_create
from rubrica.core import normalize
from rubrica.organizations.models import Organization
from rubrica.organizations.services import organization_create

CONTROLS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]
MARKS = ["\u200e", "\u200f", "\u061c"]


@pytest.mark.parametrize("control", CONTROLS)
def test_single_line_refuses_every_embedding_override_and_isolate(control):
    with pytest.raises(ValueError, match="U\\+202A"):
        normalize.single_line(f"Ada{control}Lovelace", max_length=100)


@pytest.mark.parametrize("mark", MARKS)
def test_single_line_keeps_the_direction_marks(mark):
    assert normalize.single_line(f"علی{mark} 2", max_length=100) == f"علی{mark} 2"


@pytest.mark.django_db
def test_a_name_with_a_right_to_left_override_is_refused_by_field_and_nothing_is_saved(member):
    with pytest.raises(ValidationError) as caught:
        contact_create(
            actor=member,
            data={"given_name": "\u202eecilA", "family_name": "Smith", "notes": "ok"},
        )

    assert list(caught.value.message_dict) == ["given_name"]
    assert Contact.all_objects.count() == 0


@pytest.mark.django_db
def test_notes_and_organization_names_refuse_overrides_too(member):
    with pytest.raises(ValidationError) as notes:
        contact_create(actor=member, data={"given_name": "Ada", "notes": "a\n\u2067b"})
    with pytest.raises(ValidationError) as org:
        organization_create(actor=member, data={"name": "Acme\u202d"})

    assert "notes" in notes.value.message_dict
    assert "name" in org.value.message_dict
    assert Contact.all_objects.count() == 0
    assert Organization.all_objects.count() == 0


@pytest.mark.django_db
def test_a_persian_name_with_a_right_to_left_mark_is_saved(member):
    contact = contact_create(actor=member, data={"given_name": "مریم\u200f", "family_name": "K"})

    assert contact.given_name == "مریم\u200f"


@pytest.mark.django_db
def test_the_api_answers_422_naming_the_field(client, member, as_member):
    response = client.post(
        "/api/v1/contacts",
        {"given_name": "Bob", "family_name": "x\u202ey"},
        content_type="application/json",
        **as_member,
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["family_name"]
    assert Contact.all_objects.count() == 0
