"""Web pages for merging two people: pick the other person, compare them side by side, choose
the values to keep, merge; the list of recent merges with their Undo buttons.

Views only translate: both people are read through restrict() (a person the user may not see
answers 404) and the writes go through merges.services, which checks the rights to change the
kept person and to delete the other one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rubrica import search
from rubrica.contacts.models import Contact, Gender
from rubrica.contacts.selectors import contact_detail_qs
from rubrica.contacts.services import COLLECTIONS, snapshot
from rubrica.core.ids import parse_id
from rubrica.core.models import Action, Visibility
from rubrica.core.services import SHARING_FIELDS, ConflictError
from rubrica.customfields.models import CustomFieldDefinition, Entity
from rubrica.customfields.protection import FieldAccess, field_access, present
from rubrica.kits.web.access import AuthedRequest, can
from rubrica.kits.web.templatetags.rubrica_web import display, undo_tag
from rubrica.merges.models import Merge
from rubrica.merges.selectors import merge_visible_qs
from rubrica.merges.services import (
    BOTH,
    EMPTY,
    JOINABLE,
    LIST_FIELDS,
    MERGED,
    SINGLE_FIELDS,
    SURVIVOR,
    contact_merge,
    contact_unmerge,
    union_list,
    union_rows,
)
from rubrica.organizations.models import Affiliation, Organization

RECENT = 100
COLLECTION_LABELS = {
    "emails": gettext_lazy("Emails"),
    "phones": gettext_lazy("Phones"),
    "addresses": gettext_lazy("Addresses"),
    "urls": gettext_lazy("Web addresses"),
    "profiles": gettext_lazy("IM and social profiles"),
}


@dataclass
class Row:
    """One line of the comparison: a field, both values, and whether a choice is offered."""

    name: str
    label: str
    survivor: str
    merged: str
    differs: bool
    chosen: str = SURVIVOR
    union: list[str] = field(default_factory=list)
    joinable: bool = False


def _label(name: str) -> str:
    if name in COLLECTION_LABELS:
        return str(COLLECTION_LABELS[name])
    return str(getattr(Contact._meta.get_field(name), "verbose_name", name)).capitalize()


def _text(name: str, value: Any) -> str:
    if name == "gender":
        return str(dict(Gender.choices).get(value, "")) if value else "—"
    if name == "visibility":
        return str(dict(Visibility.choices).get(value, value))
    return display(value)


def _row_text(kind: str, row: dict[str, Any]) -> str:
    if kind == "addresses":
        parts = ("street", "extended", "po_box", "postal_code", "city", "region", "country")
        text = ", ".join(str(row[p]) for p in parts if row.get(p))
    else:
        text = str(row.get("value", ""))
    return f"{row['label']}: {text}" if row.get("label") else text


def comparison(
    survivor: Contact, merged: Contact, chosen: dict[str, str], access: FieldAccess
) -> tuple[list[Row], list[Row], list[Row]]:
    """Rows of single values, of lists (shown as their union) and of custom fields. Protected
    fields the user may not read are not shown (the merge keeps or fills them in); those they
    may read but not change are shown without a choice (ADR 0027)."""
    s, m = present(access, snapshot(survivor)), present(access, snapshot(merged))
    singles: list[Row] = []
    for name in SINGLE_FIELDS:
        if not access.can_read(name):
            continue
        a, b = s.get(name), m.get(name)
        if a in EMPTY and b in EMPTY:
            continue
        default = SURVIVOR if (a not in EMPTY or name in SHARING_FIELDS) else MERGED
        singles.append(
            Row(
                name=name,
                label=_label(name),
                survivor=_text(name, a),
                merged=_text(name, b),
                differs=a != b and access.can_edit(name),
                chosen=chosen.get(name, default),
                joinable=name in JOINABLE and a not in EMPTY and b not in EMPTY,
            )
        )
    lists: list[Row] = []
    for name in LIST_FIELDS:
        if s[name] or m[name]:
            union = union_list(list(s[name]), list(m[name]), fold=name == "tags")
            lists.append(
                Row(name, _label(name), display(s[name]), display(m[name]), False, union=union)
            )
    for kind in COLLECTIONS:
        if kind in s and (s[kind] or m[kind]):
            rows = union_rows(kind, s[kind], m[kind])
            lists.append(
                Row(
                    kind,
                    _label(kind),
                    "\n".join(_row_text(kind, r) for r in s[kind]) or "—",
                    "\n".join(_row_text(kind, r) for r in m[kind]) or "—",
                    False,
                    union=[_row_text(kind, r) for r in rows],
                )
            )
    labels = {d.key: d.label for d in CustomFieldDefinition.objects.filter(entity=Entity.CONTACT)}
    custom: list[Row] = []
    s_cf, m_cf = s["custom_fields"], m["custom_fields"]
    for key in sorted(set(s_cf) | set(m_cf)):
        a, b = s_cf.get(key), m_cf.get(key)
        name = f"custom_fields.{key}"
        custom.append(
            Row(
                name=name,
                label=labels.get(key, key),
                survivor=display(a),
                merged=display(b),
                differs=a != b and a not in EMPTY and b not in EMPTY and access.can_edit(name),
                chosen=chosen.get(name, SURVIVOR if a not in EMPTY else MERGED),
            )
        )
    return singles, lists, custom


def _affiliations(request: AuthedRequest, contact: Contact) -> list[Affiliation]:
    """The person's affiliations with organizations this user may see (others stay hidden,
    as on the person's page; they move with the merge all the same)."""
    visible = Organization.objects.restrict(request.user, Action.VIEW).values("pk")
    return list(
        Affiliation.objects.filter(contact=contact, organization__in=visible).select_related(
            "organization"
        )
    )


