"""Writes of the mail app: preferences, the person made from an unknown sender, mailboxes, and
the upload of ``.eml``/``.mbox`` files as a background job (capture itself is ``mail.capture``;
sending is ``mail.sending``)."""

from __future__ import annotations

import datetime as dt
import mailbox as mbox
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rubrica.accounts.models import Team, User
from rubrica.activities.models import Activity
from rubrica.activities.services import activity_update, ensure_may_log
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_create
from rubrica.contacts.types import ContactInput
from rubrica.core.models import Action
from rubrica.core.services import ensure_can
from rubrica.env import private_dir
from rubrica.jobs.models import Job
from rubrica.jobs.running import Progress
from rubrica.jobs.services import job_create
from rubrica.mail import crypto
from rubrica.mail.capture import (
    activity_text,
    capture_or_count,
    describe,
    file_address,
    mail_capture,
)
from rubrica.mail.models import (
    Level,
    Mailbox,
    MailMessage,
    MailPreference,
    MailTemplate,
    Security,
    SmtpSettings,
)
from rubrica.mail.types import MailboxInput, MailTemplateInput

IMPORT_KIND = "mail_import"
FETCH_KIND = "mail_fetch"
#: Messages captured per checkpoint of an import.
BATCH = 50


# Preferences ---------------------------------------------------------------------------------


@transaction.atomic
def mail_preference_set(*, actor: User, level: str) -> MailPreference:
    """Choose what colleagues see of ``actor``'s captured mail; the timeline entries already
    written are rewritten to match."""
    if level not in Level.values:
        raise ValidationError({"level": _("Choose a valid option.")})
    preference, _created = MailPreference.objects.get_or_create(user=actor)
    if preference.level == level:
        return preference
    preference.level = level
    preference.save(update_fields=["level"])
    messages = MailMessage.objects.filter(owner=actor, activity__isnull=False)
    for message in messages.iterator():
        activity = Activity.all_objects.get(pk=message.activity_id or 0)
        subject, body = activity_text(message, level)
        if activity.subject != subject or activity.body != body:
            activity_update(actor=actor, activity=activity, data={"subject": subject, "body": body})
    return preference


# Unknown senders -----------------------------------------------------------------------------


@transaction.atomic
def contact_from_address(*, actor: User, address: str, name: str = "") -> tuple[Contact, int]:
    """Create the person an unknown address belongs to and file the actor's messages naming it
    on them (one click on the unknown senders' list). Returns the person and how many messages
    were filed."""
    ensure_may_log(actor)
    address = address.strip().lower()
    if not MailMessage.objects.filter(
        owner=actor, participants__address=address, participants__contact__isnull=True
    ).exists():
        raise ValidationError({"address": _("No message of yours names this address.")})
    parts = name.strip().rsplit(" ", 1)
    data: ContactInput = {"emails": [{"value": address}]}
    if name.strip():
        data["given_name"] = parts[0][:150]
        if len(parts) > 1:
            data["family_name"] = parts[1][:150]
    contact = contact_create(actor=actor, data=data)
    return contact, file_address(actor=actor, address=address, contact=contact)


# Mailboxes -----------------------------------------------------------------------------------

MAILBOX_FIELDS = (
    "name",
    "host",
    "port",
    "security",
    "username",
    "password",
    "folders",
    "fetch_since",
    "active",
    "poll_minutes",
    "use_idle",
    "team",
)


