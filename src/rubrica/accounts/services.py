"""Writes on users and tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts import selectors
from rubrica.accounts.models import (
    ApiToken,
    DateStyle,
    Density,
    HomePage,
    Role,
    SiteSettings,
    Team,
    Theme,
    TokenScope,
    User,
    UserSettings,
    all_scopes,
    generate_token,
    hash_token,
)
from rubrica.accounts.types import UserInput
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.core import normalize


def user_create(
    *,
    actor: User | None,
    username: str,
    email: str = "",
    password: str | None = None,
    role: str = Role.MEMBER,
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, str | None]:
    """Create a user. ``actor`` None means the system (first-run setup, CLI as operator).

    Returns the user and, when no password was given, a generated one-time password.
    """
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can create users."))
    username = username.strip()
    if email.strip():
        try:
            email = normalize.email(email)
        except ValueError as exc:
            raise ValidationError({"email": str(exc)}) from None
    if not username:
        raise ValidationError({"username": _("A username is required.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with this username already exists.")})
    if password is not None:
        candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            role=role,
            first_name=first_name,
            last_name=last_name,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(password)
        user.save()
        audit.record(actor, AuditAction.USER_CREATE, user, {"role": role})
    return user, generated


def clean_scopes(scopes: Iterable[str] | None) -> list[str]:
    """Token scopes as stored: known values, in a fixed order; None means all."""
    if scopes is None:
        return all_scopes()
    wanted = {str(scope).strip().lower() for scope in scopes}
    unknown = sorted(wanted - set(TokenScope.values))
    if unknown:
        raise ValidationError(
            {"scopes": _("Unknown scope: %(scope)s.") % {"scope": ", ".join(unknown)}}
        )
    if not wanted:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    return [scope for scope in TokenScope.values if scope in wanted]


def token_create(
    *,
    actor: User,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    scopes: Iterable[str] | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; returns the token row and the secret (shown once).
    ``scopes`` (``TokenScope`` values) limit what it may do; None: read and write."""
    if actor.pk != user.pk and not actor.is_administrator:
        raise PermissionDenied(_("You can only create tokens for yourself."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Choose a time in the future.")})
    cleaned_scopes = clean_scopes(scopes)
    raw = generate_token()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            key_prefix=raw[:10],
            key_hash=hash_token(raw),
            expires_at=expires_at,
            scopes=cleaned_scopes,
        )
        audit.record(
            actor,
            AuditAction.TOKEN_CREATE,
            token,
            {
                "user": user.username,
                "prefix": token.key_prefix,
                "scopes": cleaned_scopes,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return token, raw


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if actor.pk != token.user_id and not actor.is_administrator:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, AuditAction.TOKEN_REVOKE, token, {"prefix": token.key_prefix})
    return token


#: Seconds between two records of a token's (or app password's) use: its last-used time and an
#: audit entry are written at most this often, not on every request.
USE_RECORD_EVERY = 60


def token_authenticate(raw: str, *, write: bool = False) -> User | None:
    """The active user a bearer token belongs to, or None. ``write``: the request changes
    something, which needs the token's ``write`` scope (else PermissionDenied, a 403; reading
    needs ``read``). Records when it was last used (and audits it) at most once a minute."""
    if not raw.startswith("rbk_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    needed = TokenScope.WRITE if write else TokenScope.READ
    if needed not in (token.scopes or []):
        if write:
            raise PermissionDenied(_("This API token may only read."))
        raise PermissionDenied(_("This API token may not read."))
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > USE_RECORD_EVERY:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            audit.record(token.user, AuditAction.TOKEN_USE, token, {"prefix": token.key_prefix})
    return token.user


def active_administrators() -> QuerySet[User]:
    """Users who can administer right now: active, and superuser or with the administrator role."""
    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(role=Role.ADMIN))


USER_TEXT_FIELDS = {"first_name": 150, "last_name": 150}


def user_update(*, actor: User, user: User, data: UserInput) -> User:
    """Change a user's name, email, role or active flag; only administrators.

    Users are never deleted (records keep their owner); ``is_active=False`` is how someone leaves.
    Invariant: at least one active administrator remains, so nobody is locked out of settings.
    The role decides ``is_superuser``/``is_staff`` as in ``user_create``. Partial: only keys
    present in ``data`` change.
    """
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can change users."))
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    texts: Mapping[str, Any] = data  # read by field name below
    for name, max_length in USER_TEXT_FIELDS.items():
        if name in texts:
            try:
                values[name] = normalize.single_line(texts[name] or "", max_length=max_length)
            except ValueError as exc:
                errors[name] = str(exc)
    if "email" in data:
        raw_email = str(data["email"] or "").strip()
        try:
            values["email"] = normalize.email(raw_email) if raw_email else ""
        except ValueError as exc:
            errors["email"] = str(exc)
    if "role" in data:
        if data["role"] not in Role.values:
            errors["role"] = _("Choose a valid role.")
        else:
            values["role"] = data["role"]
            values["is_superuser"] = values["is_staff"] = data["role"] == Role.ADMIN
    if "is_active" in data:
        values["is_active"] = bool(data["is_active"])
        if not values["is_active"] and user.pk == actor.pk:
            errors["is_active"] = _("You cannot deactivate your own account.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the administrators so two concurrent demotions cannot both pass the check.
        admins = list(active_administrators().select_for_update().values_list("pk", flat=True))
        current = User.objects.select_for_update().get(pk=user.pk)
        for name, value in values.items():
            setattr(current, name, value)
        still_admin = current.is_active and current.is_administrator
        if current.pk in admins and not still_admin and len(admins) == 1:
            field = "is_active" if not current.is_active else "role"
            raise ValidationError(
                {
                    field: _(
                        "%(user)s is the last active administrator. Make someone else an "
                        "administrator first."
                    )
                    % {"user": current.username}
                }
            )
        if values:
            current.save(update_fields=[*values])
            audit.record(actor, AuditAction.USER_UPDATE, current, values)
    for name in values:
        setattr(user, name, getattr(current, name))
    return user


def user_deactivate(*, actor: User, user: User) -> User:
    """Stop a user from logging in and using API tokens; their records keep them as owner."""
    return user_update(actor=actor, user=user, data={"is_active": False})


def user_reset_password(*, actor: User, user: User) -> str:
    """Give ``user`` a new generated password (returned once, to be passed on privately)."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can reset passwords."))
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor, AuditAction.USER_PASSWORD_RESET, user)
    return password


def _clean_team_name(name: str | None, team: Team | None) -> str | None:
    if name is None:
        return None
    try:
        cleaned = normalize.single_line(name, max_length=100)
    except ValueError as exc:
        raise ValidationError({"name": str(exc)}) from None
    if not cleaned:
        raise ValidationError({"name": _("A team needs a name.")})
    clash = Team.objects.filter(name__iexact=cleaned)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    return cleaned


def team_create(*, actor: User, name: str, members: Iterable[User] = ()) -> Team:
    """Create a team; only administrators. Records shared with "team" reach its members."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can manage teams."))
    cleaned = _clean_team_name(name, None)
    assert cleaned is not None  # a name was given
    with transaction.atomic():
        team = Team.objects.create(name=cleaned)
        team.members.set(list(members))
        audit.record(actor, AuditAction.TEAM_CREATE, team, {"members": _member_names(team)})
    return team


def team_update(
    *, actor: User, team: Team, name: str | None = None, members: Iterable[User] | None = None
) -> Team:
    """Rename a team and/or replace its members (``None`` leaves a part unchanged)."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can manage teams."))
    cleaned = _clean_team_name(name, team)
    with transaction.atomic():
        if cleaned is not None and cleaned != team.name:
            team.name = cleaned
            team.save(update_fields=["name"])
        if members is not None:
            team.members.set(list(members))
        audit.record(
            actor,
            AuditAction.TEAM_UPDATE,
            team,
            {"name": team.name, "members": _member_names(team)},
        )
    return team


# Team and personal settings (ADR 0021) --------------------------------------------------------


@dataclass(frozen=True)
class ListChoices:
    """A list whose default columns and sort a user may choose: its name ("contacts"), its label,
    and the columns and sorts it accepts as ``(key, label)`` pairs."""

    name: str
    label: Any
    columns: tuple[tuple[str, Any], ...]
    sorts: tuple[tuple[str, Any], ...]


#: Filled by the lists' apps from their ``ready()`` (they sit above accounts).
LIST_CHOICES: dict[str, ListChoices] = {}


def register_list_choices(
    name: str, label: Any, *, columns: Iterable[Any], name_column: Any
) -> None:
    """Offer the default columns and sort of the list ``name``; ``columns`` are the list's
    ``kits.web.lists.Column`` entries, and every sortable one (and ``name_column``) gives an
    ascending and a descending sort."""
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    listed = tuple(columns)
    sorts: list[tuple[str, Any]] = []
    for column in (name_column, *listed):
        if column.sort:
            sorts.append(
                (column.sort, format_lazy(gettext_lazy("{column}, ascending"), column=column.label))
            )
            sorts.append(
                (
                    f"-{column.sort}",
                    format_lazy(gettext_lazy("{column}, descending"), column=column.label),
                )
            )
    LIST_CHOICES[name] = ListChoices(
        name=name,
        label=label,
        columns=tuple((column.key, column.label) for column in listed),
        sorts=tuple(sorts),
    )


def _country(value: str) -> str:
    import phonenumbers

    code = str(value or "").strip().upper()
    if code and code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(_("Choose a country by its two-letter code, such as IT or CN."))
    return code


def team_settings_update(*, actor: User | None, country: str) -> SiteSettings:
    """Set the team's default country (an ISO 3166 two-letter code, "" for none). Only
    administrators; ``actor`` None is the operator at the command line (``rubrica setup``)."""
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can change the team settings."))
    try:
        code = _country(country)
    except ValueError as exc:
        raise ValidationError({"country": str(exc)}) from None
    with transaction.atomic():
        row, _created = SiteSettings.objects.select_for_update().get_or_create(
            pk=SiteSettings.SINGLETON
        )
        row.country = code
        row.save(update_fields=["country", "updated_at"])
    transaction.on_commit(lambda: selectors.remember_team_country(code))
    selectors.forget_team_settings()
    return row


def _language(value: Any) -> str:
    from django.conf import settings

    code = str(value or "").strip().lower()
    if code and code not in {lang for lang, _name in settings.LANGUAGES}:
        raise ValueError(_("Choose one of the languages offered."))
    return code


def _time_zone(value: Any) -> str:
    import zoneinfo

    name = str(value or "").strip()
    if name:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("Enter a time zone such as Europe/Rome.")) from None
    return name


def _choice(choices: type[Any]) -> Any:
    def check(value: Any) -> str:
        if value not in choices.values:
            raise ValueError(_("Choose one of the options offered."))
        return str(value)

    return check


def _lists(kind: str) -> Any:
    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError(_("Give one entry per list."))
        out: dict[str, Any] = {}
        for name, chosen in value.items():
            if name not in LIST_CHOICES:
                raise ValueError(_("Unknown list %(name)s.") % {"name": name})
            columns = {key for key, _label in LIST_CHOICES[name].columns}
            sorts = {key for key, _label in LIST_CHOICES[name].sorts}
            if kind == "columns":
                if not isinstance(chosen, list) or not set(chosen) <= columns:
                    raise ValueError(
                        _("Choose the columns of %(name)s among: %(keys)s.")
                        % {"name": name, "keys": ", ".join(sorted(columns))}
                    )
                out[name] = [str(key) for key in chosen]
            else:
                if chosen not in sorts:
                    raise ValueError(
                        _("Sort %(name)s by one of: %(keys)s.")
                        % {"name": name, "keys": ", ".join(sorted(sorts))}
                    )
                out[name] = str(chosen)
        return out

    return check


USER_SETTINGS_FIELDS = {
    "language": _language,
    "time_zone": _time_zone,
    "date_style": _choice(DateStyle),
    "theme": _choice(Theme),
    "density": _choice(Density),
    "home_page": _choice(HomePage),
    "list_columns": _lists("columns"),
    "list_sort": _lists("sort"),
}


def user_settings_update(*, actor: User, user: User, data: dict[str, Any]) -> UserSettings:
    """Change ``user``'s personal settings; a person changes only their own. Partial: only the
    keys in ``data`` change; every bad value is reported by field and nothing is saved."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can change only your own settings."))
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, check in USER_SETTINGS_FIELDS.items():
        if name in data:
            try:
                values[name] = check(data[name])
            except ValueError as exc:
                errors[name] = str(exc)
    unknown = set(data) - set(USER_SETTINGS_FIELDS)
    for name in sorted(unknown):
        errors[name] = _("Unknown setting.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, _created = UserSettings.objects.select_for_update().get_or_create(user=user)
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    selectors.remember_user_settings(user, row)
    return row


def _member_names(team: Team) -> list[str]:
    return sorted(team.members.values_list("username", flat=True))