def _pick_list(request: AuthedRequest, first: Contact | None) -> HttpResponse:
    """The first step: find the other person."""
    query = request.GET.get("q", "").strip()[:200]
    hits = []
    if query:
        hits = [
            hit
            for hit in search.query(request.user, query, kinds=("contact",), limit=20)
            if first is None or hit.pk != first.pk
        ]
    return render(request, "merges/pick.html", {"first": first, "query": query, "hits": hits})


@login_required
@require_http_methods(["GET", "POST"])
def new_view(request: AuthedRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    a_id, b_id = parse_id(params.get("a", "")), parse_id(params.get("b", ""))
    visible = contact_detail_qs(request.user, Action.VIEW)
    first = get_object_or_404(visible, pk=a_id) if a_id is not None else None
    if params.get("a") and a_id is None:
        raise Http404
    if b_id is None or first is None:
        return _pick_list(request, first)
    second = get_object_or_404(visible, pk=b_id)
    survivor, merged = first, second
    chosen: dict[str, str] = {}
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        choices: dict[str, str] = {}
        for key in request.POST:
            value = request.POST.get(key, "")
            if key.startswith("choice:") and value in (SURVIVOR, MERGED, BOTH):
                choices[key.removeprefix("choice:")] = value
        chosen = dict(choices)
        versions = (
            parse_id(request.POST.get("a_version", "")),
            parse_id(request.POST.get("b_version", "")),
        )
        try:
            merge = contact_merge(
                actor=request.user,
                survivor=survivor,
                merged=merged,
                choices=choices,
                expected_versions=versions,
            )
        except ConflictError:
            errors.append(_("One of the two people was changed meanwhile; check the values again."))
            status = 409
            survivor = get_object_or_404(visible, pk=survivor.pk)
            merged = get_object_or_404(visible, pk=merged.pk)
        except ValidationError as exc:
            errors.extend(exc.messages)
            status = 422
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(survivor)s.")
                % {"merged": merge.merged_name, "survivor": merge.survivor_name},
                extra_tags=undo_tag("merges", merge.pk),
            )
            return redirect(survivor.get_absolute_url())
    elif a_id == b_id:
        errors.append(_("A person cannot be merged with itself."))
    singles, lists, custom = comparison(
        survivor, merged, chosen, field_access(request.user, Entity.CONTACT)
    )
    context = {
        "survivor": survivor,
        "merged": merged,
        "singles": singles,
        "lists": lists,
        "custom": custom,
        "errors": errors,
        "same": survivor.pk == merged.pk,
        "can_merge": can(request.user, survivor, Action.CHANGE)
        and can(request.user, merged, Action.DELETE),
        "swap_url": reverse("merges:new") + "?" + urlencode({"a": merged.pk, "b": survivor.pk}),
        "affiliations": {
            "survivor": _affiliations(request, survivor),
            "merged": _affiliations(request, merged),
        },
    }
    return render(request, "merges/compare.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def list_view(request: AuthedRequest) -> HttpResponse:
    merges = list(merge_visible_qs(request.user).select_related("actor", "undone_by")[:RECENT])
    return render(request, "merges/list.html", {"merges": merges})


@login_required
@require_POST
def undo_view(request: AuthedRequest, pk: int) -> HttpResponse:
    merge: Merge = get_object_or_404(merge_visible_qs(request.user), pk=pk)
    try:
        survivor, merged = contact_unmerge(actor=request.user, merge=merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("merges:list")
    messages.success(
        request,
        _("The merge was undone: %(merged)s and %(survivor)s are separate again.")
        % {"merged": merged.display_name, "survivor": survivor.display_name},
    )
    return redirect(survivor.get_absolute_url())
