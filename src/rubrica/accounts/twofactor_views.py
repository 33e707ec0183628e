"""Pages of the second factor and of app passwords (ADR 0029): the verification step after the
password, the security settings (authenticator app, passkeys, recovery codes, the roles that
must use two-factor), an administrator's reset, and the devices' app passwords. The passkey
ceremonies are django-otp-webauthn's views, subclassed here to audit them."""

from __future__ import annotations

import base64
import json
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import JavaScriptCatalog
from django_otp.util import random_hex
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from rubrica.accounts import app_passwords, twofactor
from rubrica.accounts.models import AppPassword, User
from rubrica.accounts.selectors import SHIPPED_ROLE_KEYS
from rubrica.kits.web.access import administrator_required
from rubrica.kits.web.forms import error_text

NEW_CODES_KEY = "_rubrica_new_recovery_codes"
#: The secret the TOTP set-up page shows, kept in the session until its first code is sent.
TOTP_KEY_KEY = "_rubrica_totp_pending_key"

ROLE_LABELS = {
    "administrator": gettext_lazy("Administrator"),
    "manager": gettext_lazy("Manager"),
    "sales": gettext_lazy("Sales"),
    "support": gettext_lazy("Support"),
    "marketing": gettext_lazy("Marketing"),
    "read_only": gettext_lazy("Read-only"),
}


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        help_text=gettext_lazy("The six digits your authenticator app shows, or a recovery code."),
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "none",
                "autofocus": True,
            }
        ),
    )


class TotpConfirmForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class PolicyForm(forms.Form):
    two_factor_roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles that must use two-factor sign-in"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "People holding one of these roles are asked to set up a second factor at their "
            "next sign-in, before anything else."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["two_factor_roles"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(key, ROLE_LABELS.get(key, key)) for key in SHIPPED_ROLE_KEYS]


class AppPasswordForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Device"),
        max_length=100,
        help_text=gettext_lazy("Which device will use it, such as 'Phone' or 'Work laptop'."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return str(resolve_url("home"))


# Sign-in: the second step -------------------------------------------------------------------


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code (app or recovery) or a passkey."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.session.get(twofactor.STATE_KEY, twofactor.OK) != twofactor.VERIFY:
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify_code(request, user, form.cleaned_data["code"]) is not None:
            return redirect(next_url)
        form.add_error("code", _("This code is not right. Try again, or use a recovery code."))
    context = {
        "form": form,
        "next": next_url,
        "has_totp": twofactor.totp_device(user) is not None,
        "has_passkey": bool(twofactor.passkeys(user)),
    }
    return render(request, "accounts/two_factor_verify.html", context)


# Security settings ----------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    """The provisioning URL as an inline SVG QR code (no script, no external image)."""
    qr = segno.make(url, error="m")
    return str(qr.svg_inline(scale=5, dark="#000", light="#fff", omitsize=False))


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    new_codes = request.session.pop(NEW_CODES_KEY, None)
    context = {
        "totp": twofactor.totp_device(user),
        "passkeys": twofactor.passkeys(user),
        "codes_left": twofactor.recovery_codes_left(user),
        "has_factor": twofactor.has_second_factor(user),
        "required": twofactor.is_required(user),
        "must_set_up": request.session.get(twofactor.STATE_KEY) == twofactor.SETUP,
        "new_codes": new_codes,
        "policy_form": PolicyForm(initial={"two_factor_roles": sorted(twofactor.required_roles())})
        if user.is_administrator
        else None,
    }
    return render(request, "accounts/security.html", context)


@never_cache
@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # The secret shown waits in the session; the device is stored only when a code is sent
    # (a GET writes nothing, ADR 0036).
    key = request.session.get(TOTP_KEY_KEY)
    if not isinstance(key, str) or not key:
        key = random_hex(20)
        request.session[TOTP_KEY_KEY] = key
    device = twofactor.totp_preview(user=user, key=key)
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.totp_begin(user=user, key=key)
        try:
            codes = twofactor.totp_confirm(
                actor=user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error("code", error_text(exc))
        else:
            if request.session.get(twofactor.STATE_KEY) != twofactor.OK:
                twofactor.mark_verified(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            if codes:
                request.session[NEW_CODES_KEY] = codes
            request.session.pop(TOTP_KEY_KEY, None)
            return redirect("settings:security")
    context = {
        "form": form,
        "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 (segno's own SVG)
        "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
    }
    return render(request, "accounts/totp_setup.html", context)


@require_POST
@login_required
def totp_remove(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        twofactor.totp_remove(actor=user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The authenticator app was removed."))
    return redirect("settings:security")


@require_POST
@login_required
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    credential = get_object_or_404(WebAuthnCredential, pk=pk, user=user)
    try:
        twofactor.passkey_remove(actor=user, credential=credential)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The passkey was removed."))
    return redirect("settings:security")


@never_cache
@require_POST
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        codes = twofactor.recovery_codes_new(actor=user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        request.session[NEW_CODES_KEY] = codes
    return redirect("settings:security")


@require_POST
@administrator_required
def policy(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PolicyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose roles from the list."))
        return redirect("settings:security")
    try:
        twofactor.policy_update(actor=user, roles=form.cleaned_data["two_factor_roles"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The two-factor rule is saved."))
    return redirect("settings:security")


@require_POST
@administrator_required
def user_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator removes a user's second factors (a lost phone)."""
    actor: User = request.user  # type: ignore[assignment]
    target = get_object_or_404(User, pk=pk)
    count = twofactor.two_factor_reset(actor=actor, user=target)
    messages.success(
        request,
        _("Removed %(count)d second factors of %(name)s.") % {"count": count, "name": target},
    )
    return redirect("settings:user_edit", pk=target.pk)


# App passwords --------------------------------------------------------------------------------


def _own_app_passwords(user: User) -> QuerySet[AppPassword]:
    return AppPassword.objects.filter(user=user).order_by("-created_at", "-id")


@never_cache
@login_required
def app_password_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = AppPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row, secret = app_passwords.app_password_create(
                actor=user, user=user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error("name", error_text(exc))
        else:
            return render(
                request, "accounts/app_password_created.html", {"row": row, "secret": secret}
            )
    return render(
        request,
        "accounts/app_password_list.html",
        {"form": form, "rows": _own_app_passwords(user)[:200]},
    )


@require_POST
@login_required
def app_password_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    row = get_object_or_404(_own_app_passwords(user), pk=pk)
    app_passwords.app_password_revoke(actor=user, app_password=row)
    messages.success(request, _("The app password for %(name)s was revoked.") % {"name": row.name})
    return redirect("settings:app_passwords")


urlpatterns = [
    path("security/", security, name="security"),
    path("security/app/", totp_setup, name="totp_setup"),
    path("security/app/remove/", totp_remove, name="totp_remove"),
    path("security/passkeys/<int:pk>/remove/", passkey_remove, name="passkey_remove"),
    path("security/recovery-codes/", recovery_codes, name="recovery_codes"),
    path("security/rule/", policy, name="two_factor_policy"),
    path("users/<int:pk>/two-factor/reset/", user_reset, name="user_two_factor_reset"),
    path("app-passwords/", app_password_list, name="app_passwords"),
    path("app-passwords/<int:pk>/revoke/", app_password_revoke, name="app_password_revoke"),
]


# Passkey ceremonies (django-otp-webauthn), audited ------------------------------------------


class CompleteRegistration(webauthn_views.CompleteCredentialRegistrationView):  # type: ignore[misc]
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(*args, **kwargs)
        if response.status_code == 200 and isinstance(response, JsonResponse):
            credential = WebAuthnCredential.objects.get(pk=json.loads(response.content)["id"])
            codes = twofactor.passkey_added(actor=self.request.user, credential=credential)
            if codes:
                self.request.session[NEW_CODES_KEY] = codes
            if self.request.session.get(twofactor.STATE_KEY) != twofactor.OK:
                self.request.session[twofactor.STATE_KEY] = twofactor.OK
        return response


class CompleteAuthentication(webauthn_views.CompleteCredentialAuthenticationView):  # type: ignore[misc]
    def complete_auth(self, device: Any) -> Any:
        result = super().complete_auth(device)
        twofactor.passkey_verified(self.request, device)
        return result


webauthn_urlpatterns = (
    [
        path(
            "registration/begin/",
            webauthn_views.BeginCredentialRegistrationView.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            CompleteRegistration.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            webauthn_views.BeginCredentialAuthenticationView.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            CompleteAuthentication.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "jsi18n/",
            JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)
