"""The organization form: browser input -> the OrganizationInput of organization_create/_update."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from rubrica.accounts.models import Team, User
from rubrica.core.ids import parse_id
from rubrica.core.models import Action, Visibility
from rubrica.core.types import AddressInput, PhoneInput
from rubrica.customfields.forms import CustomFieldsForm, custom_formfield
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.customfields.protection import field_access, open_custom
from rubrica.customfields.services import definitions_for
from rubrica.kits.web.forms import (
    ADDRESSES,
    DATE,
    PHONES,
    join_commas,
    set_choices,
    split_commas,
    style_filter_form,
)
from rubrica.organizations.models import Organization, OrganizationSize
from rubrica.organizations.selectors import organizations_named
from rubrica.organizations.services import snapshot
from rubrica.organizations.types import OrganizationInput
from rubrica.taxonomy.models import OrganizationKind, Tag

ORG_REF = re.compile(r"\(#(\d+)\)\s*$")
COLLECTION_SPECS = (PHONES, ADDRESSES)
SHARING_NAMES = ("owner", "team", "visibility")


def organization_ref(organization: Organization) -> str:
    """How a suggestion names an organization so that equal names stay distinguishable."""
    return f"{organization.name} (#{organization.pk})"


def resolve_organization(user: User, text: str) -> tuple[Organization | None, str]:
    """An organization the user may view, from what they typed: "Name (#id)" (as the
    suggestions offer), a bare id, or an exact name. Returns (organization, error message).
    Only organizations the user may view are found, so the answer leaks nothing."""
    text = (text or "").strip()
    if not text:
        return None, ""
    visible = Organization.objects.restrict(user, Action.VIEW)
    match = ORG_REF.search(text)
    if match or text.isdigit():
        pk = parse_id(match.group(1) if match else text)
        organization = visible.filter(pk=pk).first() if pk else None
        if organization is not None:
            return organization, ""
        return None, str(_("There is no such organization."))
    found = list(organizations_named(visible, text)[:2])
    if len(found) == 1:
        return found[0], ""
    if found:
        return None, str(_("Several organizations have this name; pick one from the list."))
    return None, str(_("There is no organization with this name."))


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, **kwargs)


class OrganizationForm(CustomFieldsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = _text(_("Name"), widget=forms.TextInput(attrs={"autocomplete": "off"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    industry = _text(_("Industry"))
    size = forms.ChoiceField(label=_("Size"), choices=OrganizationSize.choices, required=False)
    website = _text(_("Website"), widget=forms.TextInput(attrs={"inputmode": "url"}))
    email_domains = _text(
        _("Email domains"), help_text=_("Separate several with commas: example.org, example.com.")
    )
    parent = _text(
        _("Parent organization"),
        widget=forms.TextInput(attrs={"list": "organization-suggestions", "autocomplete": "off"}),
    )
    tags = _text(
        _("Tags"),
        help_text=_("Separate several with commas."),
        widget=forms.TextInput(attrs={"list": "tag-suggestions", "autocomplete": "off"}),
    )
    notes = _text(_("Notes"), widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    visibility = forms.ChoiceField(
        label=_("Visible to"), choices=Visibility.choices, required=False
    )

    def __init__(
        self, *args: Any, user: User, organization: Organization | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.organization = organization
        self.parent_id: int | None = None
        #: a parent this user cannot see (or in the Trash) is kept, never silently cleared
        self.keep_hidden_parent = False
        current = snapshot(organization) if organization is not None else None
        if organization is not None and not self.is_bound:
            self.initial.update(
                version=organization.version,
                name=organization.name,
                kind=str(organization.kind_id or ""),
                industry=organization.industry,
                size=organization.size,
                website=organization.website,
                email_domains=join_commas(organization.email_domains),
                tags=join_commas(current["tags"] if current else []),
                notes=organization.notes,
                owner=str(organization.owner_id),
                team=str(organization.team_id or ""),
                visibility=organization.visibility,
            )
        if organization is not None and organization.parent_id:
            parent = (
                Organization.objects.restrict(user, Action.VIEW)
                .filter(pk=organization.parent_id)
                .first()
            )
            if parent is None:
                self.keep_hidden_parent = True
            elif not self.is_bound:
                self.initial["parent"] = organization_ref(parent)
        if organization is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True
        set_choices(
            self,
            "kind",
            [
                ("", "—"),
                *((str(kind.pk), kind.label) for kind in OrganizationKind.objects.all()),
            ],
        )
        self._sharing_fields(organization)
        # Protected fields the user may not change are not on the form at all, and to_data()
        # leaves them out, so saving keeps their values (ADR 0027).
        access = field_access(user, Entity.ORGANIZATION)
        self.locked_fields = access.locked
        for name in access.locked:
            if name in self.fields:
                del self.fields[name]
        self.add_custom_fields(
            access.editable_custom(definitions_for(Entity.ORGANIZATION)),
            open_custom(access, organization.custom_fields) if organization else None,
        )
        self.add_collections(COLLECTION_SPECS, current)
        self.style()

    def _sharing_fields(self, organization: Organization | None) -> None:
        user = self.user
        may_share = (
            user.is_administrator or organization is None or organization.owner_id == user.pk
        )
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
            team = organization.team if organization is not None else None
            if team is not None and team not in teams:
                teams.append(team)
        set_choices(self, "team", [("", "—"), *((str(t.pk), t.name) for t in teams)])
        if organization is None:
            self.initial.setdefault("visibility", Visibility.EVERYONE)
            self.initial.setdefault("owner", str(user.pk))

    def clean_parent(self) -> str:
        text: str = self.cleaned_data.get("parent", "")
        parent, error = resolve_organization(self.user, text)
        if error:
            raise forms.ValidationError(error)
        self.parent_id = parent.pk if parent is not None else None
        return text

    def to_data(self) -> OrganizationInput:
        """The service input for everything the form shows (a full replacement of those)."""
        cleaned = self.cleaned_data
        rows = self.collections_data()
        data: OrganizationInput = {
            "name": cleaned.get("name", ""),
            "industry": cleaned.get("industry", ""),
            "website": cleaned.get("website", ""),
            "notes": cleaned.get("notes", ""),
            "size": cleaned.get("size", ""),
            "kind": int(cleaned["kind"]) if cleaned.get("kind") else None,
            "email_domains": split_commas(cleaned.get("email_domains", "")),
            "tags": split_commas(cleaned.get("tags", "")),
            "custom_fields": self.custom_fields_data(),
            # the collection editors give rows in the input shape (kits.web.forms)
            "phones": cast("list[PhoneInput]", rows["phones"]),
            "addresses": cast("list[AddressInput]", rows["addresses"]),
        }
        if self.parent_id is not None or not self.keep_hidden_parent:
            data["parent"] = self.parent_id
        for name in self.locked_fields:
            data.pop(name, None)  # type: ignore[misc]
        if "owner" in self.fields and cleaned.get("owner"):
            data["owner"] = int(cleaned["owner"])
        if "team" in self.fields:
            data["team"] = int(cleaned["team"]) if cleaned.get("team") else None
        if "visibility" in self.fields and cleaned.get("visibility"):
            data["visibility"] = cleaned["visibility"]
        return data


class OrganizationFilterForm(forms.Form):
    """The filter panel of the organization list (rendering only; OrganizationFilter parses)."""

    q = forms.CharField(label=_("Name"), required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    city = forms.CharField(label=_("City"), required=False)
    country = forms.CharField(label=_("Country"), required=False)
    created_from = forms.CharField(label=_("Created from"), required=False, widget=DATE)
    created_to = forms.CharField(label=_("Created until"), required=False, widget=DATE)
    updated_from = forms.CharField(label=_("Updated from"), required=False, widget=DATE)
    updated_to = forms.CharField(label=_("Updated until"), required=False, widget=DATE)

    def __init__(self, *args: Any, definitions: Sequence[CustomFieldDefinition], **kwargs: Any):
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        set_choices(
            self,
            "tag",
            [
                *any_choice,
                *((str(t.pk), t.name) for t in Tag.objects.all()),
            ],
        )
        set_choices(
            self,
            "kind",
            [
                *any_choice,
                *((str(k.pk), k.label) for k in OrganizationKind.objects.all()),
            ],
        )
        users = User.objects.filter(is_active=True).order_by("username")
        set_choices(
            self,
            "owner",
            [
                ("", _("Anyone")),
                *((str(u.pk), u.get_username()) for u in users),
            ],
        )
        set_choices(self, "team", [*any_choice, *((str(t.pk), t.name) for t in Team.objects.all())])
        for definition in definitions:
            if definition.sensitive:  # never a filter: it would find values one cannot read
                continue
            self.fields[f"cf_{definition.key}"] = custom_formfield(definition, for_filter=True)
        style_filter_form(self)
