"""Forms of the import and export screens. They only check the shape of the input; the import
and export services decide (and say what is wrong, field by field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rubrica.dataio.exporting import FORMATS as EXPORT_FORMATS
from rubrica.dataio.tabular.targets import (
    ADDRESS_PARTS,
    FIELDS,
    LISTS,
    ORGANIZATION_PARTS,
)

POLICY_CHOICES = [
    ("create", _("Create a new person for every record")),
    ("update", _("Update the matching person")),
    ("skip", _("Skip records that match someone")),
]
MATCH_CHOICES = [
    ("email", _("Email address")),
    ("phone", _("Phone number")),
    ("uid", _("UID (vCard)")),
    ("external_id", _("External id column")),
]
FORMAT_CHOICES = [
    ("", _("Detect from the file")),
    ("vcard", "vCard (.vcf)"),
    ("csv", "CSV"),
    ("xlsx", "Excel (.xlsx)"),
    ("json", "JSON"),
]
EXPORT_LABELS = {
    "csv": _("CSV (Rubrica columns)"),
    "csv-google": _("CSV for Google Contacts"),
    "xlsx": _("Excel (.xlsx)"),
    "vcard3": _("vCard 3.0 (Apple, Google)"),
    "vcard4": _("vCard 4.0"),
    "json": _("JSON"),
}


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("vCard, CSV, Excel (.xlsx) or JSON."))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)
    encoding = forms.CharField(
        label=_("Text encoding"),
        required=False,
        max_length=40,
        help_text=_("Leave empty to detect it (UTF-8, Windows code pages...)."),
    )

    def clean_encoding(self) -> str:
        from rubrica.dataio.imports.services import is_text_encoding

        value = str(self.cleaned_data.get("encoding") or "").strip()
        if value and not is_text_encoding(value):
            raise forms.ValidationError(_("Unknown encoding %(name)s.") % {"name": value})
        return value


class OptionsForm(forms.Form):
    on_duplicate = forms.ChoiceField(
        label=_("When a record matches someone"),
        choices=POLICY_CHOICES,
        initial="update",
        widget=forms.RadioSelect,
    )
    match = forms.ChoiceField(label=_("Match on"), choices=MATCH_CHOICES, initial="email")


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=[(f, EXPORT_LABELS[f]) for f in EXPORT_FORMATS]
    )


def target_choices(
    custom_keys: list[str], current: list[str], purpose_keys: list[str] | None = None
) -> list[tuple[str, str]]:
    """What a column can become, for the mapping selects: every field, list and organization
    part, the first entries of each collection, each custom field, the answer per consent
    purpose and channel, and whatever the proposed mapping already uses."""
    choices: list[tuple[str, Any]] = [("ignore", _("— ignore —"))]
    choices += [("full_name", _("full name")), ("external_id", _("external id"))]
    choices += [(name, name.replace("_", " ")) for name in (*FIELDS, *LISTS)]
    choices += [(f"organization.{p}", f"organization {p}") for p in ORGANIZATION_PARTS]
    for n in (1, 2, 3):
        for kind in ("emails", "phones", "urls", "profiles"):
            for part in ("value", "label"):
                choices.append((f"{kind}[{n}].{part}", f"{kind[:-1]} {n} {part}"))
    for n in (1, 2):
        for part in (*ADDRESS_PARTS, "formatted", "label"):
            choices.append((f"addresses[{n}].{part}", f"address {n} {part.replace('_', ' ')}"))
    choices += [(f"custom_fields.{key}", f"custom field: {key}") for key in custom_keys]
    choices += [
        (f"purpose.{key}.{channel}", f"consent: {key} ({channel})")
        for key in purpose_keys or ()
        for channel in ("email", "sms")
    ]
    known = {value for value, _label in choices}
    choices += [(target, target) for target in current if target not in known]
    return choices
