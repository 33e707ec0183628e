"""/duplicates/: candidate pairs the user may see, with "Not a duplicate", "Merge" and "Scan now".

Views only translate: pairs come from ``selectors.pairs_visible`` (both people viewable), decisions
go through ``services``; a pair the user may not see answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.dedup import selectors, services
from rubrica.dedup.scoring import reason_labels
from rubrica.kits.web.access import AuthedRequest
from rubrica.kits.web.lists import PAGE_SIZES, page_size
from rubrica.organizations.models import Organization


def _side(contact: Contact, organizations: set[int]) -> dict[str, Any]:
    organization = contact.organization if contact.organization_id in organizations else None
    return {"contact": contact, "organization": organization}


@login_required
@require_GET
def pair_list(request: AuthedRequest) -> HttpResponse:
    size = page_size(request)
    queryset = selectors.pairs_visible(request.user).select_related(
        "contact_a__organization", "contact_b__organization"
    )
    try:
        page = keyset_page(
            queryset, order=("-score", "id"), cursor=request.GET.get("cursor"), size=size
        )
    except ValidationError:
        page = keyset_page(queryset, order=("-score", "id"), cursor=None, size=size)
    organization_ids = {
        c.organization_id
        for pair in page.items
        for c in (pair.contact_a, pair.contact_b)
        if c.organization_id
    }
    visible_organizations = set(
        Organization.objects.restrict(request.user, Action.VIEW)
        .filter(pk__in=organization_ids)
        .values_list("pk", flat=True)
        if organization_ids
        else []
    )
    rows = [
        {
            "pair": pair,
            "percent": round(pair.score * 100),
            "reasons": reason_labels(list(pair.reasons)),
            "a": _side(pair.contact_a, visible_organizations),
            "b": _side(pair.contact_b, visible_organizations),
        }
        for pair in page.items
    ]
    context = {
        "page": page,
        "rows": rows,
        "size": size,
        "page_sizes": PAGE_SIZES,
        "can_write": not request.user.is_read_only,
        "merge_url": reverse("merges:new"),
    }
    return render(request, "dedup/list.html", context)


@login_required
@require_POST
def pair_dismiss(request: AuthedRequest, pk: int) -> HttpResponse:
    pair = selectors.pair_visible(request.user, pk)
    if pair is None:
        raise Http404
    try:
        services.pair_dismiss(actor=request.user, pair=pair)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(a)s and %(b)s are marked as different people.")
            % {"a": pair.contact_a.display_name, "b": pair.contact_b.display_name},
        )
    return redirect(reverse("dedup:list"))


@login_required
@require_POST
def scan(request: AuthedRequest) -> HttpResponse:
    try:
        job = services.scan_start(actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(reverse("dedup:list"))
    return redirect(reverse("jobs:detail", args=[job.pk]))
