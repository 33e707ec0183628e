"""Pages of the mail app: the mail page (upload, unknown senders, preference, recent messages)
and a message with its thread. Every read goes through ``selectors``; every write through the
services."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rubrica.contacts.models import ConsentPurpose, Contact
from rubrica.core.models import Action
from rubrica.documents.models import Document
from rubrica.kits.web.access import AuthedRequest
from rubrica.mail import selectors, sending, services
from rubrica.mail.capture import level_of
from rubrica.mail.models import Level, Mailbox, MailTemplate, Security, SmtpSettings
from rubrica.mail.types import MailboxInput


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


# Mailboxes -----------------------------------------------------------------------------------

MAILBOX_FORM_FIELDS = ("name", "host", "port", "security", "username", "password", "folders")


@login_required
def mailboxes(request: AuthedRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    values = {"port": "993", "security": Security.SSL.value, "folders": "INBOX"}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in MAILBOX_FORM_FIELDS}
        data: dict[str, object] = dict(values)
        if request.POST.get("fetch_since"):
            data["fetch_since"] = request.POST["fetch_since"]
        data["use_idle"] = bool(request.POST.get("use_idle"))
        try:
            services.mailbox_create(
                actor=request.user,
                data=cast(MailboxInput, data),  # the form fields above
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("mail:mailboxes")
    rows = Mailbox.objects.restrict(request.user, Action.VIEW).select_related("owner", "team")
    context = {
        "section": "mail",
        "mailboxes": rows,
        "errors": errors,
        "values": values,
        "securities": Security.choices,
    }
    return render(request, "mail/mailboxes.html", context, status=422 if errors else 200)


def _own_mailbox(request: AuthedRequest, pk: int) -> Mailbox:
    found = Mailbox.objects.restrict(request.user, Action.VIEW).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def mailbox_fetch(request: AuthedRequest, pk: int) -> HttpResponse:
    job = services.mailbox_fetch_start(actor=request.user, mailbox=_own_mailbox(request, pk))
    return redirect(job.get_absolute_url())


@login_required
@require_POST
def mailbox_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    services.mailbox_delete(actor=request.user, mailbox=_own_mailbox(request, pk))
    messages.success(request, _("The mailbox was removed; the mail captured from it stays."))
    return redirect("mail:mailboxes")


# Sending -------------------------------------------------------------------------------------


def _ids(values: list[str]) -> list[int]:
    found = []
    for value in values:
        for part in value.split(","):
            if part.strip().isdigit():
                found.append(int(part.strip()))
    return list(dict.fromkeys(found))[: sending.MAX_RECIPIENTS]


@login_required
def send(request: AuthedRequest) -> HttpResponse:
    """Write to one person or a selection (``?people=1,2``), from a template or not."""
    source = request.POST if request.method == "POST" else request.GET
    people = list(
        Contact.objects.restrict(request.user, Action.VIEW).filter(
            pk__in=_ids(source.getlist("people"))
        )
    )
    documents = Document.objects.restrict(request.user, Action.VIEW).filter(
        contact__in=people, deleted_at__isnull=True
    )
    templates = MailTemplate.objects.restrict(request.user, Action.VIEW)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        template = None
        if request.POST.get("template", "").isdigit():
            template = templates.filter(pk=int(request.POST["template"])).first()
        try:
            queued = sending.mail_send(
                actor=request.user,
                contact_ids=[p.pk for p in people],
                subject=request.POST.get("subject", ""),
                body=request.POST.get("body", ""),
                template=template,
                document_ids=_ids(request.POST.getlist("documents")),
                purpose=sending.purpose_by_key(request.POST.get("purpose", "")),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d e-mail queued; it is sent in the background.",
                    "%(count)d e-mails queued; they are sent in the background.",
                    len(queued),
                )
                % {"count": len(queued)},
            )
            if len(people) == 1:
                return redirect(people[0].get_absolute_url())
            return redirect("mail:home")
    context = {
        "section": "mail",
        "people": people,
        "documents": documents,
        "templates": templates,
        "errors": errors,
        "subject": source.get("subject", ""),
        "body": source.get("body", ""),
        "purposes": ConsentPurpose.objects.all(),
        "purpose": source.get("purpose", ""),
    }
    return render(request, "mail/send.html", context, status=422 if errors else 200)


def person_panel(request: HttpRequest, record: Contact) -> dict[str, object] | None:
    """The e-mail card beside a person: write to them, and their address if it bounces."""
    from rubrica.mail.models import BouncedAddress

    bounced = None
    if record.primary_email:
        bounced = BouncedAddress.objects.filter(address=record.primary_email.lower()).first()
    return {"record": record, "bounced": bounced}


# SMTP settings (administrators) ---------------------------------------------------------------


@login_required
def smtp_settings(request: AuthedRequest) -> HttpResponse:
    """The SMTP server every send goes through; the password is never shown back."""
    if not request.user.is_administrator:
        raise PermissionDenied
    row = SmtpSettings.objects.filter(pk=1).first() or SmtpSettings()
    errors: dict[str, list[str]] = {}
    values = {
        "host": row.host,
        "port": str(row.port),
        "security": row.security,
        "username": row.username,
        "from_address": row.from_address,
    }
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        data: dict[str, object] = {
            **values,
            "password": request.POST.get("password", ""),
            "clear_password": bool(request.POST.get("clear_password")),
        }
        try:
            services.smtp_settings_save(actor=request.user, data=data)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("Saved."))
            return redirect("mail:smtp_settings")
    return render(
        request,
        "mail/smtp_settings.html",
        {
            "section": "mail",
            "values": values,
            "errors": errors,
            "has_password": bool(row.password_encrypted),
            "securities": Security.choices,
        },
        status=400 if errors else 200,
    )
