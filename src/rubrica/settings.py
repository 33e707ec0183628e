"""Django settings. Values an operator may change come from rubrica.env, never from os.environ."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from rubrica import env

BASE_DIR = env.BASE_DIR
SECRET_KEY = env.secret_key()
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "rubrica.core",
    "rubrica.kits.web",
    "rubrica.kits.cli",
    "rubrica.accounts",
    "rubrica.audit",
    "rubrica.history",
    "rubrica.sharing",
    "rubrica.taxonomy",
    "rubrica.customfields",
    "rubrica.contacts",
    "rubrica.organizations",
    "rubrica.activities",
    "rubrica.search",
    "rubrica.jobs",
    "rubrica.notifications",
    "rubrica.backups",
    "rubrica.dedup",
    "rubrica.documents",
    "rubrica.merges",
    "rubrica.tasks",
    "rubrica.calendars",
    "rubrica.mail",
    "rubrica.segments",
    "rubrica.quality",
    "rubrica.dataio",
    "rubrica.privacy",
    "rubrica.keys",
    "rubrica.feedback",
    "rubrica.api",
    "rubrica.cli",
    "rubrica.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rubrica.audit.middleware.AuditOriginMiddleware",
    "rubrica.web.middleware.LongUrlMiddleware",
    "csp.middleware.CSPMiddleware",
    "rubrica.web.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rubrica.accounts.middleware.UserSettingsMiddleware",
    "rubrica.accounts.sessions.SessionIdleTimeoutMiddleware",
    # The second factor (ADR 0029): request.user.is_verified(), then a signed-in session that
    # still owes a second factor (or must set one up) reaches only the pages that settle it.
    "django_otp.middleware.OTPMiddleware",
    "rubrica.accounts.twofactor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rubrica.urls"
WSGI_APPLICATION = "rubrica.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the page each user chose (ADR 0021)
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rubrica.accounts.context_processors.display_settings",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    if env.DATABASE_URL:
        config: dict[str, Any] = dict(dj_database_url.parse(env.DATABASE_URL, conn_max_age=60))
    else:
        config = {"NAME": str(env.VAR_DIR / "rubrica.sqlite3"), "ENGINE": "sqlite"}
    if "sqlite" in config["ENGINE"]:
        env.private_dir(env.VAR_DIR)  # var/ is 0700 and the database 0600 (issue 13)
        if config["NAME"] != ":memory:" and not str(config["NAME"]).startswith("file:"):
            env.private_file(Path(config["NAME"]))
        config.update(
            ENGINE="rubrica.core.sqlite_backend",
            CONN_MAX_AGE=0,
            OPTIONS={
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-65536;"
                    "PRAGMA mmap_size=268435456;"
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
            # Named explicitly: pytest-django (xdist) only leaves the engine
            # "django.db.backends.sqlite3" in memory, and would derive a file name here.
            TEST={"NAME": ":memory:"},
        )
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    # The user's personal settings come with the user, in the same query (ADR 0021).
    "rubrica.accounts.backends.SettingsModelBackend",
]
PASSWORD_HASHERS = [
    # Argon2 with at most RUBRICA_HASH_CONCURRENCY checks at once per process (ADR 0029).
    "rubrica.accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.LANGUAGE_CODE
LANGUAGES = [
    ("en", _("English")),
    ("it", _("Italian")),
    ("zh-hans", _("Simplified Chinese")),
    ("fa", _("Persian")),
]
LOCALE_PATHS = [BASE_DIR / "src" / "rubrica" / "locale"]
TIME_ZONE = env.TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = env.MEDIA_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Attached documents (rubrica.documents): under the private root, never under MEDIA_ROOT, and
    # with no URL of their own; they are served only by a permission-checked view. At scale an
    # S3-compatible bucket through django-storages (docs/operator.md).
    "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.PRIVATE_ROOT / "documents", "base_url": None},
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session in use is saved again (at most once a minute) with a new expiry, so it
# ends this long after its last request (accounts.sessions.SessionIdleTimeoutMiddleware).
SESSION_COOKIE_AGE = env.SESSION_IDLE_HOURS * 3600
SESSION_COOKIE_SECURE = env.SECURE_COOKIES
CSRF_COOKIE_SECURE = env.SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Behind HTTPS (SECURE_COOKIES): Strict-Transport-Security, optionally the redirect from HTTP
# and the proxy's header that tells HTTPS requests (docs/operator.md, "Serving").
SECURE_HSTS_SECONDS = env.HSTS_SECONDS if env.SECURE_COOKIES else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_SSL_REDIRECT = env.SSL_REDIRECT
# HSTS preload is a commitment made by submitting a domain to the browsers' list: the operator's
# choice, never a default, so its reminder (W021) is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.PROXY_TLS_HEADER else None
# No inline script and no inline style element anywhere (ADR 0020): scripts and style sheets are
# static files; style attributes stay allowed (progress bars, tag colours), they run nothing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sign-in throttling (django-axes): a username tried from one address is locked out after
# RUBRICA_LOGIN_FAILURE_LIMIT failures, whether or not the user exists; the login page says so.
AXES_FAILURE_LIMIT = env.LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = (
    dt.timedelta(minutes=env.LOGIN_LOCKOUT_MINUTES) if env.LOGIN_LOCKOUT_MINUTES else None
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "rubrica.accounts.signin.axes_username"
AXES_LOCKOUT_CALLABLE = "rubrica.web.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Second factor (ADR 0029): TOTP apps, recovery codes and passkeys, after the password only
# (no passwordless sign-in: a passkey alone would skip the lockout and the password policy).
OTP_TOTP_ISSUER = "Rubrica"
OTP_WEBAUTHN_RP_ID = env.WEBAUTHN_RP_ID
OTP_WEBAUTHN_RP_NAME = "Rubrica"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.WEBAUTHN_ORIGINS
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
RUBRICA_HASH_CONCURRENCY = env.HASH_CONCURRENCY
RUBRICA_MAX_URL_BYTES = env.MAX_URL_BYTES

# Two queues: long jobs, and short interactive ones run by a second worker (jobs.tasks).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "interactive"],
    }
}

#: Every send goes through the SMTP server an administrator set (mail.backend), else through
#: the backend named by the environment's EMAIL_BACKEND with the EMAIL_* values below.
EMAIL_BACKEND = "rubrica.mail.backend.SettingsBackend"
RUBRICA_EMAIL_BACKEND = env.EMAIL_BACKEND
EMAIL_HOST = env.EMAIL_HOST
EMAIL_PORT = env.EMAIL_PORT
EMAIL_HOST_USER = env.EMAIL_HOST_USER
EMAIL_HOST_PASSWORD = env.EMAIL_HOST_PASSWORD
EMAIL_USE_TLS = env.EMAIL_USE_TLS
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
#: Mail capture (rubrica.mail): a CA bundle trusted for IMAP over TLS besides the system's.
RUBRICA_MAIL_CA_FILE = env.MAIL_CA_FILE
RUBRICA_SITE_URL = env.SITE_URL
RUBRICA_TICK_SECONDS = env.TICK_SECONDS

RUBRICA_TRASH_RETENTION_DAYS = env.TRASH_RETENTION_DAYS
#: The audit log's daily head (file, e-mail) and retention (0: kept for ever). ADR 0030.
RUBRICA_AUDIT_HEAD_FILE = env.AUDIT_HEAD_FILE
RUBRICA_AUDIT_HEAD_EMAILS = env.AUDIT_HEAD_EMAILS
RUBRICA_AUDIT_RETENTION_DAYS = env.AUDIT_RETENTION_DAYS
# The keys of sensitive fields (ADR 0027): a callable giving the key lines, read at each use.
RUBRICA_FIELD_KEYS_SOURCE = env.field_keys_text
RUBRICA_AUTO_MERGE_EXACT = env.AUTO_MERGE_EXACT
RUBRICA_DEDUP_TIERS = {
    "sure": env.DEDUP_SURE,
    "likely": env.DEDUP_LIKELY,
    "possible": env.DEDUP_POSSIBLE,
}
RUBRICA_DEFAULT_PHONE_REGION = env.DEFAULT_PHONE_REGION
RUBRICA_PRIVATE_ROOT = env.PRIVATE_ROOT
RUBRICA_IMPORT_MAX_BYTES = env.IMPORT_MAX_MB * 1024 * 1024
#: Attached documents: the largest file accepted, and the content types accepted, as sniffed from
#: the bytes (never the name or the declared type); rubrica.documents.sniffing knows these types.
RUBRICA_DOCUMENTS_MAX_BYTES = env.DOCUMENTS_MAX_MB * 1024 * 1024
RUBRICA_DOCUMENTS_ALLOWED_TYPES = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/svg+xml",
    "text/plain",
    "text/csv",
    "text/markdown",
    "text/vcard",
    "text/calendar",
    "application/rtf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
]
RUBRICA_JOB_FILES_DAYS = env.JOB_FILES_DAYS
RUBRICA_IMPORT_READER_MIN = env.IMPORT_READER_MIN
RUBRICA_BACKUP_DIR = env.BACKUP_DIR
RUBRICA_BACKUP_PASSPHRASE = env.BACKUP_PASSPHRASE
RUBRICA_BACKUP_TIME = env.BACKUP_TIME
RUBRICA_BACKUP_KEEP_DAILY = env.BACKUP_KEEP_DAILY
RUBRICA_BACKUP_KEEP_WEEKLY = env.BACKUP_KEEP_WEEKLY

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"rubrica": {"level": "INFO"}},
}
