"""Pages that belong to no single app: the start page and the Trash."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.pagination import Page, keyset_page
from rubrica.kits.web.access import AuthedRequest
from rubrica.organizations.models import Organization

TRASH_PAGE_SIZE = 50
TRASH_ORDER = ("-deleted_at", "-id")


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    return redirect("contacts:list")


def _trash_page(request: AuthedRequest, queryset: QuerySet, param: str) -> Page:
    try:
        return keyset_page(
            queryset, order=TRASH_ORDER, cursor=request.GET.get(param) or None, size=TRASH_PAGE_SIZE
        )
    except ValidationError:
        messages.error(request, _("This page link is not valid; showing the first page."))
        return keyset_page(queryset, order=TRASH_ORDER, cursor=None, size=TRASH_PAGE_SIZE)


@login_required
@require_GET
def trash(request: AuthedRequest) -> HttpResponse:
    """What this user may restore: people and organizations in the Trash they may delete."""
    people = _trash_page(
        request,
        Contact.trash.restrict(request.user, Action.DELETE).select_related("deleted_by"),
        "people_cursor",
    )
    organizations = _trash_page(
        request,
        Organization.trash.restrict(request.user, Action.DELETE).select_related("deleted_by"),
        "organizations_cursor",
    )
    return render(
        request,
        "web/trash.html",
        {
            "people": people,
            "organizations": organizations,
            "retention_days": settings.RUBRICA_TRASH_RETENTION_DAYS,
        },
    )
