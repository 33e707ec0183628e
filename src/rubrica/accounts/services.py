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

from rubrica.accounts import scopes as token_scopes
from rubrica.accounts import selectors
from rubrica.accounts.grants import SHIPPED_ROLES, shipped_level
from rubrica.accounts.models import (
    LEGACY_ROLE_KEYS,
    AccessRole,
    ApiToken,
    DateStyle,
    Density,
    Grant,
    HomePage,
    Role,
    SiteSettings,
    Team,
    Theme,
    User,
    UserSettings,
    all_scopes,
    generate_token,
    hash_token,
)
from rubrica.accounts.selectors import forget_grants
from rubrica.accounts.types import UserInput
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction, Target
from rubrica.core import normalize
from rubrica.core.policies import Action, Level, grant_entities
from rubrica.core.services import Precondition


def user_create(
    *,
    actor: User | None,
    username: str,
    email: str = "",
    password: str | None = None,
    role: str = Role.MEMBER,
    first_name: str = "",
    last_name: str = "",
    roles: Iterable[AccessRole] | None = None,
) -> tuple[User, str | None]:
    """Create a user. ``actor`` None means the system (first-run setup, CLI as operator).

    The user holds ``roles``, or else the shipped role their ``role`` of old stands for (admin:
    Administrator, member: Sales, viewer: Read-only). Returns the user and, when no password
    was given, a generated one-time password.
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
        held = list(roles) if roles is not None else [shipped_role(LEGACY_ROLE_KEYS[Role(role)])]
        user.roles.set(held)
        details: dict[str, Any] = {"role": role, "roles": sorted(r.key for r in held)}
        audit.record(actor, AuditAction.USER_CREATE, user, details)
    return user, generated


def clean_scopes(scopes: Iterable[str] | None) -> list[str]:
    """Token scopes as stored: known values (``contacts:*`` stands for both of its area), in a
    fixed order; None means all (``read`` and ``write``: every area, ADR 0036)."""
    if scopes is None:
        return all_scopes()
    wanted = {
        expanded
        for scope in scopes
        if str(scope).strip()
        for expanded in token_scopes.expand(str(scope).strip().lower())
    }
    unknown = sorted(wanted - set(token_scopes.known_scopes()))
    if unknown:
        raise ValidationError(
            {"scopes": _("Unknown scope: %(scope)s.") % {"scope": ", ".join(unknown)}}
        )
    if not wanted:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    return [scope for scope in token_scopes.known_scopes() if scope in wanted]


def token_create(
    *,
    actor: User,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    scopes: Iterable[str] | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; returns the token row and the secret (shown once).
    ``scopes`` (``accounts.scopes``) limit what it may do; None: read and write everywhere."""
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


