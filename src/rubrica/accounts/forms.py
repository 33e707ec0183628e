"""Forms of the settings pages. They only parse and present input; the services validate the
rules and write, and their ValidationErrors are put back on the fields with ``add_service_errors``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rubrica.accounts import scopes as token_scopes
from rubrica.accounts.models import AccessRole, DateStyle, Density, HomePage, Theme, User
from rubrica.accounts.types import UserInput
from rubrica.core.policies import Action
from rubrica.kits.web.forms import BootstrapMixin


class RoleChoiceField(forms.ModelChoiceField[AccessRole]):
    def label_from_instance(self, obj: AccessRole) -> str:
        return obj.label


class RolesChoiceField(forms.ModelMultipleChoiceField[AccessRole]):
    def label_from_instance(self, obj: AccessRole) -> str:
        return obj.label


def _role_field() -> RolesChoiceField:
    return RolesChoiceField(
        label=_("Roles"),
        queryset=AccessRole.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="key",
        help_text=_("The most permissive grant of the roles held (and of the user's teams) wins."),
    )


class RolesFieldMixin:
    """Fills the ``roles`` field's choices when the form is made (the roles are rows)."""

    fields: dict[str, forms.Field]

    def _fill_roles(self) -> None:
        from rubrica.accounts.selectors import role_choices

        field = self.fields["roles"]
        assert isinstance(field, RolesChoiceField)
        field.queryset = role_choices()


