"""The only module that reads the environment.

Every setting that an operator may change comes from here, so that configuration is documented in
one place (docs/operator.md) and a bad value fails fast with ImproperlyConfigured at start-up.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import zoneinfo
from pathlib import Path

import phonenumbers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("RUBRICA_VAR_DIR", str(BASE_DIR / "var"))).resolve()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}")
    return value


def _list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = _bool("DEBUG", False)
ALLOWED_HOSTS = _list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS", [])
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
TRASH_RETENTION_DAYS = _int("TRASH_RETENTION_DAYS", 30, minimum=1)
#: Merge people with the same email and the same name without asking (rubrica.merges).
AUTO_MERGE_EXACT = _bool("RUBRICA_AUTO_MERGE_EXACT", False)


def _probability(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number from 0 to 1, not {raw!r}") from exc
    if not 0 < value <= 1:
        raise ImproperlyConfigured(f"{name} must be a number from 0 to 1, not {raw!r}")
    return value


#: Match probabilities from which a duplicate pair is "sure" (auto-merge allowed), "likely"
#: (the review queue) and "possible" (shown on request); see docs/adr/0014-record-linkage.md.
DEDUP_SURE = _probability("RUBRICA_DEDUP_SURE", 0.995)
DEDUP_LIKELY = _probability("RUBRICA_DEDUP_LIKELY", 0.6)
DEDUP_POSSIBLE = _probability("RUBRICA_DEDUP_POSSIBLE", 0.3)
if not DEDUP_POSSIBLE <= DEDUP_LIKELY <= DEDUP_SURE:
    raise ImproperlyConfigured(
        "RUBRICA_DEDUP_POSSIBLE <= RUBRICA_DEDUP_LIKELY <= RUBRICA_DEDUP_SURE must hold"
    )
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(VAR_DIR / "media")))
MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 10, minimum=1)
#: Files people upload for import live here, outside MEDIA_ROOT: never served, never executed.
PRIVATE_ROOT = Path(os.environ.get("RUBRICA_PRIVATE_ROOT", str(VAR_DIR / "private")))
IMPORT_MAX_MB = _int("RUBRICA_IMPORT_MAX_MB", 200, minimum=1)
#: The largest document (one version of an attached file) people may upload, in MB.
DOCUMENTS_MAX_MB = _int("RUBRICA_DOCUMENTS_MAX_MB", 25, minimum=1)
#: Files of finished jobs (export outputs, uploads of imports that did not finish) are deleted
#: this many days after the job ended, by `rubrica jobs purge` and at `rubrica serve` start.
JOB_FILES_DAYS = _int("RUBRICA_JOB_FILES_DAYS", 30, minimum=1)
#: Imports of at least this many records read and check them in a second process while the
#: job's process writes (docs/adr/0009); 0 turns that off.
IMPORT_READER_MIN = _int("RUBRICA_IMPORT_READER_MIN", 2000, minimum=0)
SECURE_COOKIES = _bool("SECURE_COOKIES", False)

# Sign-in and sessions (docs/adr/0020-trust-sign-in-and-audit.md).
#: Failed sign-ins for one username from one address before that pair is locked out.
LOGIN_FAILURE_LIMIT = _int("RUBRICA_LOGIN_FAILURE_LIMIT", 5, minimum=1)
#: Minutes a lockout lasts; 0 keeps it until an administrator unlocks (`rubrica users unlock`).
LOGIN_LOCKOUT_MINUTES = _int("RUBRICA_LOGIN_LOCKOUT_MINUTES", 30, minimum=0)
#: A session unused for this many hours ends (each request starts the count again).
SESSION_IDLE_HOURS = _int("RUBRICA_SESSION_IDLE_HOURS", 8, minimum=1)
#: Seconds of Strict-Transport-Security sent over HTTPS when SECURE_COOKIES is on; 0 sends none.
HSTS_SECONDS = _int("RUBRICA_HSTS_SECONDS", 31536000, minimum=0)
#: Redirect plain HTTP to HTTPS (when no TLS proxy does it already).
SSL_REDIRECT = _bool("RUBRICA_SSL_REDIRECT", False)
#: Trust the proxy's X-Forwarded-Proto header to tell HTTPS requests (only behind such a proxy).
PROXY_TLS_HEADER = _bool("RUBRICA_PROXY_TLS_HEADER", False)

# The audit log (docs/adr/0030-audit-trail-complete.md).
#: The file the worker appends the audit chain's head to once a day ("SEQ HASH TIME" lines),
#: outside the database; keep it (or a copy) where the database's owner cannot rewrite it.
AUDIT_HEAD_FILE = Path(
    os.environ.get("RUBRICA_AUDIT_HEAD_FILE", str(VAR_DIR / "audit-heads.txt"))
).resolve()
#: Addresses the daily head is also e-mailed to (comma-separated); none by default.
AUDIT_HEAD_EMAILS = _list("RUBRICA_AUDIT_HEAD_EMAILS", [])
#: Days audit entries are kept; 0 (the default) keeps them for ever: nothing is ever deleted.
AUDIT_RETENTION_DAYS = _int("RUBRICA_AUDIT_RETENTION_DAYS", 0, minimum=0)

TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known IANA time zone")

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
SUPPORTED_LANGUAGES = ("en", "it", "zh-hans", "fa")
if LANGUAGE_CODE not in SUPPORTED_LANGUAGES:
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE must be one of {', '.join(SUPPORTED_LANGUAGES)}, not {LANGUAGE_CODE!r}"
    )

DEFAULT_PHONE_REGION = os.environ.get("DEFAULT_PHONE_REGION", "").upper()
if DEFAULT_PHONE_REGION and DEFAULT_PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"DEFAULT_PHONE_REGION {DEFAULT_PHONE_REGION!r} is not a region phonenumbers knows"
    )


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its missing parents) readable by this user only (0700); a folder
    that exists is left as it is."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is masked by the umask
    return path


def private_file(path: Path) -> Path:
    """Create the empty file ``path`` readable and writable by this user only (0600) unless it
    exists: SQLite then opens it, and makes its WAL and shared-memory files with its mode."""
    if not path.exists():
        private_dir(path.parent)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/secret_key."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_dir(VAR_DIR)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


#: A CA bundle (PEM) trusted for IMAP over TLS besides the system's (a private mail server's CA).
MAIL_CA_FILE = os.environ.get("RUBRICA_MAIL_CA_FILE", "").strip()


def mail_key() -> bytes:
    """The Fernet key that encrypts mailbox passwords (ADR 0024): RUBRICA_MAIL_KEY, else the key
    file RUBRICA_MAIL_KEY_FILE (default var/mail_key, made once, 0600). Never in the database or
    the repository; losing it means typing the mailbox passwords again. Read at each call."""
    key = os.environ.get("RUBRICA_MAIL_KEY", "").strip()
    if key:
        return key.encode("ascii")
    path = Path(os.environ.get("RUBRICA_MAIL_KEY_FILE", str(VAR_DIR / "mail_key")))
    if path.exists():
        return path.read_bytes().strip()
    private_dir(path.parent)
    from cryptography.fernet import Fernet

    new = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(new)
    return new


def field_key_file() -> Path:
    """Where the keys of sensitive fields live when RUBRICA_FIELD_KEYS is not set (ADR 0027):
    RUBRICA_FIELD_KEY_FILE, default var/field_keys. Outside the database, never in the repo."""
    return Path(os.environ.get("RUBRICA_FIELD_KEY_FILE", str(VAR_DIR / "field_keys")))


def field_keys_text(*, create: bool = True) -> str:
    """The keys that encrypt sensitive fields (ADR 0027), one ``<id> <base64 of 32 bytes>`` a
    line, the current key first: RUBRICA_FIELD_KEYS (lines or ``;``-separated), else the key
    file, made once (0600) with one new key when ``create`` and it is missing. Read at each
    call. Losing every key means losing the sensitive values: back the file up."""
    text = os.environ.get("RUBRICA_FIELD_KEYS", "").strip()
    if text:
        return text.replace(";", "\n")
    path = field_key_file()
    if path.exists():
        return path.read_text()
    if not create:
        return ""
    private_dir(path.parent)
    import base64

    new = f"k1 {base64.b64encode(secrets.token_bytes(32)).decode('ascii')}\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its keys
        return path.read_text()
    with os.fdopen(fd, "w") as handle:
        handle.write(new)
    return new


def cli_user() -> str:
    """RUBRICA_USER: whom `rubrica contacts ...` acts for when --as is not given. Read at each
    call, not at import, because it belongs to one shell session rather than to the server."""
    return os.environ.get("RUBRICA_USER", "").strip()


# E-mail (notifications: reminders, mentions, digests). Django's SMTP backend by default; set
# EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend to print them instead.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "rubrica@localhost")
#: The address people reach Rubrica at, for links in e-mails (e.g. https://crm.example.org).
SITE_URL = os.environ.get("RUBRICA_SITE_URL", "http://localhost:8000").rstrip("/")
#: Seconds between two ticks of the scheduler (reminders, digests, e-mails) in the worker.
TICK_SECONDS = _int("RUBRICA_TICK_SECONDS", 60, minimum=5)

# Second factor and password hashing (ADR 0029) -----------------------------------------------

#: The WebAuthn relying party: the host name passkeys are bound to (default: SITE_URL's host).
#: Changing it later makes every registered passkey unusable.
WEBAUTHN_RP_ID = (
    os.environ.get("RUBRICA_WEBAUTHN_RP_ID", "").strip()
    or (SITE_URL.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]"))
    or "localhost"
)
#: Origins a passkey ceremony may come from (default: SITE_URL).
WEBAUTHN_ORIGINS = _list("RUBRICA_WEBAUTHN_ORIGINS", [SITE_URL])
#: Password checks (Argon2, ~100 MiB each) run at once in one process; the others wait.
HASH_CONCURRENCY = _int("RUBRICA_HASH_CONCURRENCY", 2, minimum=1)
#: The longest URL (path and query, in bytes) answered; a longer one gets a 414 problem.
MAX_URL_BYTES = _int("RUBRICA_MAX_URL_BYTES", 4096, minimum=256)
# Backups (docs/adr/0031-backups-and-crash-safety.md, docs/operator.md "Backups").
#: Where archives are written; default: the private root's backups/ (left out of the archives).
BACKUP_DIR = Path(os.environ.get("RUBRICA_BACKUP_DIR", str(PRIVATE_ROOT / "backups")))
#: Encrypt archives (AES-256-GCM, key derived with scrypt) with this passphrase; empty: plain.
BACKUP_PASSPHRASE = os.environ.get("RUBRICA_BACKUP_PASSPHRASE", "")
#: The worker takes a backup every day at this time (HH:MM, server time zone); "off": never.
BACKUP_TIME = os.environ.get("RUBRICA_BACKUP_TIME", "02:30").strip().lower()
if BACKUP_TIME != "off":
    try:
        _hour, _minute = (int(part) for part in BACKUP_TIME.split(":"))
    except ValueError:
        _hour = _minute = -1
    if not (0 <= _hour < 24 and 0 <= _minute < 60):
        raise ImproperlyConfigured(f"RUBRICA_BACKUP_TIME must be HH:MM or off, not {BACKUP_TIME!r}")
#: Scheduled archives kept: the newest of each of the last N days, and of the last N weeks.
BACKUP_KEEP_DAILY = _int("RUBRICA_BACKUP_KEEP_DAILY", 7, minimum=1)
BACKUP_KEEP_WEEKLY = _int("RUBRICA_BACKUP_KEEP_WEEKLY", 4, minimum=0)
