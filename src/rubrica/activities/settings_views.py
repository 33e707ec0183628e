"""Settings pages of the activities app (administrators only): the call outcomes, an editable
list whose entries can be retired, and the keep-in-touch cadences of tags. Mounted in the
"settings" namespace by ``web/urls.py`` (``activities/settings_urls.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rubrica.activities import services
from rubrica.activities.models import Outcome, TagCadence
from rubrica.kits.web.access import administrator_required
from rubrica.kits.web.forms import add_service_errors, error_text
from rubrica.taxonomy.forms import ChoiceForm
from rubrica.taxonomy.models import Tag
from rubrica.taxonomy.views import choice_input


@administrator_required
def outcome_list(request: HttpRequest) -> HttpResponse:
    form = ChoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.outcome_save(actor=request.user, data=choice_input(form))  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s added.") % {"name": entry.name})
            return redirect("settings:outcomes")
    entries = Outcome.objects.order_by("position", "name", "pk")
    return render(request, "activities/outcome_list.html", {"form": form, "entries": entries})


@administrator_required
def outcome_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(Outcome, pk=pk)
    if request.method == "POST":
        form = ChoiceForm(request.POST)
        if form.is_valid():
            try:
                services.outcome_save(
                    actor=request.user,  # type: ignore[arg-type]
                    outcome=entry,
                    data=choice_input(form),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s saved.") % {"name": entry.name})
                return redirect("settings:outcomes")
    else:
        form = ChoiceForm(initial={"name": entry.name, "position": entry.position})
    return render(request, "activities/outcome_form.html", {"form": form, "entry": entry})


@require_POST
@administrator_required
def outcome_move(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(Outcome, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.outcome_move(actor=request.user, outcome=entry, offset=offset)  # type: ignore[arg-type]
    return redirect("settings:outcomes")


@require_POST
@administrator_required
def outcome_retire(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(Outcome, pk=pk)
    retired = request.POST.get("retired") == "1"
    services.outcome_set_retired(actor=request.user, outcome=entry, retired=retired)  # type: ignore[arg-type]
    if retired:
        messages.success(request, _("%(name)s is retired.") % {"name": entry.name})
    else:
        messages.success(request, _("%(name)s is offered again.") % {"name": entry.name})
    return redirect("settings:outcomes")


@require_POST
@administrator_required
def outcome_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(Outcome, pk=pk)
    try:
        services.outcome_delete(actor=request.user, outcome=entry)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(name)s deleted.") % {"name": entry.name})
    return redirect("settings:outcomes")


@administrator_required
def tag_cadences(request: HttpRequest) -> HttpResponse:
    """Every tag's cadence: set one (tag, ideal, maximum), change or remove it."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        tag = Tag.objects.filter(pk=str(request.POST.get("tag", "")).strip() or 0).first()
        if tag is None:
            errors["tag"] = [_("Choose a tag.")]
        else:
            try:
                if request.POST.get("clear"):
                    job = services.tag_cadence_clear(actor=request.user, tag=tag)  # type: ignore[arg-type]
                    messages.success(request, _("Tag %(name)s has no cadence now.") % {"name": tag})
                else:
                    cadence = services.tag_cadence_set(
                        actor=request.user,  # type: ignore[arg-type]
                        tag=tag,
                        ideal_days=request.POST.get("ideal_days"),
                        max_days=request.POST.get("max_days"),
                    )
                    job = cadence.refresh_job
                    messages.success(request, _("Cadence of tag %(name)s set.") % {"name": tag})
                if job is not None:
                    messages.info(
                        request,
                        _(
                            "Its people are many: their cadences are being updated in the "
                            "background (see the job's progress)."
                        ),
                    )
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                return redirect("settings:tag_cadences")
    return render(
        request,
        "activities/tag_cadences.html",
        {
            "cadences": TagCadence.objects.select_related("tag", "refresh_job").order_by(
                "tag__name", "pk"
            ),
            "tags": Tag.objects.order_by("name", "pk"),
            "errors": errors,
            "values": request.POST if request.method == "POST" else None,
        },
        status=422 if errors else 200,
    )