class MissingScope(PermissionDenied):
    """A valid token without the scope an operation's area needs (a 403 problem naming it)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(_("This API token lacks the scope %(scope)s.") % {"scope": scope})


def token_authenticate(raw: str, *, area: str | None, write: bool = False) -> User | None:
    """The active user a bearer token belongs to, or None. ``area`` is the API area of the
    operation called (``accounts.scopes.AREAS`` or ``admin``; None: an operation no area was
    given to, which no token may call) and ``write`` whether the request changes something: the
    token must carry the matching scope (else MissingScope, a 403 naming it). Records when it
    was last used (and audits it) at most once a minute."""
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
    if area is None:
        raise PermissionDenied(_("This operation cannot be called with an API token."))
    if not token_scopes.allows(token.scopes or [], area, write=write):
        raise MissingScope(token_scopes.area_scope(area, write))
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > USE_RECORD_EVERY:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            audit.record(token.user, AuditAction.TOKEN_USE, token, {"prefix": token.key_prefix})
    return token.user


def administrator_role_ids() -> set[int]:
    """The roles whose holders are administrators: they grant "manage users" on every user
    (an explicit grant, or the shipped default of a shipped role without one)."""
    pair = ("users", Action.MANAGE_USERS)
    explicit = dict(
        Grant.objects.filter(entity=pair[0], action=pair[1]).values_list("role_id", "level")
    )
    ids = {pk for pk, level in explicit.items() if level == Level.ALL}
    for pk, key in AccessRole.objects.filter(shipped=True).values_list("pk", "key"):
        if pk not in explicit and shipped_level(key, *pair) == Level.ALL:
            ids.add(pk)
    return ids


def active_administrators() -> QuerySet[User]:
    """Users who can administer right now: active, and superuser or holding an administrator
    role (their own or their team's)."""
    ids = administrator_role_ids()
    direct = User.roles.through.objects.filter(accessrole_id__in=ids).values("user_id")
    via_teams = Team.members.through.objects.filter(team__roles__in=ids).values("user_id")
    # Subqueries, not joins: no duplicate rows, so no DISTINCT, which PostgreSQL refuses with
    # the FOR UPDATE of user_update.
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=direct) | Q(pk__in=via_teams)
    )


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
    new_roles: list[AccessRole] | None = None
    if "role" in data:
        if data["role"] not in Role.values:
            errors["role"] = _("Choose a valid role.")
        else:
            values["role"] = data["role"]
            values["is_superuser"] = values["is_staff"] = data["role"] == Role.ADMIN
            new_roles = [shipped_role(LEGACY_ROLE_KEYS[Role(data["role"])])]
    if "roles" in data:
        try:
            new_roles = roles_by_key(data["roles"])
        except ValidationError as exc:
            errors["roles"] = error_message(exc)
        else:
            legacy = legacy_role(new_roles)
            if legacy != user.role:
                values["role"] = legacy
            is_admin = bool(administrator_role_ids() & {r.pk for r in new_roles})
            values["is_staff"] = is_admin
            if not is_admin and user.is_superuser:
                values["is_superuser"] = False
    if "is_active" in data:
        values["is_active"] = bool(data["is_active"])
        if not values["is_active"] and user.pk == actor.pk:
            errors["is_active"] = _("You cannot deactivate your own account.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the administrators so two concurrent demotions cannot both pass the check.
        # (By id: PostgreSQL refuses FOR UPDATE on the DISTINCT query of active_administrators.)
        admins = list(
            User.objects.select_for_update()
            .filter(pk__in=active_administrators().values("pk"))
            .values_list("pk", flat=True)
        )
        current = User.objects.select_for_update().get(pk=user.pk)
        for name, value in values.items():
            setattr(current, name, value)
        before = sorted(current.roles.values_list("key", flat=True))
        if new_roles is not None:
            current.roles.set(new_roles)
            forget_grants(current, user)
        still_admin = current.is_active and current.is_administrator
        if current.pk in admins and not still_admin and len(admins) == 1:
            field = "is_active" if not current.is_active else "roles" if "roles" in data else "role"
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
        after = sorted(current.roles.values_list("key", flat=True))
        if after != before:
            audit.record(actor, AuditAction.USER_ROLES, current, {"before": before, "after": after})
    for name in values:
        setattr(user, name, getattr(current, name))
    forget_grants(user, actor)
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


def team_create(
    *,
    actor: User,
    name: str,
    members: Iterable[User] = (),
    roles: Iterable[AccessRole] = (),
    managers: Iterable[User] = (),
) -> Team:
    """Create a team; only administrators. Records shared with "team" reach its members, and
    its ``roles`` are held by every member; ``managers`` (members) manage it (ADR 0049)."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can manage teams."))
    cleaned = _clean_team_name(name, None)
    assert cleaned is not None  # a name was given
    members = list(members)
    managers = _clean_managers(managers, members)
    with transaction.atomic():
        team = Team.objects.create(name=cleaned)
        team.members.set(members)
        team.managers.set(managers)
        team.roles.set(list(roles))
        audit.record(
            actor,
            AuditAction.TEAM_CREATE,
            team,
            {
                "members": _member_names(team),
                "managers": _manager_names(team),
                "roles": _role_keys(team),
            },
        )
    forget_grants(actor)
    return team


def team_update(
    *,
    actor: User,
    team: Team,
    name: str | None = None,
    members: Iterable[User] | None = None,
    roles: Iterable[AccessRole] | None = None,
    managers: Iterable[User] | None = None,
) -> Team:
    """Rename a team and/or replace its members, its managers and the roles it carries
    (``None`` leaves a part unchanged; members who leave stop managing it). Refused if no
    active administrator would remain, or if a manager is not a member."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can manage teams."))
    cleaned = _clean_team_name(name, team)
    new_members = list(members) if members is not None else list(team.members.all())
    if managers is not None:
        new_managers = _clean_managers(managers, new_members)
    else:  # those who leave stop managing it
        new_managers = [user for user in team.managers.all() if user in new_members]
    with transaction.atomic():
        if cleaned is not None and cleaned != team.name:
            team.name = cleaned
            team.save(update_fields=["name"])
        if members is not None:
            team.members.set(new_members)
        team.managers.set(new_managers)
        if roles is not None:
            team.roles.set(list(roles))
        audit.record(
            actor,
            AuditAction.TEAM_UPDATE,
            team,
            {
                "name": team.name,
                "members": _member_names(team),
                "managers": _manager_names(team),
                "roles": _role_keys(team),
            },
        )
        _ensure_an_administrator("roles" if roles is not None else "members")
    forget_grants(actor)
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
        before = row.country
        row.country = code
        row.save(update_fields=["country", "updated_at"])
        audit.record(
            actor,
            AuditAction.SETTINGS_CHANGE,
            Target("settings.team", SiteSettings.SINGLETON, _("Team settings")),
            {"country": {"before": before, "after": code}},
        )
    transaction.on_commit(lambda: selectors.remember_team_country(code))
    selectors.forget_team_settings()
    return row


