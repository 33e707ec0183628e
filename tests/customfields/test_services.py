"""customfields.services: writes of definitions lock the row and run the door's precondition
(definitions have no version; the API compares the content tag sent in If-Match)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from rubrica.customfields.models import CustomFieldDefinition
from rubrica.customfields.services import definition_delete, definition_save

pytestmark = pytest.mark.django_db

TIER = {
    "entity": "contact",
    "key": "tier",
    "label": "Tier",
    "field_type": "choice",
    "choices": ["gold", "silver"],
}


class Stale(Exception):
    pass


def refuse(seen: list[str]):
    """A precondition that records the label of the row it was shown, then refuses."""

    def check(current: CustomFieldDefinition) -> None:
        seen.append(current.label)
        raise Stale

    return check


def test_update_refused_by_its_precondition_changes_nothing(admin_user):
    definition = definition_save(actor=admin_user, data=dict(TIER))
    stale_copy = CustomFieldDefinition.objects.get(pk=definition.pk)
    definition_save(actor=admin_user, definition=definition, data={"label": "Level"})
    seen: list[str] = []

    with pytest.raises(Stale):
        definition_save(
            actor=admin_user,
            definition=stale_copy,
            data={"label": "Late", "required": True},
            precondition=refuse(seen),
        )

    assert seen == ["Level"]  # the current row, not the caller's stale copy
    fresh = CustomFieldDefinition.objects.get(pk=definition.pk)
    assert (fresh.label, fresh.required) == ("Level", False)


def test_update_changes_the_current_row_and_leaves_the_callers_copy(admin_user):
    definition = definition_save(actor=admin_user, data=dict(TIER))
    stale_copy = CustomFieldDefinition.objects.get(pk=definition.pk)
    definition_save(actor=admin_user, definition=definition, data={"label": "Level"})

    saved = definition_save(
        actor=admin_user,
        definition=stale_copy,
        data={"required": True},
        precondition=lambda current: None,
    )

    fresh = CustomFieldDefinition.objects.get(pk=definition.pk)
    assert (fresh.label, fresh.required) == (saved.label, saved.required) == ("Level", True)
    assert (stale_copy.label, stale_copy.required) == ("Tier", False)


def test_delete_refused_by_its_precondition_deletes_nothing(admin_user):
    definition = definition_save(actor=admin_user, data=dict(TIER))
    seen: list[str] = []

    with pytest.raises(Stale):
        definition_delete(actor=admin_user, definition=definition, precondition=refuse(seen))

    assert seen == ["Tier"]
    assert CustomFieldDefinition.objects.filter(pk=definition.pk).exists()


def test_a_refusal_answers_before_the_precondition(admin_user, member):
    definition = definition_save(actor=admin_user, data=dict(TIER))
    seen: list[str] = []

    with pytest.raises(PermissionDenied):
        definition_save(
            actor=member, definition=definition, data={"label": "X"}, precondition=refuse(seen)
        )
    with pytest.raises(PermissionDenied):
        definition_delete(actor=member, definition=definition, precondition=refuse(seen))

    assert seen == []
    assert CustomFieldDefinition.objects.get(pk=definition.pk).label == "Tier"
