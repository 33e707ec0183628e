"""Privacy pages (ADR 0032): the card beside a person (consent, export, erasure), the erasure's
confirmation page, and the administrators' page of retention rules and the consent rule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rubrica.accounts.selectors import team_settings
from rubrica.accounts.services import team_consent_update
from rubrica.contacts.models import ConsentPurpose, ConsentSource, ConsentState, Contact
from rubrica.contacts.services import (
    consent_purpose_create,
    consent_purpose_delete,
    contact_consent_set,
    contact_purpose_consent_set,
)
from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.kits.web.access import AuthedRequest, administrator_required, can
from rubrica.privacy import double_optin, retention
from rubrica.privacy.erasure import contact_erase, count_labels, erasure_preview, may_erase
from rubrica.privacy.export import export_filename, person_export
from rubrica.privacy.models import Erasure, RetentionAction, RetentionEntity, RetentionRule
from rubrica.taxonomy.models import LifecycleStage, Tag


def person_panel(request: HttpRequest, record: Contact) -> dict[str, Any] | None:
    """Consent per channel, and the export and erasure actions for those who may."""
    user = request.user
    if not user.is_authenticated:
        return None
    erased = Erasure.objects.filter(contact_id=record.pk).first()
    return {
        "record": record,
        "erased": erased,
        "may_change": erased is None and can(user, record, Action.CHANGE),
        "may_erase": erased is None and may_erase(user, record),
        "channels": [
            {
                "key": "email",
                "label": _("E-mail"),
                "state": record.email_consent,
                "state_label": record.get_email_consent_display(),
                "at": record.email_consent_at,
                "source": record.get_email_consent_source_display(),
            },
            {
                "key": "sms",
                "label": _("SMS"),
                "state": record.sms_consent,
                "state_label": record.get_sms_consent_display(),
                "at": record.sms_consent_at,
                "source": record.get_sms_consent_source_display(),
            },
        ],
        "purposes": _purpose_rows(record),
        "purpose_list": ConsentPurpose.objects.all(),
        "states": ConsentState.choices,
    }


def _purpose_rows(record: Contact) -> list[dict[str, Any]]:
    """One row per purpose and channel: the person's answer (none: not asked)."""
    answers = {(a.purpose_id, a.channel): a for a in record.purpose_consents.all()}
    rows: list[dict[str, Any]] = []
    for purpose in ConsentPurpose.objects.all():
        for channel, label in (("email", _("E-mail")), ("sms", _("SMS"))):
            answer = answers.get((purpose.pk, channel))
            rows.append(
                {
                    "purpose": purpose,
                    "channel": channel,
                    "label": f"{purpose.name} · {label}",
                    "state": answer.state if answer else "",
                    "state_label": answer.get_state_display()
                    if answer
                    else ConsentState.UNKNOWN.label,
                    "at": answer.at if answer else None,
                    "source": answer.get_source_display() if answer else "",
                }
            )
    return rows


def _person(request: AuthedRequest, pk: int) -> Contact:
    """A person the user may see (in the Trash or not); 404 otherwise."""
    return get_object_or_404(Contact.all_objects.restrict(request.user, Action.VIEW), pk=pk)