def team_consent_update(*, actor: User | None, require_email_consent: bool) -> SiteSettings:
    """Whether mail is written only to people who opted in to e-mail (ADR 0032). Only
    administrators (``actor`` None: the operator at the command line); audited."""
    if actor is not None and "administrator" not in selectors.role_keys(actor):
        raise PermissionDenied(_("Only administrators can change the team settings."))
    with transaction.atomic():
        row, _created = SiteSettings.objects.select_for_update().get_or_create(
            pk=SiteSettings.SINGLETON
        )
        before = row.require_email_consent
        row.require_email_consent = bool(require_email_consent)
        row.save(update_fields=["require_email_consent", "updated_at"])
        if before != row.require_email_consent:
            audit.record(
                actor,
                "settings.change",
                details={
                    "require_email_consent": {
                        "before": before,
                        "after": row.require_email_consent,
                    }
                },
            )
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
        audit.record(actor, AuditAction.USER_SETTINGS_CHANGE, user, {"fields": sorted(values)})
    selectors.remember_user_settings(user, row)
    return row


def _member_names(team: Team) -> list[str]:
    return sorted(team.members.values_list("username", flat=True))


def _manager_names(team: Team) -> list[str]:
    return sorted(team.managers.values_list("username", flat=True))


def _clean_managers(managers: Iterable[User], members: list[User]) -> list[User]:
    """``managers`` as a list, refused (naming the field) when one is not among ``members``."""
    chosen = list(managers)
    outside = sorted(user.get_username() for user in chosen if user not in members)
    if outside:
        raise ValidationError(
            {
                "managers": _("A manager must be a member of the team: %(names)s.")
                % {"names": ", ".join(outside)}
            }
        )
    return chosen


def _role_keys(team: Team) -> list[str]:
    return sorted(team.roles.values_list("key", flat=True))


# Roles and grants (issue 17, ADR 0025) -------------------------------------------------------


