"""Pages of the mail app: the mail page (upload, unknown senders, preference, recent messages)
and a message with its thread. Every read goes through ``selectors``; every write through the
services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rubrica.kits.web.access import AuthedRequest
from rubrica.mail import selectors, services
from rubrica.mail.capture import level_of
from rubrica.mail.models import Level


def _errors(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    recent = selectors.message_views(user, selectors.messages_visible(user), limit=50)
    context = {
        "section": "mail",
        "recent": recent,
        "unknown": selectors.unknown_senders(user),
        "levels": Level.choices,
        "level": level_of(user),
    }
    return render(request, "mail/home.html", context)


@login_required
@require_POST
def upload(request: AuthedRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose an .eml or .mbox file."))
        return redirect("mail:home")
    try:
        job = services.import_start(actor=request.user, upload=upload, filename=upload.name or "")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("mail:home")
    return redirect(job.get_absolute_url())


@login_required
@require_POST
def preference(request: AuthedRequest) -> HttpResponse:
    try:
        services.mail_preference_set(actor=request.user, level=request.POST.get("level", ""))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("mail:home")


@login_required
@require_POST
def create_from_address(request: AuthedRequest) -> HttpResponse:
    try:
        contact, _filed = services.contact_from_address(
            actor=request.user,
            address=request.POST.get("address", ""),
            name=request.POST.get("name", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        return redirect("mail:home")
    messages.success(
        request,
        _("%(name)s was added; their messages are on their timeline.")
        % {"name": contact.display_name},
    )
    return redirect(contact.get_absolute_url())


@login_required
def message_page(request: AuthedRequest, pk: int) -> HttpResponse:
    message = selectors.message_visible(request.user, pk)
    if message is None:
        raise Http404
    view = selectors.view_of(request.user, message)
    thread = selectors.message_views(
        request.user, selectors.thread_of(request.user, message), limit=200
    )
    return render(
        request, "mail/message.html", {"section": "mail", "message": view, "thread": thread}
    )