class UserCreateForm(RolesFieldMixin, BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate a one-time password that is shown once."),
    )
    roles = _role_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fill_roles()
        self.fields["roles"].initial = ["sales"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = User(
                username=cleaned.get("username", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class UserUpdateForm(RolesFieldMixin, BootstrapMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    roles = _role_field()
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Inactive users cannot log in or use API tokens; their records stay theirs."),
    )

    def to_data(self) -> UserInput:
        """The service input of the valid form."""
        cleaned = self.cleaned_data
        return {
            "first_name": cleaned["first_name"],
            "last_name": cleaned["last_name"],
            "email": cleaned["email"],
            "roles": [role.key for role in cleaned["roles"]],
            "is_active": cleaned["is_active"],
        }

    @classmethod
    def initial_for(cls, user: User) -> dict[str, Any]:
        return {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "roles": list(user.roles.all()),
            "is_active": user.is_active,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fill_roles()


class TeamForm(RolesFieldMixin, BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    managers = forms.ModelMultipleChoiceField(
        label=_("Managers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Members who manage the team: with a role at “Team (private included)” they reach "
            "its members' private records. When none is ticked, every member with such a role "
            "does."
        ),
    )
    roles = _role_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = User.objects.filter(is_active=True).order_by("username")
        for name in ("members", "managers"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = active
        self._fill_roles()
        self.fields["roles"].help_text = _("Every member of the team holds these roles.")


class RoleForm(BootstrapMixin, forms.Form):
    """A role's name and description, and on creation its key and the role to copy."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            from rubrica.accounts.selectors import role_choices

            self.fields["key"] = forms.CharField(
                label=_("Key"),
                max_length=40,
                help_text=_("A short, stable name of letters, digits and underscores."),
            )
            copy = RoleChoiceField(
                label=_("Start from the grants of"),
                queryset=role_choices(),
                required=False,
                empty_label=_("No grants"),
                to_field_name="key",
            )
            copy.widget.attrs["class"] = "form-select"
            self.fields["copy_of"] = copy
            self.order_fields(["key", "name", "description", "copy_of"])


class GrantMatrixForm(forms.Form):
    """One level per (entity, action) registered, named ``<entity>__<action>``."""

    def __init__(self, *args: Any, levels: dict[tuple[str, str], str], **kwargs: Any) -> None:
        from rubrica.accounts.services import grant_field
        from rubrica.core.policies import ACTION_LABELS, Level, grant_entities

        super().__init__(*args, **kwargs)
        self.pairs = {}
        self.rows: list[tuple[Any, list[Any]]] = []
        for entity in sorted(grant_entities, key=lambda e: (e.position, e.key)):
            cells: list[Any] = []
            for action in Action.GRANTABLE:
                if action not in entity.actions:
                    cells.append(None)
                    continue
                name = grant_field(entity.key, action)
                self.fields[name] = forms.ChoiceField(
                    label=format_lazy(
                        "{entity}: {action}", entity=entity.label, action=ACTION_LABELS[action]
                    ),
                    choices=Level.choices,
                    initial=levels.get((entity.key, action), Level.NONE),
                )
                self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
                self.pairs[name] = (entity.key, action)
                cells.append(name)
            self.rows.append((entity, cells))

    pairs: dict[str, tuple[str, str]]

    def levels(self) -> dict[tuple[str, str], str]:
        return {self.pairs[name]: value for name, value in self.cleaned_data.items()}

    def matrix(self) -> list[tuple[Any, list[Any]]]:
        """Rows of (entity, [bound field or None per grantable action]) for the template."""
        return [
            (entity, [self[name] if name else None for name in cells])
            for entity, cells in self.rows
        ]


TOKEN_LIFETIMES = [
    ("", _("Never expires")),
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
]


class TokenCreateForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Phone sync” or “Reporting script”."),
    )
    lifetime = forms.ChoiceField(label=_("Expires"), choices=TOKEN_LIFETIMES, required=False)
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[
            ("read", _("Read only, every area")),
            ("read,write", _("Read and write, every area")),
            ("areas", _("Only the areas chosen below")),
        ],
        initial="read",
        help_text=_(
            "A token never does more than you may do; a read-only token cannot change anything."
        ),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Areas"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used with “Only the areas chosen below”. Writing does not include reading."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["scopes"], scope_choices())

    def chosen_scopes(self) -> list[str]:
        """The scopes to give the token, from a valid form."""
        access = self.cleaned_data["access"]
        if access == "areas":
            return list(self.cleaned_data["scopes"])
        return str(access).split(",")


def scope_choices() -> list[tuple[str, str]]:
    """Every per-area scope with its label, e.g. "Tasks: write (tasks:write)"."""
    choices: list[tuple[str, str]] = []
    for area, label in token_scopes.AREAS.items():
        choices.append((f"{area}:read", _("%(area)s: read") % {"area": label}))
        choices.append((f"{area}:write", _("%(area)s: write") % {"area": label}))
    choices.append((token_scopes.ADMIN, str(_("Administration: team settings (read and write)"))))
    return [(value, f"{label} ({value})") for value, label in choices]


class StyledPasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    pass


# Team and personal settings (ADR 0021) --------------------------------------------------------


def _choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _zone_choices() -> list[tuple[str, str]]:
    import zoneinfo

    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


def country_choices() -> list[tuple[str, str]]:
    """Every region phonenumbers knows, named in the current language (Babel's territory
    names), sorted by name."""
    import phonenumbers
    from babel import Locale
    from django.utils.translation import get_language, to_locale

    try:
        names = Locale.parse(to_locale(get_language() or "en")).territories
    except (ValueError, LookupError):
        names = Locale("en").territories
    regions = [
        (code, f"{names.get(code, code)} ({code})") for code in phonenumbers.SUPPORTED_REGIONS
    ]
    return sorted(regions, key=lambda pair: pair[1])


class TeamSettingsForm(BootstrapMixin, forms.Form):
    country = forms.ChoiceField(
        label=_("Default country"),
        required=False,
        help_text=_(
            "Phone numbers typed without a country code are read as numbers of this country."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["country"], [("", _("None chosen")), *country_choices()])


class PersonalSettingsForm(BootstrapMixin, forms.Form):
    """The personal settings; the lists' default columns and sort are added per registered
    list (``accounts.services.LIST_CHOICES``) as ``<list>_columns`` and ``<list>_sort``."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    date_style = forms.ChoiceField(label=_("Dates"), choices=DateStyle.choices)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    density = forms.ChoiceField(label=_("Density"), choices=Density.choices)
    home_page = forms.ChoiceField(label=_("Home page"), choices=HomePage.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings
        from django.utils.translation import get_language_info

        super().__init__(*args, **kwargs)
        _choices(
            self.fields["language"],
            [
                ("", _("As my browser asks")),
                *[
                    (code, get_language_info(code)["name_local"])
                    for code, _name in settings.LANGUAGES
                ],
            ],
        )
        _choices(
            self.fields["time_zone"],
            [
                ("", _("The site's (%(zone)s)") % {"zone": settings.TIME_ZONE}),
                *_zone_choices(),
            ],
        )
        from rubrica.accounts.services import LIST_CHOICES

        for choices in LIST_CHOICES.values():
            self.fields[f"{choices.name}_columns"] = forms.MultipleChoiceField(
                label=format_lazy(_("{list}: default columns"), list=choices.label),
                choices=choices.columns,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("None chosen: the list's usual columns."),
            )
            self.fields[f"{choices.name}_sort"] = forms.ChoiceField(
                label=format_lazy(_("{list}: default sort"), list=choices.label),
                choices=[("", _("The list's usual sort")), *choices.sorts],
                required=False,
            )
            self.fields[f"{choices.name}_sort"].widget.attrs["class"] = "form-select"
        self.fields["date_style"].help_text = _(
            "With the Persian calendar, dates are shown as Jalali dates and are still typed as "
            "Gregorian ones."
        )


def list_defaults_initial(columns: dict[str, Any], sort: dict[str, Any]) -> dict[str, Any]:
    """The form's initial ``<list>_columns``/``<list>_sort`` values from the stored settings."""
    initial: dict[str, Any] = {}
    for name, keys in (columns or {}).items():
        initial[f"{name}_columns"] = keys
    for name, key in (sort or {}).items():
        initial[f"{name}_sort"] = key
    return initial


def list_defaults_data(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The services' ``list_columns``/``list_sort`` from the form, other fields unchanged."""
    from rubrica.accounts.services import LIST_CHOICES

    data = dict(cleaned)
    columns: dict[str, list[str]] = {}
    sorts: dict[str, str] = {}
    for name in LIST_CHOICES:
        chosen = data.pop(f"{name}_columns", None)
        sort = data.pop(f"{name}_sort", None)
        if chosen:
            columns[name] = list(chosen)
        if sort:
            sorts[name] = sort
    data["list_columns"], data["list_sort"] = columns, sorts
    return data