def error_message(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def legacy_role(roles: Iterable[AccessRole]) -> str:
    """The role of old that best names ``roles`` (kept in ``User.role`` for the doors that show
    it): admin with an administrator role, viewer with Read-only alone, else member."""
    held = list(roles)
    if administrator_role_ids() & {role.pk for role in held}:
        return Role.ADMIN
    if held and {role.key for role in held} == {"read_only"}:
        return Role.VIEWER
    return Role.MEMBER


def shipped_role(key: str) -> AccessRole:
    """The shipped role ``key``, created if missing (the data migration creates them; a test
    database emptied by a flush has none)."""
    for shipped in SHIPPED_ROLES:
        if shipped.key == key:
            from django.utils import translation

            with translation.override("en"):  # stored in English, shown translated (label)
                name = str(shipped.name)
            role, _created = AccessRole.objects.get_or_create(
                key=key, defaults={"name": name, "shipped": True}
            )
            if not role.shipped:
                raise ValidationError({"key": _("The role %(key)s is not shipped.") % {"key": key}})
            return role
    raise ValidationError({"key": _("No shipped role has the key %(key)s.") % {"key": key}})


def roles_by_key(keys: Iterable[str]) -> list[AccessRole]:
    wanted = sorted({str(key) for key in keys})
    shipped = {role.key for role in SHIPPED_ROLES}
    for key in wanted:
        if key in shipped:
            shipped_role(key)
    found = list(AccessRole.objects.filter(key__in=wanted))
    missing = set(wanted) - {role.key for role in found}
    if missing:
        raise ValidationError(
            {"roles": _("Unknown role %(keys)s.") % {"keys": ", ".join(sorted(missing))}}
        )
    return found


def _ensure_manager(actor: User | None) -> None:
    if actor is not None and not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can manage roles, users and teams."))


def _ensure_an_administrator(field: str) -> None:
    """Refuse (inside the caller's transaction, which then rolls back) a change after which no
    active administrator would remain: nobody could manage users or roles any more."""
    if not active_administrators().exists():
        raise ValidationError(
            {
                field: _(
                    "After this change nobody active could manage users and roles. Keep at least "
                    "one active administrator."
                )
            }
        )


ROLE_KEY_MAX = 40


def _clean_role_fields(
    name: str | None, description: str | None, errors: dict[str, str]
) -> dict[str, str]:
    values: dict[str, str] = {}
    if name is not None:
        try:
            values["name"] = normalize.single_line(name, max_length=100)
        except ValueError as exc:
            errors["name"] = str(exc)
        else:
            if not values["name"]:
                errors["name"] = _("A role needs a name.")
    if description is not None:
        text = str(description).replace("\x00", "").strip()
        if len(text) > 2000:
            errors["description"] = _("Keep the description under 2,000 characters.")
        values["description"] = text
    return values


def role_create(
    *,
    actor: User | None,
    key: str,
    name: str,
    description: str = "",
    copy_of: AccessRole | None = None,
) -> AccessRole:
    """Create a role that is not shipped; it grants nothing until grants are set, or the grants
    of ``copy_of`` (its effective levels, shipped defaults included) when given."""
    from django.utils.text import slugify

    _ensure_manager(actor)
    errors: dict[str, str] = {}
    cleaned_key = slugify(str(key or "")).replace("-", "_")
    if not cleaned_key or len(cleaned_key) > ROLE_KEY_MAX:
        errors["key"] = _("Give the role a short key of letters, digits and underscores.")
    elif AccessRole.objects.filter(key=cleaned_key).exists():
        errors["key"] = _("A role with this key already exists.")
    values = _clean_role_fields(name, description, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        role = AccessRole.objects.create(key=cleaned_key, **values)
        levels: dict[str, str] = {}
        if copy_of is not None:
            for (entity, action), level in role_levels(copy_of).items():
                Grant.objects.create(role=role, entity=entity, action=action, level=level)
                levels[f"{entity}.{action}"] = level
        audit.record(
            actor,
            AuditAction.ROLE_CREATE,
            role,
            {"key": role.key, "name": role.name, "grants": levels},
        )
    return role


def _lock_role(role: AccessRole, precondition: Precondition[AccessRole] | None) -> None:
    """Lock ``role``'s row for the caller's transaction and run ``precondition`` on it as stored
    (the API's If-Match)."""
    current = AccessRole.objects.select_for_update().filter(pk=role.pk).first()
    if current is None:
        raise ValidationError({"key": _("This role no longer exists.")})
    if precondition is not None:
        precondition(current)


def role_update(
    *,
    actor: User | None,
    role: AccessRole,
    name: str | None = None,
    description: str | None = None,
    precondition: Precondition[AccessRole] | None = None,
) -> AccessRole:
    """Rename a role or change its description (its key stays: others name the role by it)."""
    _ensure_manager(actor)
    errors: dict[str, str] = {}
    values = _clean_role_fields(name, description, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_role(role, precondition)
        changed = {field: value for field, value in values.items() if getattr(role, field) != value}
        if not changed:
            return role
        for field, value in changed.items():
            setattr(role, field, value)
        role.save(update_fields=list(changed))
        audit.record(actor, AuditAction.ROLE_UPDATE, role, changed)
    return role


def role_delete(
    *, actor: User | None, role: AccessRole, precondition: Precondition[AccessRole] | None = None
) -> None:
    """Delete a role that is not shipped; its holders and teams lose it."""
    _ensure_manager(actor)
    if role.shipped:
        raise ValidationError({"key": _("A shipped role cannot be deleted; change its grants.")})
    with transaction.atomic():
        _lock_role(role, precondition)
        holders = sorted(role.users.values_list("username", flat=True))
        teams = sorted(role.teams.values_list("name", flat=True))
        details = {"key": role.key, "name": role.name, "users": holders, "teams": teams}
        audit.record(actor, AuditAction.ROLE_DELETE, role, details)
        role.delete()
        _ensure_an_administrator("key")
    if actor is not None:
        forget_grants(actor)


def role_levels(role: AccessRole) -> dict[tuple[str, str], str]:
    """The level ``role`` grants for every registered (entity, action): its grant row, else the
    shipped default (shipped roles) or none."""
    rows = {(g.entity, g.action): g.level for g in role.grants.all()}
    levels: dict[tuple[str, str], str] = {}
    for entity in grant_entities:
        for action in entity.actions:
            pair = (entity.key, action)
            if pair in rows:
                levels[pair] = rows[pair]
            elif role.shipped:
                levels[pair] = shipped_level(role.key, *pair)
            else:
                levels[pair] = Level.NONE
    return levels


def grant_field(entity: str, action: str) -> str:
    """The name under which forms and errors carry the level of (entity, action)."""
    return f"{entity}__{action}"


def role_grants_set(
    *,
    actor: User | None,
    role: AccessRole,
    levels: Mapping[tuple[str, str], str],
    precondition: Precondition[AccessRole] | None = None,
) -> AccessRole:
    """Set the levels of some (entity, action) pairs of ``role``; pairs not given stay as they
    are. Every pair must be registered and every level one of ``Level``; errors are keyed by
    ``grant_field`` and nothing is written. Refused if no active administrator would remain."""
    _ensure_manager(actor)
    errors: dict[str, str] = {}
    for (entity, action), level in levels.items():
        field = grant_field(entity, action)
        if entity not in grant_entities:
            errors[field] = _("Unknown entity %(entity)s.") % {"entity": entity}
        elif action not in grant_entities.get(entity).actions:
            errors[field] = _("%(action)s cannot be granted on %(entity)s.") % {
                "action": action,
                "entity": entity,
            }
        elif level not in Level.values:
            errors[field] = _("Choose one of: %(levels)s.") % {"levels": ", ".join(Level.values)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_role(role, precondition)
        current = role_levels(role)
        changes: dict[str, list[str]] = {}
        for (entity, action), level in levels.items():
            if current[(entity, action)] == level:
                continue  # a shipped role keeps following its default where it is unchanged
            Grant.objects.update_or_create(
                role=role, entity=entity, action=action, defaults={"level": level}
            )
            changes[f"{entity}.{action}"] = [current[(entity, action)], level]
        if changes:
            audit.record(
                actor, AuditAction.GRANT_CHANGE, role, {"key": role.key, "changes": changes}
            )
            first = next(iter(levels))
            _ensure_an_administrator(grant_field(*first))
    if actor is not None:
        forget_grants(actor)
    return role


def user_roles_set(*, actor: User | None, user: User, roles: Iterable[AccessRole]) -> User:
    """Give ``user`` exactly ``roles`` (the CLI's door; the user form passes ``roles`` keys to
    ``user_update``)."""
    if actor is None:
        held = list(roles)
        with transaction.atomic():
            before = sorted(user.roles.values_list("key", flat=True))
            user.roles.set(held)
            after = sorted(r.key for r in held)
            if before != after:
                audit.record(None, AuditAction.USER_ROLES, user, {"before": before, "after": after})
            _ensure_an_administrator("roles")
        forget_grants(user)
        return user
    return user_update(actor=actor, user=user, data={"roles": [role.key for role in roles]})
