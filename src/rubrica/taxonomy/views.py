"""Settings pages for the editable lists (administrators only): tags, lifecycle stages and
organization kinds. Members create tags while editing records; renaming and deleting is here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rubrica.accounts.models import User
from rubrica.kits.web.access import administrator_required
from rubrica.kits.web.forms import add_service_errors, error_text
from rubrica.kits.web.lists import paginate
from rubrica.taxonomy import services
from rubrica.taxonomy.forms import ChoiceForm, TagForm
from rubrica.taxonomy.models import LifecycleStage, OrganizationKind, Tag
from rubrica.taxonomy.types import ChoiceInput

# Tags -----------------------------------------------------------------------------------------


@administrator_required
def tag_list(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name, color = form.cleaned_data["name"], form.cleaned_data["color"]
        if services.named(Tag.objects.all(), " ".join(name.split())).exists():
            form.add_error("name", _("A tag with this name already exists."))
        else:
            try:
                tag = services.tag_get_or_create(actor=actor, name=name, color=color)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Tag %(name)s added.") % {"name": tag.name})
                return redirect("settings:tags")
    query = request.GET.get("q", "").strip()
    tags = Tag.objects.all()
    if query:
        tags = tags.filter(name__icontains=query)
    page = paginate(request, tags, ["name", "id"])
    return render(request, "taxonomy/tag_list.html", {"form": form, "page": page, "query": query})


@administrator_required
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    if request.method == "POST":
        form = TagForm(request.POST)
        if form.is_valid():
            target = Tag.objects.get(pk=tag.pk)
            try:
                target = services.tag_update(
                    actor=request.user,  # type: ignore[arg-type]
                    tag=target,
                    name=form.cleaned_data["name"],
                    color=form.cleaned_data["color"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Tag %(name)s saved.") % {"name": target.name})
                return redirect("settings:tags")
    else:
        form = TagForm(initial={"name": tag.name, "color": tag.color})
    return render(request, "taxonomy/tag_form.html", {"form": form, "tag": tag})


@administrator_required
def tag_confirm_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    if request.method == "POST":
        services.tag_delete(actor=request.user, tag=tag)  # type: ignore[arg-type]
        messages.success(request, _("Tag %(name)s deleted.") % {"name": tag.name})
        return redirect("settings:tags")
    return render(request, "taxonomy/tag_delete.html", {"tag": tag})


# Ordered lists: lifecycle stages and organization kinds ---------------------------------------


def choice_input(form: ChoiceForm) -> ChoiceInput:
    """The service input of a valid list-entry form."""
    return {"name": form.cleaned_data["name"], "position": form.cleaned_data["position"]}


@dataclass(frozen=True)
class OrderedList:
    """What differs between the stage and the kind pages."""

    model: type[Model]
    title: Promise
    intro: Promise
    url_name: str
    save: Callable[..., Any]
    move: Callable[..., Any]
    delete: Callable[..., None]
    arg: str  # the keyword the services take the entry by; also names the URLs

    @property
    def edit_url(self) -> str:
        return f"settings:{self.arg}_edit"

    @property
    def move_url(self) -> str:
        return f"settings:{self.arg}_move"

    @property
    def delete_url(self) -> str:
        return f"settings:{self.arg}_delete"


ORDERED_LISTS = {
    "stages": OrderedList(
        model=LifecycleStage,
        title=gettext_lazy("Lifecycle stages"),
        intro=gettext_lazy("Where a person stands with you, from lead to former customer."),
        url_name="settings:stages",
        save=services.stage_save,
        move=services.stage_move,
        delete=services.stage_delete,
        arg="stage",
    ),
    "kinds": OrderedList(
        model=OrganizationKind,
        title=gettext_lazy("Organization kinds"),
        intro=gettext_lazy("What an organization is to you: customer, partner, supplier…"),
        url_name="settings:kinds",
        save=services.kind_save,
        move=services.kind_move,
        delete=services.kind_delete,
        arg="kind",
    ),
}


def _context(spec: OrderedList, list_name: str, **extra: Any) -> dict[str, Any]:
    return {"spec": spec, "list_name": list_name, **extra}


@administrator_required
def choice_list(request: HttpRequest, list_name: str) -> HttpResponse:
    spec = ORDERED_LISTS[list_name]
    form = ChoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = spec.save(actor=request.user, data=choice_input(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s added.") % {"name": entry.name})
            return redirect(spec.url_name)
    entries = spec.model._default_manager.order_by("position", "name", "pk")
    return render(
        request, "taxonomy/choice_list.html", _context(spec, list_name, form=form, entries=entries)
    )


@administrator_required
def choice_edit(request: HttpRequest, list_name: str, pk: int) -> HttpResponse:
    spec = ORDERED_LISTS[list_name]
    entry = get_object_or_404(spec.model, pk=pk)
    if request.method == "POST":
        form = ChoiceForm(request.POST)
        if form.is_valid():
            try:
                spec.save(actor=request.user, data=choice_input(form), **{spec.arg: entry})
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s saved.") % {"name": entry})
                return redirect(spec.url_name)
    else:
        form = ChoiceForm(initial={"name": entry.name, "position": entry.position})  # type: ignore[attr-defined]
    return render(
        request, "taxonomy/choice_form.html", _context(spec, list_name, form=form, entry=entry)
    )


@require_POST
@administrator_required
def choice_move(request: HttpRequest, list_name: str, pk: int) -> HttpResponse:
    spec = ORDERED_LISTS[list_name]
    entry = get_object_or_404(spec.model, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    spec.move(actor=request.user, offset=offset, **{spec.arg: entry})
    return redirect(spec.url_name)


@administrator_required
def choice_confirm_delete(request: HttpRequest, list_name: str, pk: int) -> HttpResponse:
    spec = ORDERED_LISTS[list_name]
    entry = get_object_or_404(spec.model, pk=pk)
    if request.method == "POST":
        try:
            spec.delete(actor=request.user, **{spec.arg: entry})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("%(name)s deleted.") % {"name": entry})
        return redirect(spec.url_name)
    return render(request, "taxonomy/choice_delete.html", _context(spec, list_name, entry=entry))
