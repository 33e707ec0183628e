"""The second factor (ADR 0029): TOTP apps and passkeys (django-otp and django-otp-webauthn),
recovery codes (django-otp static tokens), the roles that must use one, and the middleware that
holds a signed-in session at the door until its second factor is given or set up.

A session's standing is kept in the session (``STATE_KEY``), decided once at sign-in:

- ``verify``: the user has a second factor and has not given it yet;
- ``setup``: the user has none, and a role they hold requires one;
- ``ok``: neither, or it was given (``request.user.is_verified()``, django-otp's mark).

Until ``ok``, web pages redirect to the verification page (or to the security settings to set
one up); the API's session door answers 401 (``api.auth``). API tokens and DAV app passwords are
never asked for a second factor: they are secrets made by a signed-in (and verified) person.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from rubrica.accounts import selectors
from rubrica.accounts.models import SiteSettings, User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.audit.signin import client_address

STATE_KEY = "_rubrica_2fa"
VERIFY, SETUP, OK = "verify", "setup", "ok"
#: The required roles a session's state was decided under (ADR 0036): when the team settings
#: name others, an ``ok`` session is decided again at its next request.
POLICY_KEY = "_rubrica_2fa_roles"
RECOVERY_DEVICE = "recovery"
RECOVERY_CODES = 10

#: Pages a session that owes its second factor may reach (URL names).
VERIFY_PAGES = frozenset(
    {
        "signin_verify",
        "logout",
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
        "manifest",
    }
)
#: Pages a session that must set one up may reach.
SETUP_PAGES = frozenset(
    {
        "settings:security",
        "settings:totp_setup",
        "logout",
        "otp_webauthn:credential-registration-begin",
        "otp_webauthn:credential-registration-complete",
        "otp_webauthn:js-i18n-catalog",
        "manifest",
    }
)


# Reads ----------------------------------------------------------------------------------------


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def passkeys(user: User) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("id"))


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE).first()


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE).count())


def has_second_factor(user: User) -> bool:
    """A TOTP app or a passkey (recovery codes alone are a way back in, not a factor)."""
    return bool(
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def required_roles() -> frozenset[str]:
    roles = selectors.team_settings().two_factor_roles or []
    return frozenset(str(role) for role in roles)


def is_required(user: User) -> bool:
    """Whether a role ``user`` holds must use a second factor (site setting)."""
    return bool(selectors.role_keys(user) & required_roles())


def policy_stamp() -> str:
    """The required roles as one comparable value (one small query)."""
    row = (
        SiteSettings.objects.filter(pk=SiteSettings.SINGLETON)
        .values_list("two_factor_roles", flat=True)
        .first()
    )
    return ",".join(sorted(str(role) for role in (row or [])))


def recheck(request: HttpRequest, user: User) -> str:
    """The state of an ``ok`` session after the required roles changed since it was decided:
    a user a role of whom now requires a second factor, and who has not given one in this
    session, must set one up (or give theirs) at this very request, not at the next sign-in."""
    session = request.session
    stamp = policy_stamp()
    if session.get(POLICY_KEY) == stamp:
        return OK
    session[POLICY_KEY] = stamp
    if not is_required(user) or user.is_verified():  # type: ignore[attr-defined]
        return OK
    state = session[STATE_KEY] = session_state(user)
    return state


def owes_setup(request: HttpRequest) -> bool:
    """Whether this signed-in session must set up a second factor before anything else."""
    session = getattr(request, "session", None)
    return session is not None and session.get(STATE_KEY) == SETUP and pending(request)


def session_state(user: User) -> str:
    if has_second_factor(user):
        return VERIFY
    return SETUP if is_required(user) else OK


def pending(request: HttpRequest) -> bool:
    """Whether this signed-in session still owes its second factor (or its set-up)."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    state = session.get(STATE_KEY, OK)
    if state == OK:
        return False
    user = getattr(request, "user", None)
    verified = getattr(user, "is_verified", None)
    return not (callable(verified) and verified())


# Sign-in --------------------------------------------------------------------------------------


