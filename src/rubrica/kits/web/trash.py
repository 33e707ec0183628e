"""Delete (to the Trash, with Undo) and restore, the same for every owned record type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from rubrica.core.models import Action, OwnedRecord
from rubrica.kits.web.access import AuthedRequest, require
from rubrica.kits.web.lists import safe_next
from rubrica.kits.web.templatetags.rubrica_web import undo_tag

#: A delete or restore service bound to its record argument: (actor, record) -> record.
RecordService = Callable[[Any, Any], Any]


def delete_record(
    request: AuthedRequest,
    pk: int,
    *,
    model: type[OwnedRecord],
    namespace: str,
    delete: RecordService,
) -> HttpResponse:
    """GET asks for confirmation; POST moves the record to the Trash and offers Undo."""
    record = get_object_or_404(model.objects.restrict(request.user, Action.VIEW), pk=pk)
    require(request.user, record, Action.DELETE)
    if request.method != "POST":
        return render(
            request,
            "web/confirm_delete.html",
            {
                "object": record,
                "name": str(record),
                "cancel_url": record.get_absolute_url(),
                "action_url": reverse(f"{namespace}:delete", args=[record.pk]),
            },
        )
    delete(request.user, record)
    messages.success(
        request,
        _("%(name)s was moved to the Trash.") % {"name": str(record)},
        extra_tags=undo_tag(namespace, record.pk),
    )
    return redirect(f"{namespace}:list")


def restore_record(
    request: AuthedRequest, pk: int, *, model: type[OwnedRecord], restore: RecordService
) -> HttpResponse:
    """Take a record out of the Trash (the Undo button and the Trash page post here)."""
    record = model.trash.restrict(request.user, Action.DELETE).filter(pk=pk).first()
    if record is None:
        alive = model.objects.restrict(request.user, Action.VIEW).filter(pk=pk).first()
        if alive is None:
            raise Http404
        messages.info(request, _("%(name)s is not in the Trash.") % {"name": str(alive)})
        return redirect(alive)
    restore(request.user, record)
    messages.success(request, _("%(name)s was restored.") % {"name": str(record)})
    return redirect(safe_next(request, record.get_absolute_url()))
