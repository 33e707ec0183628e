"""People who use Rubrica, their teams and their API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from rubrica.core.policies import Level


class Role(models.TextChoices):
    """The three roles of old (ADR 0003), kept in ``User.role`` for the doors that still name
    them (``createuser --role``); what a person may do is decided by the roles they hold
    (``AccessRole``, issue 17), onto which these map (``LEGACY_ROLE_KEYS``)."""

    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Read-only")


#: The shipped role each role of old stands for (the data migration and the services use it).
LEGACY_ROLE_KEYS = {Role.ADMIN: "administrator", Role.MEMBER: "sales", Role.VIEWER: "read_only"}


class AccessRole(models.Model):
    """A role: a named, editable set of grants (``Grant``), held by users and carried by teams.

    Invariants: ``key`` is a stable slug (other apps name roles by it, e.g. field protection);
    a shipped role (``shipped``) cannot be deleted and, for an entity it has no grant row for,
    has the shipped default level (``accounts.grants.shipped_level``), so an app added later is
    granted sensibly without a migration. A role that is not shipped has no level where it has
    no grant row.
    """

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    shipped = models.BooleanField(_("shipped"), default=False, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name to show: a shipped role's name in the reader's language (as long as it is
        the shipped English name), any other role's name as typed."""
        from django.utils.translation import gettext

        return gettext(self.name) if self.shipped else self.name


class Grant(models.Model):
    """What a role allows on one entity for one action, and how far (``core.policies.Level``).

    Invariants: one row per (role, entity, action) (``grant_role_entity_action_unique``); the
    entity and action are ones registered (``core.policies.grant_entities``) when written.
    """

    role = models.ForeignKey(
        AccessRole, verbose_name=_("role"), on_delete=models.CASCADE, related_name="grants"
    )
    entity = models.CharField(_("entity"), max_length=40)
    action = models.CharField(_("action"), max_length=20)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)

    class Meta:
        ordering = ["role", "entity", "action"]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "entity", "action"], name="grant_role_entity_action_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=Level.values), name="grant_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role_id}: {self.entity}.{self.action}={self.level}"


class Team(models.Model):
    """A group of users; records with visibility "team" are shared with its members, and the
    roles the team carries (``roles``) are held by every member.

    ``managers`` (ADR 0049): the members who manage it. A level of "Team (private included)"
    reaches the private work of a team's members only for its managers; a team that names none
    is managed by each member whose roles reach that level. Invariant: managers are members
    (``team_update`` keeps it)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(
        "accounts.User", verbose_name=_("members"), related_name="teams", blank=True
    )
    managers = models.ManyToManyField(
        "accounts.User", verbose_name=_("managers"), related_name="managed_teams", blank=True
    )
    roles = models.ManyToManyField(
        AccessRole, verbose_name=_("roles"), related_name="teams", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. The roles they hold (``roles``, and those of their teams) decide
    what they may do, the most permissive grant winning; superusers may do everything.

    ``role`` is the role of old (ADR 0003), kept in step by the services for the doors that
    still show it; nothing decides by it.
    """

    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    roles = models.ManyToManyField(
        AccessRole, verbose_name=_("roles"), related_name="users", blank=True
    )

    class Meta:
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_administrator(self) -> bool:
        """A superuser, or someone whose roles let them manage users at every level."""
        from rubrica.accounts.selectors import is_administrator

        return is_administrator(self)

    @property
    def is_read_only(self) -> bool:
        """Someone whose roles grant nothing but viewing (the Read-only role of old)."""
        from rubrica.accounts.selectors import is_read_only

        return is_read_only(self)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


TOKEN_PREFIX = "rbk_"  # noqa: S105 (a prefix, not a secret)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class TokenScope(models.TextChoices):
    """The scopes every token had before areas: ``read`` allows GET/HEAD/OPTIONS, ``write`` every
    other method, in every area of the API. The per-area scopes (``contacts:read``, ``admin``...)
    are listed in ``accounts.scopes`` (ADR 0036); checked by ``api.auth.TokenAuth``."""

    READ = "read", _("Read")
    WRITE = "write", _("Write")


def all_scopes() -> list[str]:
    return [TokenScope.READ.value, TokenScope.WRITE.value]


