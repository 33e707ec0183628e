"""The segment form: name, description, kind, sharing, and (for a saved search) the people list's
own filter panel, so a segment's filters are edited with exactly the inputs the list shows.

The filter inputs carry the prefix ``filter-`` (``filter-tag``, ``filter-city``...) so they never
collide with the segment's own fields; ``filter_params`` turns them back into list parameters.
Like every ServiceForm, it checks shapes only: segments.services validates the content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from rubrica.accounts.models import Team, User
from rubrica.contacts.forms import ContactFilterForm
from rubrica.core.models import Action, Visibility
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.kits.web.forms import ServiceForm, set_choices
from rubrica.organizations.forms import organization_ref, resolve_organization
from rubrica.organizations.models import Organization
from rubrica.segments.models import Segment, SegmentKind
from rubrica.segments.services import is_filter_key
from rubrica.segments.types import SegmentInput
from rubrica.taxonomy.models import LifecycleStage, Tag

FILTER_PREFIX = "filter"
#: Filters with several ids at once (the API and the CLI allow it) get a multiple select here,
#: so editing a segment in the browser never drops one of them.
MULTI_SELECT_KEYS = ("tag", "stage", "owner", "team")


class SegmentForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=SegmentKind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A saved search is re-evaluated every time it is used; a saved selection keeps "
            "exactly the people added to it."
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Shared with"),
        choices=[
            (Visibility.PRIVATE, _("Only me")),
            (Visibility.TEAM, _("My team")),
            (Visibility.EVERYONE, _("Everyone")),
        ],
        help_text=_(
            "Sharing shares the segment, not the people: each person sees only the people "
            "they may see anyway."
        ),
    )
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, *args: Any, user: User, segment: Segment | None = None, **kwargs: Any):
        if segment is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": segment.name,
                    "description": segment.description,
                    "kind": segment.kind,
                    "visibility": segment.visibility,
                    "team": str(segment.team_id or ""),
                },
            )
        super().__init__(*args, **kwargs)
        self.segment = segment
        # the user's teams, and the segment's own (someone it is shared with may edit it
        # without belonging to its team)
        mine = Q(members=user) | Q(pk=segment.team_id if segment is not None else None)
        teams = Team.objects.all() if user.is_administrator else Team.objects.filter(mine)
        teams = teams.distinct().order_by("name")
        set_choices(self, "team", [("", "—"), *((str(t.pk), t.name) for t in teams)])
        if segment is not None:
            del self.fields["kind"]
        else:
            self.fields["kind"].initial = SegmentKind.DYNAMIC
            self.fields["visibility"].initial = Visibility.PRIVATE
        self.style()
        if "kind" in self.fields:
            self.fields["kind"].widget.attrs["class"] = "form-check-input"

    def to_data(self) -> SegmentInput:
        data: SegmentInput = {
            "name": self.cleaned_data["name"],
            "description": self.cleaned_data["description"],
            "visibility": self.cleaned_data["visibility"],
            "team": int(self.cleaned_data["team"]) if self.cleaned_data.get("team") else None,
        }
        if "kind" in self.cleaned_data:
            data["kind"] = self.cleaned_data["kind"]
        return data


def filter_form(data: QueryDict, user: User) -> ContactFilterForm:
    """The people list's filter panel under the ``filter-`` prefix, showing ``data``."""
    definitions = list(CustomFieldDefinition.objects.filter(entity=Entity.CONTACT))
    form = ContactFilterForm(
        data,
        prefix=FILTER_PREFIX,
        definitions=definitions,
        tags=list(Tag.objects.all()),
        stages=list(LifecycleStage.objects.all()),
        users=list(User.objects.filter(is_active=True).order_by("username")),
    )
    for key in MULTI_SELECT_KEYS:
        field = form.fields[key]
        assert isinstance(field, forms.ChoiceField)
        current: Any = field.choices
        choices: list[tuple[Any, Any]] = [(value, label) for value, label in current if value != ""]
        form.fields[key] = forms.MultipleChoiceField(
            label=field.label,
            required=False,
            choices=choices,
            widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm", "size": 4}),
        )
    return form


def prefixed(params: Mapping[str, list[str]]) -> QueryDict:
    """List parameters (``tag``: [...]) as the prefixed data of the filter panel."""
    data = QueryDict(mutable=True)
    for key, values in params.items():
        data.setlist(f"{FILTER_PREFIX}-{key}", [str(value) for value in values])
    return data


def list_params(source: QueryDict) -> dict[str, list[str]]:
    """The filter parameters of the people list found in ``source`` (its query string)."""
    return {
        key: [value for value in source.getlist(key) if value.strip()]
        for key in source
        if is_filter_key(key) and any(value.strip() for value in source.getlist(key))
    }


def posted_filters(post: QueryDict) -> dict[str, list[str]]:
    """The filter panel's inputs from a POST, as list parameters (prefix removed)."""
    head = f"{FILTER_PREFIX}-"
    out: dict[str, list[str]] = {}
    for key in post:
        if key.startswith(head):
            values = [value for value in post.getlist(key) if value.strip()]
            if values:
                out[key[len(head) :]] = values
    return out


def resolve_organizations(
    user: User, params: dict[str, list[str]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Organizations typed as names ("Name (#id)", an id or an exact name) turned into ids, as
    the people list does; an unknown name is a ``filters.organization`` error."""
    out: dict[str, Any] = dict(params)
    errors: dict[str, str] = {}
    if "organization" in params:
        ids = []
        for text in params["organization"]:
            organization, error = resolve_organization(user, text)
            if organization is None:
                errors["filters.organization"] = error
            else:
                ids.append(organization.pk)
        out["organization"] = ids
    return out, errors


def stored_as_params(user: User, filters: Mapping[str, Any]) -> dict[str, list[str]]:
    """A segment's stored filters as list parameters for the panel (organizations by name)."""
    params: dict[str, list[str]] = {}
    for key, value in filters.items():
        values = value if isinstance(value, list) else [value]
        params[key] = [str(item) for item in values]
    if "organization" in params:
        visible = {
            org.pk: org
            for org in Organization.objects.restrict(user, Action.VIEW).filter(
                pk__in=[int(pk) for pk in params["organization"] if pk.isdigit()]
            )
        }
        params["organization"] = [
            organization_ref(visible[int(pk)]) if pk.isdigit() and int(pk) in visible else pk
            for pk in params["organization"]
        ]
    return params