def _clean_mailbox(data: Mapping[str, Any], actor: User, creating: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in sorted(set(data) - set(MAILBOX_FIELDS)):
        errors[name] = _("Unknown field.")
    for name, limit in (("name", 100), ("host", 255), ("username", 255)):
        if name in data:
            text = str(data[name] or "").strip()
            if not text:
                errors[name] = _("This field is required.")
            elif len(text) > limit:
                errors[name] = _("At most %(n)d characters.") % {"n": limit}
            values[name] = text
        elif creating:
            errors[name] = _("This field is required.")
    if "port" in data:
        try:
            port = int(str(data["port"]))
        except (TypeError, ValueError):
            port = 0
        if not 1 <= port <= 65535:
            errors["port"] = _("Enter a port between 1 and 65535.")
        values["port"] = port
    if "security" in data:
        if data["security"] not in Security.values:
            errors["security"] = _("Choose a valid option.")
        values["security"] = data["security"]
    if "password" in data and data["password"] is not None:
        values["password_encrypted"] = crypto.encrypt(str(data["password"]))
    if "folders" in data:
        raw = data["folders"]
        folders = [f.strip() for f in (raw.split(",") if isinstance(raw, str) else raw or [])]
        folders = [f for f in folders if f]
        if not folders or any(len(f) > 255 for f in folders):
            errors["folders"] = _("Name at least one folder.")
        values["folders"] = list(dict.fromkeys(folders))
    elif creating:
        values["folders"] = ["INBOX"]
    if "fetch_since" in data:
        raw = data["fetch_since"]
        if raw in (None, ""):
            values["fetch_since"] = None
        elif isinstance(raw, dt.date):
            values["fetch_since"] = raw
        else:
            try:
                values["fetch_since"] = dt.date.fromisoformat(str(raw))
            except ValueError:
                errors["fetch_since"] = _("Enter a date as YYYY-MM-DD.")
    if "active" in data:
        values["active"] = bool(data["active"]) and data["active"] not in ("0", "false", "off")
    if "use_idle" in data:
        raw_idle = data["use_idle"]
        values["use_idle"] = bool(raw_idle) and raw_idle not in ("0", "false", "off")
    if "poll_minutes" in data:
        try:
            minutes = int(str(data["poll_minutes"]))
        except (TypeError, ValueError):
            minutes = 0
        if not 1 <= minutes <= 1440:
            errors["poll_minutes"] = _("Enter a number of minutes between 1 and 1440.")
        values["poll_minutes"] = minutes
    if "team" in data:
        raw = data["team"]
        if raw in (None, ""):
            values["team"] = None
        else:
            team = Team.objects.filter(pk=int(raw) if str(raw).isdigit() else 0).first()
            if team is None or not (
                actor.is_administrator or team.members.filter(pk=actor.pk).exists()
            ):
                errors["team"] = _("There is no such team.")
            values["team"] = team
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def mailbox_create(*, actor: User, data: MailboxInput) -> Mailbox:
    ensure_may_log(actor)
    values = _clean_mailbox(data, actor, creating=True)
    mailbox = Mailbox(owner=actor, **values)
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_update(*, actor: User, mailbox: Mailbox, data: MailboxInput) -> Mailbox:
    ensure_can(actor, mailbox, Action.CHANGE)
    values = _clean_mailbox(data, actor, creating=False)
    current = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current


@transaction.atomic
def mailbox_delete(*, actor: User, mailbox: Mailbox) -> None:
    """Forget a mailbox (the messages captured from it stay)."""
    ensure_can(actor, mailbox, Action.DELETE)
    mailbox.delete()


def mailbox_fetch_start(*, actor: User, mailbox: Mailbox, enqueue: bool = True) -> Job:
    """Queue a fetch of ``mailbox`` (the worker also starts them by itself, ``poll``)."""
    ensure_can(actor, mailbox, Action.CHANGE)
    return job_create(
        actor=actor,
        kind=FETCH_KIND,
        title=_("Fetch mail: %(name)s") % {"name": mailbox.name},
        params={"mailbox": mailbox.pk},
        enqueue=enqueue,
    )


# Upload of .eml / .mbox ----------------------------------------------------------------------


def _uploads_dir() -> Path:
    return private_dir(Path(settings.RUBRICA_PRIVATE_ROOT) / "mail-uploads")


def import_start(*, actor: User, upload: IO[bytes], filename: str, enqueue: bool = True) -> Job:
    """Keep the uploaded ``.eml`` or ``.mbox`` file privately and start the job that captures
    its messages (with progress; resumable from its last batch)."""
    ensure_may_log(actor)
    lower = filename.lower()
    if not lower.endswith((".eml", ".mbox", ".mbx")):
        raise ValidationError({"file": _("Choose an .eml or .mbox file.")})
    name = f"{secrets.token_urlsafe(18)}{'.eml' if lower.endswith('.eml') else '.mbox'}"
    path = _uploads_dir() / name
    limit = int(settings.RUBRICA_IMPORT_MAX_BYTES)
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := upload.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit or size == 0:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": _("The file is empty or too large.")})
    return job_create(
        actor=actor,
        kind=IMPORT_KIND,
        title=_("Import mail: %(name)s") % {"name": filename[:150]},
        params={"path": name, "filename": filename[:255]},
        enqueue=enqueue,
    )


def _messages_in(path: Path) -> list[bytes]:
    if path.suffix == ".eml":
        return [path.read_bytes()]
    box = mbox.mbox(str(path), create=False)
    try:
        return [box.get_bytes(key) for key in box.iterkeys()]
    finally:
        box.close()


def run_import(job: Job, progress: Progress) -> dict[str, Any]:
    """The job: capture each message of the uploaded file, ``BATCH`` per checkpoint."""
    actor = job.owner
    path = _uploads_dir() / str(job.params["path"])
    if not path.exists():
        raise PermissionDenied(_("The uploaded file is no longer kept."))
    raws = _messages_in(path)
    progress.set_total(len(raws))
    state = dict(job.checkpoint or {})
    start = int(state.get("next", 0))
    counts = {k: int(state.get(k, 0)) for k in ("captured", "duplicates", "failed", "filed")}
    unknown: set[str] = set(state.get("unknown", []))
    for first in range(start, len(raws), BATCH):
        progress.raise_if_cancelled()
        with transaction.atomic():
            for raw in raws[first : first + BATCH]:
                result = capture_or_count(counts, actor=actor, raw=raw)
                if result is None or result.duplicate:
                    continue
                counts["filed"] += bool(result.contact_ids)
                unknown.update(result.unknown)
            done = min(first + BATCH, len(raws))
            progress.checkpoint(
                {"next": done, **counts, "unknown": sorted(unknown)[:500]}, done=done
            )
    return {**counts, "unknown": sorted(unknown)[:500]}


def discard_upload(job: Job) -> bool:
    path = _uploads_dir() / str(job.params.get("path", "none"))
    if path.exists():
        path.unlink()
        return True
    return False


def capture_one(*, actor: User, raw: bytes) -> dict[str, Any]:
    """Capture one message now (the API's forward-to-Rubrica door)."""
    return describe(mail_capture(actor=actor, raw=raw))


# Templates -----------------------------------------------------------------------------------


def _clean_template(data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    from rubrica.mail.templating import check

    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in sorted(set(data) - {"name", "subject", "body"}):
        errors[name] = _("Unknown field.")
    for name, limit in (("name", 100), ("subject", 500), ("body", 100_000)):
        if name in data:
            text = str(data[name] or "")
            if name != "body":
                text = " ".join(text.split())
            if not text.strip():
                errors[name] = _("This field is required.")
            elif len(text) > limit:
                errors[name] = _("At most %(n)d characters.") % {"n": limit}
            else:
                try:
                    if name != "name":
                        check(text, field=name)
                except ValidationError as exc:
                    errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
            values[name] = text
        elif creating:
            errors[name] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def mail_template_create(*, actor: User, data: MailTemplateInput) -> MailTemplate:
    """A template of ``actor``; its merge fields are checked in the sandbox before it is kept."""
    ensure_may_log(actor)
    return MailTemplate.objects.create(owner=actor, **_clean_template(data, creating=True))


@transaction.atomic
def mail_template_update(
    *, actor: User, template: MailTemplate, data: MailTemplateInput
) -> MailTemplate:
    ensure_can(actor, template, Action.CHANGE)
    values = _clean_template(data, creating=False)
    current = MailTemplate.objects.select_for_update().get(pk=template.pk)
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current


@transaction.atomic
def mail_template_delete(*, actor: User, template: MailTemplate) -> None:
    ensure_can(actor, template, Action.DELETE)
    template.delete()


SMTP_FIELDS = ("host", "port", "security", "username", "password", "from_address")


@transaction.atomic
def smtp_settings_save(*, actor: User, data: Mapping[str, Any]) -> SmtpSettings:
    """Set the SMTP server every send goes through (administrators only; audited, without the
    password). An empty host returns to the installation's settings; an empty or absent
    password keeps the one stored; ``clear_password`` removes it."""
    from django.core.validators import validate_email

    from rubrica.audit.services import AuditAction, record

    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators may change the SMTP settings."))
    errors: dict[str, str] = {}
    row = SmtpSettings.objects.select_for_update().filter(pk=1).first() or SmtpSettings(pk=1)
    host = str(data.get("host", row.host) or "").strip()
    if len(host) > 255:
        errors["host"] = _("At most %(n)d characters.") % {"n": 255}
    try:
        port = int(str(data.get("port", row.port)))
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        errors["port"] = _("Enter a port between 1 and 65535.")
    security = str(data.get("security", row.security))
    if security not in Security.values:
        errors["security"] = _("Choose a valid option.")
    username = str(data.get("username", row.username) or "").strip()[:255]
    from_address = str(data.get("from_address", row.from_address) or "").strip()
    if from_address:
        try:
            validate_email(from_address)
        except ValidationError:
            errors["from_address"] = _("Enter a valid email address.")
    if errors:
        raise ValidationError(errors)
    changed = []
    for name, value in (
        ("host", host),
        ("port", port),
        ("security", security),
        ("username", username),
        ("from_address", from_address),
    ):
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    password = data.get("password")
    if password:
        row.password_encrypted = crypto.encrypt(str(password))
        changed.append("password")
    elif data.get("clear_password") and row.password_encrypted:
        row.password_encrypted = ""
        changed.append("password")
    row.save()
    record(actor, AuditAction.SETTINGS_CHANGE, None, {"smtp": sorted(changed)})
    return row
