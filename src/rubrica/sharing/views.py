"""The web doors of sharing: the "Shared with" panel on a record's page, add and remove.

The record is read through ``restrict()`` (one the user may not see is a 404); a user who sees it
but may not share it gets 403 before any input is looked at; the writes go through
``sharing.services``. With htmx the panel answers itself; without, the page again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rubrica.core.ids import parse_id
from rubrica.core.policies import Action
from rubrica.kits.web.access import AuthedRequest
from rubrica.sharing import selectors, services
from rubrica.sharing.models import ShareLevel
from rubrica.sharing.registry import kind_of_model, shareable_kind
from rubrica.sharing.types import ShareInput


def panel_context(request: HttpRequest, record: Any) -> Mapping[str, Any] | None:
    """The "Shared with" panel of ``record``'s page (the page read it through restrict())."""
    user = request.user
    kind = kind_of_model(type(record))
    if not user.is_authenticated or kind is None:
        return None
    manage = selectors.can_share(user, record)
    return {
        "record": record,
        "shares": list(selectors.shares_of(record)),
        "can_share": manage,
        "users": list(selectors.grantee_users(record)) if manage else [],
        "teams": list(selectors.grantee_teams()) if manage else [],
        "levels": ShareLevel.choices,
        "add_url": reverse("sharing:add", args=[kind.key, record.pk]),
        "remove_url_name": "sharing:remove",
        "kind_key": kind.key,
    }


def _record_or_404(request: AuthedRequest, kind_key: str, pk: int) -> Any:
    try:
        kind = shareable_kind(kind_key)
    except LookupError:
        raise Http404 from None
    visible = kind.model.objects.restrict(request.user, Action.VIEW)  # type: ignore[attr-defined]
    return get_object_or_404(visible, pk=pk)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(str(m) for found in error.message_dict.values() for m in found)
    return " ".join(str(m) for m in error.messages)


def _done(request: AuthedRequest, record: Any, error: str = "", notice: str = "") -> HttpResponse:
    """After a write: the panel again for htmx, else back to the record's page with a message."""
    if request.headers.get("HX-Request") == "true":
        context = dict(panel_context(request, record) or {})
        context.update({"error": error, "notice": notice})
        return render(request, "sharing/panel.html", context)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return HttpResponseRedirect(f"{record.get_absolute_url()}#panel-sharing")


def _grantee(value: str) -> ShareInput:
    """The form's one grantee field: "user:<id>" or "team:<id>"."""
    kind, _sep, raw = value.partition(":")
    number = parse_id(raw)
    if kind == "user" and number:
        return {"user": number}
    if kind == "team" and number:
        return {"team": number}
    return {}


@login_required
@require_POST
def add_view(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    record = _record_or_404(request, kind, pk)
    if not selectors.can_share(request.user, record):
        raise PermissionDenied
    data = _grantee(request.POST.get("grantee", ""))
    if not data:
        return _done(request, record, error=_("Choose a user or a team to share with."))
    data["level"] = request.POST.get("level", ShareLevel.READ)
    try:
        share = services.share_add(actor=request.user, record=record, data=data)
    except ValidationError as error:
        return _done(request, record, error=_error_text(error))
    return _done(request, record, notice=_("Shared with %(name)s.") % {"name": share.grantee_name})


@login_required
@require_POST
def remove_view(request: AuthedRequest, kind: str, pk: int, share_id: int) -> HttpResponse:
    record = _record_or_404(request, kind, pk)
    if not selectors.can_share(request.user, record):
        raise PermissionDenied
    try:
        services.share_remove(actor=request.user, record=record, share_id=share_id)
    except LookupError:
        raise Http404 from None
    return _done(request, record, notice=_("No longer shared."))
