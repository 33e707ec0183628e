"""/duplicates/: candidate pairs the user may see, with "Not a duplicate", "Merge" and "Scan now".

Views only translate: pairs come from ``selectors.pairs_visible`` (both people viewable), decisions
go through ``services``; a pair the user may not see answers 404. Each person is shown by the card
their domain registered (``registry.Card``); the "Merge" link goes to the page merging registered,
and is not offered without it.
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rubrica.core.pagination import keyset_page
from rubrica.dedup import registry, selectors, services
from rubrica.dedup.linkage import TIER_LABELS
from rubrica.dedup.scoring import reason_labels, visible_reasons
from rubrica.kits.web.access import AuthedRequest
from rubrica.kits.web.lists import PAGE_SIZES, page_size


@login_required
@require_GET
def pair_list(request: AuthedRequest) -> HttpResponse:
    size = page_size(request)
    card = registry.records().card
    view = request.GET.get("tier", selectors.DEFAULT_VIEW)
    if view not in selectors.TIER_VIEWS:
        view = selectors.DEFAULT_VIEW
    queryset = selectors.pairs_visible(
        request.user, tiers=selectors.TIER_VIEWS[view]
    ).select_related(
        *(f"{side}__{path}" for path in card.related for side in ("contact_a", "contact_b"))
    )
    try:
        page = keyset_page(
            queryset, order=("-score", "id"), cursor=request.GET.get("cursor"), size=size
        )
    except ValidationError:
        page = keyset_page(queryset, order=("-score", "id"), cursor=None, size=size)
    sides = iter(
        card.sides(
            request.user, [r for pair in page.items for r in (pair.contact_a, pair.contact_b)]
        )
    )
    rows = [
        {
            "pair": pair,
            # Rounded down: a probability of 0.9996 is not "100%".
            "percent": math.floor(pair.score * 100),
            "reasons": reason_labels(visible_reasons(request.user, list(pair.reasons))),
            "tier": TIER_LABELS.get(pair.tier, ""),
            "a": next(sides),
            "b": next(sides),
        }
        for pair in page.items
    ]
    merging = registry.merging()
    context = {
        "page": page,
        "rows": rows,
        "size": size,
        "page_sizes": PAGE_SIZES,
        "view": view,
        "views": [
            ("review", _("To review")),
            ("sure", TIER_LABELS["sure"]),
            ("likely", TIER_LABELS["likely"]),
            ("possible", TIER_LABELS["possible"]),
            ("all", _("All")),
        ],
        "can_write": not request.user.is_read_only,
        "card_template": card.template,
        "merge_url": reverse(merging.page) if merging is not None else "",
    }
    return render(request, "dedup/list.html", context)


@login_required
@require_POST
def pair_dismiss(request: AuthedRequest, pk: int) -> HttpResponse:
    pair = selectors.pair_visible(request.user, pk)
    if pair is None:
        raise Http404
    records = registry.records()
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
            % {"a": records.name(pair.contact_a), "b": records.name(pair.contact_b)},
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