class ApiToken(models.Model):
    """A bearer token for the REST API. Only the SHA-256 of the secret is stored; the secret is
    shown once when created. ``key_prefix`` (the first characters) lets a person recognise it.
    ``scopes`` lists ``accounts.scopes`` values; a token can never do more than its user."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=12)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    scopes = models.JSONField(_("scopes"), default=all_scopes)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def every_area(self) -> bool:
        """Whether its scopes are the area-less ``read``/``write`` (the token list says so)."""
        return set(self.scopes or []) <= {TokenScope.READ.value, TokenScope.WRITE.value}


APP_PASSWORD_PREFIX = "rbp-"  # noqa: S105 (a prefix, not a secret)


class AppPassword(models.Model):
    """A password for one device's DAV client (a phone's contacts, a desktop calendar), used with
    HTTP Basic auth instead of the user's own password, so that a lost device is cut off alone
    and the sign-in password never sits in a client's settings. Like a token, only the SHA-256
    of the secret is stored (it is random and long: a slow hash would add nothing but the cost
    of Argon2 on every DAV request); the secret is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="app_passwords"
    )
    name = models.CharField(_("device"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=12)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("app password")
        verbose_name_plural = _("app passwords")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


# Team and personal settings (ADR 0021) --------------------------------------------------------


class SiteSettings(models.Model):
    """The team's settings: one row (pk 1), created on first write; a missing row means "not
    chosen yet". ``country`` is the ISO 3166 region (as phonenumbers knows it) in which phone
    numbers typed without a country code are read; empty means none was chosen, and such a
    number is refused rather than read as if it were American."""

    SINGLETON = 1

    country = models.CharField(_("default country"), max_length=2, blank=True)
    #: Mail is written only to people who opted in to e-mail (ADR 0032). Off by default: an
    #: install that never recorded consent would otherwise stop writing to anyone.
    require_email_consent = models.BooleanField(_("require consent for e-mail"), default=False)
    #: Keys of roles (``selectors.SHIPPED_ROLE_KEYS`` and any added later) whose holders must
    #: sign in with a second factor (ADR 0029).
    two_factor_roles = models.JSONField(_("roles that must use two-factor"), default=list)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("team settings")
        verbose_name_plural = _("team settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="site_settings_singleton")
        ]

    def __str__(self) -> str:
        return self.country or "-"


class Theme(models.TextChoices):
    SYSTEM = "system", _("Follow the system")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class Density(models.TextChoices):
    COMFORTABLE = "comfortable", _("Comfortable")
    COMPACT = "compact", _("Compact")


class DateStyle(models.TextChoices):
    LOCALE = "locale", _("As my language writes them")
    ISO = "iso", _("ISO 8601 (2026-12-05)")
    JALALI = "jalali", _("Persian (Jalali) calendar")


class HomePage(models.TextChoices):
    PEOPLE = "contacts:list", _("People")
    ORGANIZATIONS = "organizations:list", _("Organizations")
    TASKS = "tasks:mine", _("Tasks")
    TO_CONTACT = "activities:to_contact", _("To contact")


class UserSettings(models.Model):
    """One user's personal settings; at most one row per user, and a user without one has the
    defaults (an unsaved instance stands in). Empty ``language`` follows the browser, empty
    ``time_zone`` the site's ``TIME_ZONE``. ``list_columns`` and ``list_sort`` map a list's name
    ("contacts", "organizations") to its default columns (a list of keys) and sort."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="preferences"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    date_style = models.CharField(
        _("date format"), max_length=10, choices=DateStyle.choices, default=DateStyle.LOCALE
    )
    theme = models.CharField(_("theme"), max_length=10, choices=Theme.choices, default=Theme.SYSTEM)
    density = models.CharField(
        _("density"), max_length=12, choices=Density.choices, default=Density.COMFORTABLE
    )
    home_page = models.CharField(
        _("home page"), max_length=40, choices=HomePage.choices, default=HomePage.PEOPLE
    )
    list_columns = models.JSONField(_("default list columns"), default=dict, blank=True)
    list_sort = models.JSONField(_("default list sort"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("personal settings")
        verbose_name_plural = _("personal settings")

    def __str__(self) -> str:
        return str(self.user_id)
