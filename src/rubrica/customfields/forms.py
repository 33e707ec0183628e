"""The form of a custom field definition. Rules (choices needed, valid pattern, key format) are
checked by ``definition_save``; this form parses the text inputs into the service's data shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rubrica.customfields.models import CustomFieldDefinition, FieldType, key_validator
from rubrica.customfields.protection import BUILTIN_FIELDS, role_choices
from rubrica.customfields.types import DefinitionInput
from rubrica.kits.web.forms import BootstrapMixin, LocalDateInput, ServiceForm


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
    identifying = forms.BooleanField(
        label=_("Identifying"),
        required=False,
        help_text=_(
            "A number or code that belongs to one record only (a tax or membership number): "
            "the duplicate scan compares it."
        ),
    )

    sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_(
            "Stored encrypted; hidden from everyone but administrators and the roles chosen "
            "below, in pages, the API, search, exports and history."
        ),
    )
    read_roles = forms.MultipleChoiceField(
        label=_("Roles that may read it"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    edit_roles = forms.MultipleChoiceField(
        label=_("Roles that may change it"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, entity: str, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        self.creating = creating
        for name in ("read_roles", "edit_roles"):
            self.fields[name].choices = role_choices()  # type: ignore[attr-defined]
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
            "identifying": definition.identifying,
            "sensitive": definition.sensitive,
            "read_roles": list(definition.read_roles or []),
            "edit_roles": list(definition.edit_roles or []),
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

    def service_data(self) -> DefinitionInput:
        cleaned = self.cleaned_data
        data: DefinitionInput = {
            "label": cleaned["label"],
            "field_type": cleaned["field_type"],
            "required": cleaned["required"],
            "choices": cleaned["choices"],
            "pattern": cleaned["pattern"],
            "help_text": cleaned["help_text"],
            "position": cleaned["position"],
            "show_in_list": cleaned["show_in_list"],
            "identifying": cleaned["identifying"],
            "sensitive": cleaned["sensitive"],
            "read_roles": list(cleaned["read_roles"]),
            "edit_roles": list(cleaned["edit_roles"]),
        }
        if self.creating:
            data["key"] = cleaned["key"]
            data["entity"] = self.entity
        return data


# Custom fields -----------------------------------------------------------------------------

_BOOLEAN_CHOICES = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


def custom_formfield(definition: CustomFieldDefinition, *, for_filter: bool = False) -> forms.Field:
    """A form field for one definition. Never required here: the service reports a missing
    required value with the other errors (so nothing is checked twice, differently)."""
    kind = definition.field_type
    common: dict[str, Any] = {
        "label": definition.label,
        "required": False,
        "help_text": "" if for_filter else definition.help_text,
    }
    html: dict[str, Any] = {}
    if definition.required and not for_filter and kind != FieldType.MULTI_CHOICE:
        html["required"] = True
    if kind == FieldType.BOOLEAN:
        return forms.ChoiceField(
            choices=_BOOLEAN_CHOICES, widget=forms.Select(attrs=html), **common
        )
    if kind == FieldType.CHOICE or (for_filter and kind == FieldType.MULTI_CHOICE):
        choices = [("", "—"), *((choice, choice) for choice in definition.choices)]
        return forms.ChoiceField(choices=choices, widget=forms.Select(attrs=html), **common)
    if kind == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(choice, choice) for choice in definition.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    widgets: dict[str, forms.Widget] = {
        FieldType.LONG_TEXT: forms.Textarea(attrs={"rows": 3, **html}),
        FieldType.NUMBER: forms.NumberInput(attrs={"step": "1", **html}),
        FieldType.DECIMAL: forms.NumberInput(attrs={"step": "any", **html}),
        FieldType.DATE: LocalDateInput(attrs=html),
        FieldType.URL: forms.TextInput(attrs={"inputmode": "url", **html}),
        FieldType.EMAIL: forms.EmailInput(attrs=html),
        FieldType.PHONE: forms.TextInput(attrs={"type": "tel", **html}),
    }
    widget: forms.Widget = forms.TextInput(attrs=html)
    if not for_filter or kind in (FieldType.DATE, FieldType.NUMBER, FieldType.DECIMAL):
        widget = widgets.get(kind, widget)
    return forms.CharField(widget=widget, strip=True, **common)


def custom_initial(definition: CustomFieldDefinition, value: Any) -> Any:
    if value is None:
        return None
    if definition.field_type == FieldType.BOOLEAN:
        return "true" if value is True else "false" if value is False else str(value)
    if definition.field_type == FieldType.MULTI_CHOICE:
        return list(value) if isinstance(value, list) else [value]
    return str(value)


def custom_value(definition: CustomFieldDefinition, raw: Any) -> Any:
    """Form input -> service value; empty means "remove" (None)."""
    if definition.field_type == FieldType.MULTI_CHOICE:
        return list(raw or [])
    text = (raw or "").strip() if isinstance(raw, str) else raw
    return text if text not in ("", None) else None


class CustomFieldsForm(ServiceForm):
    """A ServiceForm whose record carries custom fields: one input per definition (``cf_<key>``),
    read back as the ``custom_fields`` dict the services validate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definitions: list[CustomFieldDefinition] = []

    def add_custom_fields(
        self, definitions: Sequence[CustomFieldDefinition], current: Mapping[str, Any] | None
    ) -> None:
        self.definitions = list(definitions)
        for definition in self.definitions:
            name = f"cf_{definition.key}"
            self.fields[name] = custom_formfield(definition)
            if current is not None:
                self.initial[name] = custom_initial(definition, current.get(definition.key))

    def custom_fields_data(self) -> dict[str, Any]:
        return {
            d.key: custom_value(d, self.cleaned_data.get(f"cf_{d.key}")) for d in self.definitions
        }


class ProtectedFieldForm(BootstrapMixin, forms.Form):
    """One built-in field's protection on the "Protected fields" settings page."""

    sensitive = forms.BooleanField(label=_("Sensitive"), required=False)
    read_roles = forms.MultipleChoiceField(
        label=_("Roles that may read it"), required=False, widget=forms.CheckboxSelectMultiple
    )
    edit_roles = forms.MultipleChoiceField(
        label=_("Roles that may change it"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, entity: str, field_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        self.field_name = field_name
        self.label = dict(BUILTIN_FIELDS[entity])[field_name]
        for name in ("read_roles", "edit_roles"):
            self.fields[name].choices = role_choices()  # type: ignore[attr-defined]
