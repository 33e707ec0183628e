"""The form of a custom field definition. Rules (choices needed, valid pattern, key format) are
checked by ``definition_save``; this form parses the text inputs into the service's data shape."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rubrica.accounts.forms import BootstrapMixin
from rubrica.customfields.models import CustomFieldDefinition, FieldType, key_validator


class DefinitionForm(BootstrapMixin, forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        validators=[key_validator],
        help_text=_(
            "Names the value in exports and the API. Lower-case letters, digits and underscores; "
            "it cannot be changed later."
        ),
    )
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For choice and multiple choice fields: one choice per line."),
    )
    pattern = forms.CharField(
        label=_("Validation pattern"),
        max_length=200,
        required=False,
        help_text=_("For text fields: a regular expression the whole value must match."),
    )
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0)
    show_in_list = forms.BooleanField(label=_("Offer as list column"), required=False, initial=True)

    def __init__(self, *args: Any, entity: str, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        self.creating = creating
        if not creating:
            del self.fields["key"]

    @classmethod
    def initial_for(cls, definition: CustomFieldDefinition) -> dict[str, Any]:
        return {
            "label": definition.label,
            "field_type": definition.field_type,
            "required": definition.required,
            "choices": "\n".join(definition.choices or []),
            "pattern": definition.pattern,
            "help_text": definition.help_text,
            "position": definition.position,
            "show_in_list": definition.show_in_list,
        }

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"].strip()
        exists = CustomFieldDefinition.objects.filter(entity=self.entity, key=key).exists()
        if exists:
            raise forms.ValidationError(_("Another field already uses this key."))
        return key

    def clean_choices(self) -> list[str]:
        text: str = self.cleaned_data.get("choices") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.creating:
            data["entity"] = self.entity
        return data
