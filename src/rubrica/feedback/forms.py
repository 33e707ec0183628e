from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rubrica.feedback.services import MAX_MESSAGE


class FeedbackForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_("What worked, what did not, what you missed. The page is sent with it."),
    )
    page = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)