def on_logged_in(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    """user_logged_in: decide what this new session owes (Django has just rotated its key)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[STATE_KEY] = session_state(user)
        session[POLICY_KEY] = policy_stamp()


def mark_verified(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)
    # A new session key once the second factor is given, as at the password step.
    request.session.cycle_key()
    request.session[STATE_KEY] = OK


def verify_code(request: HttpRequest, user: User, code: str) -> Device | None:
    """Check a TOTP code or a recovery code of ``user``; on success mark the session verified.
    A recovery code works once (django-otp deletes it). django-otp slows repeated failures down
    per device (its throttling), on top of the sign-in lockout."""
    code = "".join(str(code or "").split())
    if not code or len(code) > 16 or not code.isalnum():
        return None
    candidates: list[Device] = [*TOTPDevice.objects.filter(user=user, confirmed=True)]
    candidates += StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE)
    with transaction.atomic():
        for device in candidates:
            if device.verify_token(code):
                kind = "recovery" if isinstance(device, StaticDevice) else "totp"
                details: dict[str, Any] = {"kind": kind}
                if kind == "recovery":
                    details["left"] = recovery_codes_left(user)
                audit.record(
                    user,
                    AuditAction.TWO_FACTOR_VERIFY,
                    details=details,
                    ip_address=client_address(request),
                )
                mark_verified(request, device)
                return device
        audit.record(user, AuditAction.TWO_FACTOR_FAILURE, ip_address=client_address(request))
    return None


def passkey_verified(request: HttpRequest, credential: WebAuthnCredential) -> None:
    """After django-otp-webauthn verified a passkey assertion (it has called otp_login)."""
    audit.record(
        credential.user,
        AuditAction.TWO_FACTOR_VERIFY,
        details={"kind": "passkey", "name": credential.name},
        ip_address=client_address(request),
    )
    request.session.cycle_key()
    request.session[STATE_KEY] = OK


# Set-up and removal ---------------------------------------------------------------------------


def totp_begin(*, user: User, key: str | None = None) -> TOTPDevice:
    """The unconfirmed TOTP device ``user`` is setting up (a new secret, or the one shown
    before while it is not confirmed yet); with ``key`` (the secret the set-up page showed),
    the device of that secret. Called when a code is sent (a POST), never to show the page."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False)
    if key is not None:
        pending = pending.filter(key=key)
    device = pending.order_by("-id").first()
    if device is None:
        values = {"key": key} if key is not None else {}
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False, **values)
    return device


def totp_preview(*, user: User, key: str) -> TOTPDevice:
    """An unsaved device of secret ``key``, to draw the set-up page's QR code: showing the page
    writes nothing (ADR 0036); the device is stored when its first code is sent."""
    return TOTPDevice(user=user, name="app", confirmed=False, key=key)


def totp_confirm(*, actor: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the TOTP app ``device`` with a code it shows; replaces any older app. Returns new
    recovery codes when the user had none (shown once), [] when they had some; raises
    ValidationError on a wrong code."""
    if device.user_id != actor.pk:
        raise PermissionDenied(_("You can only set up your own second factor."))
    code = "".join(str(code or "").split())
    if not code.isdigit() or not device.verify_token(code):
        raise ValidationError({"code": _("This code is not right; try the next one.")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(actor, AuditAction.TWO_FACTOR_ADD, actor, {"kind": "totp"})
        codes = recovery_codes_new(actor=actor) if recovery_device(actor) is None else []
    return codes


def passkey_added(*, actor: User, credential: WebAuthnCredential) -> list[str]:
    """After django-otp-webauthn registered ``credential``: audit it, and give recovery codes
    to a user who had none (returned, shown once)."""
    with transaction.atomic():
        audit.record(
            actor, AuditAction.TWO_FACTOR_ADD, actor, {"kind": "passkey", "name": credential.name}
        )
        return recovery_codes_new(actor=actor) if recovery_device(actor) is None else []


def recovery_codes_new(*, actor: User) -> list[str]:
    """Replace ``actor``'s recovery codes with ``RECOVERY_CODES`` new ones (shown once; each
    works once). Only for a user with a second factor."""
    if not has_second_factor(actor):
        raise ValidationError(
            {"recovery": _("Set up an authenticator app or a passkey before recovery codes.")}
        )
    codes = [_recovery_code() for _index in range(RECOVERY_CODES)]
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=actor, name=RECOVERY_DEVICE, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        audit.record(actor, AuditAction.TWO_FACTOR_RECOVERY_CODES, actor, {"count": len(codes)})
    return codes


def _recovery_code() -> str:
    """Ten characters from a lowercase alphabet without look-alikes (no 0/o, 1/l/i)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _index in range(10))


