"""Pages that belong to no single app: the start page and the Trash.

The Trash page knows no model: it shows one section per kind the domains registered
(``core.trash``), in registration order, each paged on its own (``<key>_cursor``). Its Restore
buttons post to ``trash_restore``, which restores through the kind's registered restore service.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from rubrica.accounts.selectors import team_country, user_settings
from rubrica.accounts.signin import cool_off
from rubrica.core.models import Action
from rubrica.core.normalize import default_region
from rubrica.core.pagination import Page, keyset_page
from rubrica.core.registry import NotRegistered
from rubrica.core.trash import trash_kind, trash_kinds
from rubrica.kits.web.access import AuthedRequest
from rubrica.kits.web.trash import restore_record

TRASH_PAGE_SIZE = 50
TRASH_ORDER = ("-deleted_at", "-id")


def lockout_message() -> str:
    """What the login page says to a locked-out sign-in: the same whether or not the user exists."""
    period = cool_off()
    if period is None:
        return _(
            "Too many failed sign-in attempts. Signing in with this username from here is "
            "blocked until an administrator unlocks it."
        )
    minutes = max(1, round(period.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute, or ask an "
        "administrator to unlock it.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes, or ask an "
        "administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, with the lockout message, answered 429."""
    return render(
        request,
        "web/login.html",
        {
            "form": AuthenticationForm(request),
            "next": request.POST.get("next", ""),
            "locked_out_message": lockout_message(),
        },
        status=429,
    )


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The page the user chose as home (ADR 0021); an administrator of a team without a default
    country is first asked for one (the first-run page)."""
    if request.user.is_administrator and not team_country() and not default_region():
        return redirect(reverse("settings:team_settings") + "?welcome=1")
    return redirect(user_settings(request.user).home_page)


def _trash_page(request: AuthedRequest, queryset: QuerySet[Any], param: str) -> Page[Any]:
    try:
        return keyset_page(
            queryset, order=TRASH_ORDER, cursor=request.GET.get(param) or None, size=TRASH_PAGE_SIZE
        )
    except ValidationError:
        messages.error(request, _("This page link is not valid; showing the first page."))
        return keyset_page(queryset, order=TRASH_ORDER, cursor=None, size=TRASH_PAGE_SIZE)


def _cursor_href(request: AuthedRequest, param: str, cursor: str | None) -> str:
    """This page's query string with ``param`` set to ``cursor`` (what ``{% querystring %}``
    gives, for a parameter whose name only the view knows); empty without a cursor."""
    if not cursor:
        return ""
    params = request.GET.copy()
    params[param] = cursor
    return f"?{params.urlencode()}"


@login_required
@require_GET
def trash(request: AuthedRequest) -> HttpResponse:
    """What this user may restore: the records of every trashable kind in the Trash they may
    delete."""
    sections = []
    for kind in trash_kinds():
        param = f"{kind.key}_cursor"
        page = _trash_page(
            request,
            kind.model.trash.restrict(request.user, Action.DELETE).select_related("deleted_by"),
            param,
        )
        sections.append(
            {
                "kind": kind,
                "page": page,
                "prev_href": _cursor_href(request, param, page.prev_cursor),
                "next_href": _cursor_href(request, param, page.next_cursor),
            }
        )
    return render(
        request,
        "web/trash.html",
        {"sections": sections, "retention_days": settings.RUBRICA_TRASH_RETENTION_DAYS},
    )


@login_required
@require_POST
def trash_restore(request: AuthedRequest, key: str, pk: int) -> HttpResponse:
    """Take a record of the kind ``key`` out of the Trash through that kind's registered restore
    service; back to the Trash page (``next``). A kind nobody registered is a 404."""
    try:
        kind = trash_kind(key)
    except NotRegistered:
        raise Http404 from None
    return restore_record(request, pk, model=kind.model, restore=kind.restore)