@login_required
@require_POST
def consent_update(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _person(request, pk)
    key = request.POST.get("purpose", "")
    try:
        if key:
            purpose = ConsentPurpose.objects.filter(key=key).first()
            if purpose is None:
                raise ValidationError({"purpose": _("There is no such purpose.")})
            contact_purpose_consent_set(
                actor=request.user,
                contact=contact,
                purpose=purpose,
                channel=request.POST.get("channel", ""),
                state=request.POST.get("state", ""),
                source=ConsentSource.USER,
            )
        else:
            contact_consent_set(
                actor=request.user,
                contact=contact,
                channel=request.POST.get("channel", ""),
                state=request.POST.get("state", ""),
                source=ConsentSource.USER,
                expected_version=_version(request),
            )
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    except ConflictError:
        messages.error(request, _("Someone changed this person meanwhile; try again."))
    else:
        messages.success(request, _("Consent recorded."))
    return redirect(contact.get_absolute_url())


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@login_required
@require_POST
def optin_send(request: AuthedRequest, pk: int) -> HttpResponse:
    """E-mail the person a link confirming their consent (double opt-in)."""
    contact = _person(request, pk)
    key = request.POST.get("purpose", "")
    purpose = ConsentPurpose.objects.filter(key=key).first() if key else None
    try:
        if key and purpose is None:
            raise ValidationError({"purpose": _("There is no such purpose.")})
        double_optin.confirmation_send(
            actor=request.user,
            contact=contact,
            purpose=purpose,
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, _("A confirmation link was e-mailed to the person."))
    return redirect(contact.get_absolute_url())


@require_http_methods(["GET", "POST"])
def optin(request: HttpRequest, token: str) -> HttpResponse:
    """The page the e-mailed link opens (no sign-in): a button, so that a mail scanner opening
    links confirms nothing; pressing it records the consent."""
    context: dict[str, Any] = {"section": "", "done": False, "error": "", "what": ""}
    try:
        invitation = double_optin.confirmation_read(token)
        context["what"] = invitation.purpose.name if invitation.purpose else ""
        if request.method == "POST":
            double_optin.confirmation_accept(token)
            context["done"] = True
    except ValidationError as exc:
        context["error"] = " ".join(m for ms in exc.message_dict.values() for m in ms)
    response = render(
        request, "privacy/optin.html", context, status=400 if context["error"] else 200
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def person_export_view(request: AuthedRequest, pk: int) -> FileResponse:
    contact = _person(request, pk)
    archive = person_export(actor=request.user, contact=contact)
    return FileResponse(
        archive,
        as_attachment=True,
        filename=export_filename(contact),
        content_type="application/zip",
    )


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: AuthedRequest, pk: int) -> HttpResponse:
    """The confirmation page naming what will go, then the erasure itself (the grant "erase"
    on people; ADR 0035)."""
    contact = _person(request, pk)
    if not may_erase(request.user, contact):
        raise PermissionDenied
    try:
        counts = erasure_preview(actor=request.user, contact=contact)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        return redirect(contact.get_absolute_url())
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            error = _("Tick the box to confirm that the erasure cannot be undone.")
        else:
            contact_erase(actor=request.user, contact=contact)
            messages.success(request, _("The person was erased."))
            return redirect(contact.get_absolute_url())
    return render(
        request,
        "privacy/erase.html",
        {"section": "people", "record": contact, "counts": _count_rows(counts), "error": error},
        status=422 if error else 200,
    )


def _count_rows(counts: dict[str, int]) -> list[tuple[str, int]]:
    labels = count_labels()
    return [(labels[key], value) for key, value in counts.items()]


# Administrators: the consent rule and the retention rules ---------------------------------


def _rule_form_context(data: Any = None) -> dict[str, Any]:
    return {
        "stages": LifecycleStage.objects.order_by("name"),
        "tags": Tag.objects.order_by("name"),
        "actions": RetentionAction.choices,
        "entities": RetentionEntity.choices,
        "data": data or {},
    }


@administrator_required
@require_GET
def privacy_home(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "privacy/home.html",
        {
            "section": "privacy",
            "settings": team_settings(),
            "purposes": ConsentPurpose.objects.all(),
            "rules": RetentionRule.objects.select_related("stage", "tag", "created_by"),
            "erasures": Erasure.objects.select_related("actor")[:20],
            **_rule_form_context(),
        },
    )


@administrator_required
@require_POST
def consent_rule(request: AuthedRequest) -> HttpResponse:
    team_consent_update(
        actor=request.user, require_email_consent=request.POST.get("require") == "on"
    )
    messages.success(request, _("Saved."))
    return redirect("privacy:home")


@administrator_required
@require_POST
def purpose_create(request: AuthedRequest) -> HttpResponse:
    try:
        consent_purpose_create(actor=request.user, name=request.POST.get("name", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, _("Saved."))
    return redirect("privacy:home")


@administrator_required
@require_POST
def purpose_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    purpose = get_object_or_404(ConsentPurpose, pk=pk)
    consent_purpose_delete(actor=request.user, purpose=purpose)
    messages.success(request, _("Purpose deleted."))
    return redirect("privacy:home")


@administrator_required
@require_POST
def rule_create(request: AuthedRequest) -> HttpResponse:
    try:
        rule = retention.retention_rule_save(actor=request.user, data=request.POST.dict())
    except ValidationError as exc:
        return render(
            request,
            "privacy/home.html",
            {
                "section": "privacy",
                "settings": team_settings(),
                "rules": RetentionRule.objects.select_related("stage", "tag", "created_by"),
                "erasures": Erasure.objects.select_related("actor")[:20],
                "errors": exc.message_dict,
                **_rule_form_context(request.POST),
            },
            status=422,
        )
    return redirect("privacy:rule_preview", pk=rule.pk)


@administrator_required
@require_GET
def rule_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RetentionRule, pk=pk)
    preview = retention.retention_preview(actor=request.user, rule=rule)
    return render(
        request,
        "privacy/preview.html",
        {"section": "privacy", "rule": rule, "preview": preview},
    )


@administrator_required
@require_POST
def rule_activate(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RetentionRule, pk=pk)
    try:
        retention.retention_rule_activate(
            actor=request.user, rule=rule, active=request.POST.get("active") == "on"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    return redirect("privacy:home")


@administrator_required
@require_POST
def rule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RetentionRule, pk=pk)
    retention.retention_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Rule deleted."))
    return redirect("privacy:home")
