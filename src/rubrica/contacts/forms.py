"""The person form: browser input -> the ContactInput of contact_create / contact_update."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rubrica.accounts.models import Team, User
from rubrica.contacts.models import Contact, Gender
from rubrica.contacts.services import derive_display_name, snapshot
from rubrica.contacts.types import ContactInput
from rubrica.core.models import Visibility
from rubrica.core.types import AddressInput, PhoneInput, ValueInput
from rubrica.customfields.forms import CustomFieldsForm, custom_formfield
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.customfields.protection import (
    PERSONAL_PHONES,
    field_access,
    open_custom,
    split_phones,
)
from rubrica.customfields.services import definitions_for
from rubrica.kits.web.forms import (
    ADDRESSES,
    DATE,
    EMAILS,
    PHONES,
    PROFILES,
    URLS,
    YES_NO,
    LocalDateInput,
    join_commas,
    set_choices,
    split_commas,
    style_filter_form,
)
from rubrica.organizations.forms import resolve_organization
from rubrica.organizations.models import Organization
from rubrica.organizations.types import AffiliationInput
from rubrica.taxonomy.models import LifecycleStage, Tag

TEXT_NAMES = (
    "prefix",
    "given_name",
    "additional_name",
    "family_name",
    "suffix",
    "display_name",
    "phonetic_given_name",
    "phonetic_family_name",
    "birthday",
    "anniversary",
    "title",
    "role",
    "time_zone",
    "source",
    "notes",
)
LIST_NAMES = ("nicknames", "languages", "tags")
SHARING_NAMES = ("owner", "team", "visibility")
COLLECTION_SPECS = (EMAILS, PHONES, ADDRESSES, URLS, PROFILES)


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, **kwargs)


class ContactForm(CustomFieldsForm):
    """Every editable field of a person. Sharing fields appear only for those who may change
    them (the owner, administrators; on create, owner only for administrators)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # a field named like BaseForm.prefix: the form metaclass moves it to base_fields
    prefix = _text(_("Prefix"))  # type: ignore[assignment]
    given_name = _text(_("Given name"), widget=forms.TextInput(attrs={"autocomplete": "off"}))
    additional_name = _text(_("Additional names"))
    family_name = _text(_("Family name"), widget=forms.TextInput(attrs={"autocomplete": "off"}))
    suffix = _text(_("Suffix"))
    display_name = _text(
        _("Display name"), help_text=_("Leave empty to build it from the name parts.")
    )
    nicknames = _text(_("Nicknames"), help_text=_("Separate several with commas."))
    phonetic_given_name = _text(_("Pronunciation (given)"))
    phonetic_family_name = _text(_("Pronunciation (family)"))
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    birthday = _text(
        _("Birthday"),
        help_text=_("YYYY-MM-DD, or --MM-DD without the year."),
        widget=LocalDateInput(attrs={"placeholder": "1815-12-10"}, picker=False),
    )
    anniversary = _text(
        _("Anniversary"),
        help_text=_("YYYY-MM-DD, or --MM-DD without the year."),
        widget=LocalDateInput(attrs={"placeholder": "--06-21"}, picker=False),
    )
    title = _text(_("Job title"))
    role = _text(_("Role"))
    languages = _text(_("Languages"), help_text=_("Language codes separated by commas: en, it."))
    time_zone = _text(_("Time zone"), widget=forms.TextInput(attrs={"placeholder": "Europe/Rome"}))
    stage = forms.ChoiceField(label=_("Lifecycle stage"), required=False)
    tags = _text(
        _("Tags"),
        help_text=_("Separate several with commas."),
        widget=forms.TextInput(attrs={"list": "tag-suggestions", "autocomplete": "off"}),
    )
    source = _text(_("Source"))
    notes = _text(_("Notes"), widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    visibility = forms.ChoiceField(
        label=_("Visible to"), choices=Visibility.choices, required=False
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("A JPEG, PNG, GIF or WebP image."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(self, *args: Any, user: User, contact: Contact | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.contact = contact
        current = snapshot(contact) if contact is not None else None
        if contact is not None and current is not None and not self.is_bound:
            self._fill_initial(contact, current)
        if contact is None:
            del self.fields["version"]
            del self.fields["remove_photo"]
        else:
            self.fields["version"].required = True
            if not contact.photo:
                del self.fields["remove_photo"]
        set_choices(
            self,
            "stage",
            [
                ("", "—"),
                *((str(stage.pk), stage.label) for stage in LifecycleStage.objects.all()),
            ],
        )
        self._sharing_fields(contact)
        # Protected fields the user may not change are not on the form at all, and to_data()
        # leaves them out, so saving keeps their values (ADR 0027).
        access = field_access(user, Entity.CONTACT)
        self.locked_fields = access.locked
        for name in access.locked:
            if name in self.fields:
                del self.fields[name]
        self.add_custom_fields(
            access.editable_custom(definitions_for(Entity.CONTACT)),
            open_custom(access, contact.custom_fields) if contact else None,
        )
        if current is not None and PERSONAL_PHONES in access.locked:
            # personal phones one may not change are not offered; the service keeps them
            current = {**current, "phones": split_phones(current.get("phones") or [])[0]}
        self.add_collections(
            [spec for spec in COLLECTION_SPECS if spec.kind not in access.locked], current
        )
        self.style()

    def _fill_initial(self, contact: Contact, current: dict[str, Any]) -> None:
        for name in TEXT_NAMES:
            self.initial[name] = current.get(name) or ""
        if contact.display_name == derive_display_name(current):
            self.initial["display_name"] = ""
        for name in LIST_NAMES:
            self.initial[name] = join_commas(current.get(name))
        self.initial.update(
            version=contact.version,
            gender=contact.gender,
            stage=str(contact.stage_id or ""),
            owner=str(contact.owner_id),
            team=str(contact.team_id or ""),
            visibility=contact.visibility,
        )

    def _sharing_fields(self, contact: Contact | None) -> None:
        user = self.user
        may_share = user.is_administrator or contact is None or contact.owner_id == user.pk
        if not may_share:
            for name in SHARING_NAMES:
                del self.fields[name]
            return
        if user.is_administrator:
            users = User.objects.filter(is_active=True).order_by("username")
            set_choices(self, "owner", [(str(u.pk), u.get_username()) for u in users])
            teams = list(Team.objects.all())
        else:
            del self.fields["owner"]
            teams = list(user.teams.all())
            if contact is not None and contact.team is not None and contact.team not in teams:
                teams.append(contact.team)
        set_choices(self, "team", [("", "—"), *((str(t.pk), t.name) for t in teams)])
        if contact is None:
            self.initial.setdefault("visibility", Visibility.EVERYONE)
            self.initial.setdefault("owner", str(user.pk))

    def to_data(self) -> ContactInput:
        """The service input for everything the form shows (a full replacement of those)."""
        cleaned = self.cleaned_data

        def text(name: str) -> str:
            return str(cleaned.get(name, ""))

        rows = self.collections_data()
        data: ContactInput = {
            "prefix": text("prefix"),
            "given_name": text("given_name"),
            "additional_name": text("additional_name"),
            "family_name": text("family_name"),
            "suffix": text("suffix"),
            "display_name": text("display_name"),
            "phonetic_given_name": text("phonetic_given_name"),
            "phonetic_family_name": text("phonetic_family_name"),
            "birthday": text("birthday"),
            "anniversary": text("anniversary"),
            "title": text("title"),
            "role": text("role"),
            "time_zone": text("time_zone"),
            "source": text("source"),
            "notes": text("notes"),
            "nicknames": split_commas(cleaned.get("nicknames", "")),
            "languages": split_commas(cleaned.get("languages", "")),
            "tags": split_commas(cleaned.get("tags", "")),
            "gender": cleaned.get("gender", ""),
            "stage": int(cleaned["stage"]) if cleaned.get("stage") else None,
            "custom_fields": self.custom_fields_data(),
            # the collection editors give rows in the input shape (kits.web.forms)
            "emails": cast("list[ValueInput]", rows["emails"]),
            "phones": cast("list[PhoneInput]", rows["phones"]),
            "addresses": cast("list[AddressInput]", rows.get("addresses", [])),
            "urls": cast("list[ValueInput]", rows["urls"]),
            "profiles": cast("list[ValueInput]", rows["profiles"]),
        }
        for name in self.locked_fields:
            data.pop(name, None)  # type: ignore[misc]
        if "owner" in self.fields and cleaned.get("owner"):
            data["owner"] = int(cleaned["owner"])
        if "team" in self.fields:
            data["team"] = int(cleaned["team"]) if cleaned.get("team") else None
        if "visibility" in self.fields and cleaned.get("visibility"):
            data["visibility"] = cleaned["visibility"]
        return data


class AffiliationForm(forms.Form):
    """A person's role at an organization (the organization is chosen only when adding)."""

    organization = forms.CharField(
        label=_("Organization"),
        widget=forms.TextInput(attrs={"list": "organization-suggestions", "autocomplete": "off"}),
    )
    title = forms.CharField(label=_("Title"), required=False)
    department = forms.CharField(label=_("Department"), required=False)
    start_date = forms.CharField(label=_("Start"), required=False, widget=LocalDateInput())
    end_date = forms.CharField(label=_("End"), required=False, widget=LocalDateInput())
    is_primary = forms.BooleanField(label=_("Primary"), required=False)

    def __init__(self, *args: Any, user: User, adding: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.chosen_organization: Organization | None = None
        if not adding:
            del self.fields["organization"]
        for name, field in self.fields.items():
            css = "form-check-input" if name == "is_primary" else "form-control"
            field.widget.attrs["class"] = css

    def clean_organization(self) -> str:
        text: str = self.cleaned_data.get("organization", "")
        organization, error = resolve_organization(self.user, text)
        if error:
            raise forms.ValidationError(error)
        self.chosen_organization = organization
        return text

    def to_data(self) -> AffiliationInput:
        cleaned = self.cleaned_data
        return {
            "title": cleaned.get("title", ""),
            "department": cleaned.get("department", ""),
            "start_date": cleaned.get("start_date") or None,
            "end_date": cleaned.get("end_date") or None,
            "is_primary": bool(cleaned.get("is_primary")),
        }

    def apply_service_errors(self, exc: Any) -> None:
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for key, messages in exc.message_dict.items():
            target = key if key in self.fields else None
            for message in messages:
                self.add_error(target, message)
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class ContactFilterForm(forms.Form):
    """The filter panel of the people list, for labels, ids and widgets only: it is never
    validated here — the shared ContactFilter parses the query and reports bad values."""

    q = forms.CharField(label=_("Name, email or phone"), required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    stage = forms.ChoiceField(label=_("Lifecycle stage"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    organization = forms.CharField(
        label=_("Organization"),
        required=False,
        widget=forms.TextInput(attrs={"list": "organization-suggestions", "autocomplete": "off"}),
    )
    city = forms.CharField(label=_("City"), required=False)
    country = forms.CharField(label=_("Country"), required=False)
    has_email = forms.ChoiceField(label=_("Has an email"), required=False, choices=YES_NO)
    has_phone = forms.ChoiceField(label=_("Has a phone"), required=False, choices=YES_NO)
    not_contacted_days = forms.CharField(
        label=_("Not contacted for (days)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": "0"}),
    )
    created_from = forms.CharField(label=_("Created from"), required=False, widget=DATE)
    created_to = forms.CharField(label=_("Created until"), required=False, widget=DATE)
    updated_from = forms.CharField(label=_("Updated from"), required=False, widget=DATE)
    updated_to = forms.CharField(label=_("Updated until"), required=False, widget=DATE)

    def __init__(
        self,
        *args: Any,
        definitions: Sequence[CustomFieldDefinition],
        tags: Sequence[Tag],
        stages: Sequence[LifecycleStage],
        users: Sequence[User],
        teams: Sequence[Team] | None = None,
        **kwargs: Any,
    ):
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        set_choices(self, "tag", [*any_choice, *((str(t.pk), t.name) for t in tags)])
        set_choices(self, "stage", [*any_choice, *((str(s.pk), s.label) for s in stages)])
        set_choices(
            self,
            "owner",
            [
                ("", _("Anyone")),
                *((str(u.pk), u.get_username()) for u in users),
            ],
        )
        # every team, as owner lists every user: the filter only narrows what restrict() shows
        team_list = list(Team.objects.all()) if teams is None else teams
        set_choices(self, "team", [*any_choice, *((str(t.pk), t.name) for t in team_list)])
        for definition in definitions:
            if definition.sensitive:  # never a filter: it would find values one cannot read
                continue
            self.fields[f"cf_{definition.key}"] = custom_formfield(definition, for_filter=True)
        style_filter_form(self)
        self.fields["organization"].widget.attrs.update(
            {
                "hx-get": reverse("organizations:suggest"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#organization-suggestions",
                "hx-swap": "innerHTML",
                "hx-push-url": "false",
            }
        )
