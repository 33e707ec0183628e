"""Settings pages for custom field definitions."""

from __future__ import annotations

from django.urls import reverse

from rubrica.customfields.models import CustomFieldDefinition, Entity, FieldType
from rubrica.customfields.services import definition_save


def _field_data(**overrides):
    data = {
        "label": "Size",
        "key": "size",
        "field_type": FieldType.CHOICE,
        "choices": "Small\r\n\r\n  Large  \r\nSmall",
        "pattern": "",
        "help_text": "",
        "position": "0",
        "show_in_list": "on",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_choice_field_with_one_choice_per_line(admin_client):
    response = admin_client.post(
        reverse("settings:field_create", args=[Entity.ORGANIZATION]), _field_data()
    )

    assert response.status_code == 302
    definition = CustomFieldDefinition.objects.get()
    assert (definition.entity, definition.key, definition.label) == ("organization", "size", "Size")
    assert definition.choices == ["Small", "Large"]
    assert definition.show_in_list is True
    assert definition.required is False
    listing = admin_client.get(reverse("settings:fields") + "?entity=organization")
    assert "Small, Large" in listing.content.decode()


def test_invalid_pattern_error_is_shown_next_to_the_field(admin_client):
    response = admin_client.post(
        reverse("settings:field_create", args=[Entity.CONTACT]),
        _field_data(field_type=FieldType.TEXT, choices="", pattern="[a-z"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["pattern"] == ["This is not a valid regular expression."]
    assert "This is not a valid regular expression." in response.content.decode()
    assert CustomFieldDefinition.objects.count() == 0


def test_choice_field_without_choices_is_refused(admin_client):
    response = admin_client.post(
        reverse("settings:field_create", args=[Entity.CONTACT]), _field_data(choices=" \n ")
    )

    assert response.context["form"].errors["choices"] == ["List at least one choice."]
    assert CustomFieldDefinition.objects.count() == 0


def test_bad_and_duplicate_keys_are_refused(admin_client, admin_user):
    definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "size", "label": "Size", "field_type": "text"},
    )

    bad = admin_client.post(
        reverse("settings:field_create", args=[Entity.CONTACT]), _field_data(key="Bad Key")
    )
    duplicate = admin_client.post(
        reverse("settings:field_create", args=[Entity.CONTACT]), _field_data(key="size")
    )

    assert list(bad.context["form"].errors) == ["key"]
    assert duplicate.context["form"].errors["key"] == ["Another field already uses this key."]
    assert CustomFieldDefinition.objects.count() == 1


def test_edit_changes_label_but_never_the_key(admin_client, admin_user):
    definition = definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "vat", "label": "VAT", "field_type": "text"},
    )

    response = admin_client.post(
        reverse("settings:field_edit", args=[definition.pk]),
        _field_data(
            label="VAT number",
            key="other",
            field_type="text",
            choices="",
            pattern=r"[A-Z]{2}\d+",
            position="3",
        ),
    )

    assert response.status_code == 302
    definition.refresh_from_db()
    assert (definition.key, definition.label, definition.position) == ("vat", "VAT number", 3)
    assert definition.pattern == r"[A-Z]{2}\d+"


def test_delete_asks_for_confirmation_then_deletes(admin_client, admin_user):
    definition = definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "vat", "label": "VAT", "field_type": "text"},
    )

    confirm = admin_client.get(reverse("settings:field_delete", args=[definition.pk]))
    assert confirm.status_code == 200
    assert CustomFieldDefinition.objects.count() == 1

    response = admin_client.post(reverse("settings:field_delete", args=[definition.pk]))

    assert response.status_code == 302
    assert CustomFieldDefinition.objects.count() == 0


def test_member_cannot_create_or_delete_fields(member_client, admin_user):
    definition = definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "vat", "label": "VAT", "field_type": "text"},
    )

    create = member_client.post(
        reverse("settings:field_create", args=[Entity.CONTACT]), _field_data(key="other")
    )
    delete = member_client.post(reverse("settings:field_delete", args=[definition.pk]))

    assert (create.status_code, delete.status_code) == (403, 403)
    assert list(CustomFieldDefinition.objects.values_list("key", flat=True)) == ["vat"]


def test_unknown_entity_answers_404(admin_client):
    response = admin_client.get(reverse("settings:field_create", args=["invoice"]))

    assert response.status_code == 404


def test_admin_marks_a_field_identifying(admin_client):
    """The form offers the flag the duplicate scan reads (ADR 0014); off by default."""
    form = admin_client.get(reverse("settings:field_create", args=[Entity.CONTACT]))
    assert 'name="identifying"' in form.content.decode()
    response = admin_client.post(
        reverse("settings:field_create", args=[Entity.CONTACT]),
        _field_data(
            key="ssn", label="SSN", field_type=FieldType.TEXT, choices="", identifying="on"
        ),
    )
    assert response.status_code == 302
    assert CustomFieldDefinition.objects.get(key="ssn").identifying is True
