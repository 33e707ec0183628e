"""Forms of the list settings (tags, lifecycle stages, organization kinds). The services check
uniqueness and permissions; these forms only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rubrica.kits.web.forms import BootstrapMixin


class TagForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Tag name")}),
    )
    color = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#6c757d",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("Use a colour like #1a2b3c.")},
    )


class ChoiceForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=32767,
        required=False,
        help_text=_("Lower numbers come first. Leave empty to add at the end."),
    )