def _ensure_may_remove(actor: User, user: User, remaining: int) -> None:
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only change your own second factor."))
    if remaining == 0 and is_required(user):
        raise ValidationError(
            {"device": _("Your role requires a second factor: add another before removing this.")}
        )


def totp_remove(*, actor: User) -> int:
    """Remove ``actor``'s authenticator app; returns how many devices went."""
    with transaction.atomic():
        _ensure_may_remove(actor, actor, len(passkeys(actor)))
        count, _kinds = TOTPDevice.objects.filter(user=actor).delete()
        if count:
            audit.record(actor, AuditAction.TWO_FACTOR_REMOVE, actor, {"kind": "totp"})
            _drop_recovery_if_bare(actor)
    return int(count)


def passkey_remove(*, actor: User, credential: WebAuthnCredential) -> None:
    with transaction.atomic():
        others = len([c for c in passkeys(actor) if c.pk != credential.pk])
        if credential.user_id != actor.pk:
            raise PermissionDenied(_("You can only change your own second factor."))
        _ensure_may_remove(actor, actor, others + (1 if totp_device(actor) else 0))
        name = credential.name
        credential.delete()
        audit.record(actor, AuditAction.TWO_FACTOR_REMOVE, actor, {"kind": "passkey", "name": name})
        _drop_recovery_if_bare(actor)


def _drop_recovery_if_bare(user: User) -> None:
    """Recovery codes without any factor left would be a password of their own: remove them."""
    if not has_second_factor(user):
        StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE).delete()


def two_factor_reset(*, actor: User, user: User) -> int:
    """An administrator removes every second factor and recovery code of ``user`` (who lost
    their phone): the next sign-in asks them to set one up again if their role requires it.
    Returns how many devices were removed."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can reset a second factor."))
    with transaction.atomic():
        count = 0
        for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
            devices = model.objects.filter(user=user)
            count += int(devices.count())
            devices.delete()
        audit.record(actor, AuditAction.TWO_FACTOR_RESET, user, {"devices": count})
    return count


def known_role_keys() -> tuple[str, ...]:
    return selectors.SHIPPED_ROLE_KEYS


def policy_update(*, actor: User | None, roles: Iterable[str]) -> SiteSettings:
    """Set the roles whose holders must use a second factor. Administrators only; ``actor``
    None is the operator at the command line."""
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can change the team settings."))
    wanted = sorted({str(role).strip() for role in roles if str(role).strip()})
    unknown = [role for role in wanted if role not in known_role_keys()]
    if unknown:
        raise ValidationError(
            {"two_factor_roles": _("Unknown role: %(role)s.") % {"role": ", ".join(unknown)}}
        )
    with transaction.atomic():
        row, _created = SiteSettings.objects.select_for_update().get_or_create(
            pk=SiteSettings.SINGLETON
        )
        before = list(row.two_factor_roles or [])
        row.two_factor_roles = wanted
        row.save(update_fields=["two_factor_roles", "updated_at"])
        audit.record(
            actor, AuditAction.TWO_FACTOR_POLICY, details={"before": before, "after": wanted}
        )
    selectors.forget_team_settings()
    return row


# The door ----------------------------------------------------------------------------------


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a session that owes its second factor reaches only the
    verification page; one that must set it up only the security settings. The API is left to
    its own door (``api.auth`` refuses such a session with 401, never a redirect)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        state = session.get(STATE_KEY)
        if state is None:  # a session from before two-factor existed: decide now, once
            state = session[STATE_KEY] = session_state(user)
        if state == OK:
            state = recheck(request, user)  # a role newly requiring it applies now
        if state == OK:
            return self.get_response(request)
        if user.is_verified():  # e.g. a passkey ceremony of django-otp-webauthn just now
            session[STATE_KEY] = OK
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
            name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        except Resolver404:
            name = ""
        allowed = VERIFY_PAGES if state == VERIFY else SETUP_PAGES
        if name in allowed:
            return self.get_response(request)
        if request.headers.get("HX-Request"):
            # A fragment (a badge polling, a suggestion): nothing to swap in, no navigation.
            return HttpResponse(status=401)
        target = reverse("signin_verify" if state == VERIFY else "settings:security")
        if request.method == "GET" and state == VERIFY:
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
