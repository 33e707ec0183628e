"""E-mail: messages captured from uploads and IMAP mailboxes, the mailboxes, and mail sent from
Rubrica (ADR 0024).

A captured message is a :class:`MailMessage` (one row per Message-ID: a second capture of the same
message is refused) with its participants and attachments; when it concerns people it is filed
as one e-mail :class:`~rubrica.activities.models.Activity` on their timelines. What colleagues see
of a user's captured mail follows the user's :class:`MailPreference` (metadata, subject or full
content), both in the activity written and in the reads of ``selectors``.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rubrica.core.models import RestrictManager
from rubrica.core.policies import Policy
from rubrica.mail.policies import MailboxPolicy, MailMessagePolicy, OwnPolicy


class Level(models.TextChoices):
    """How much of a user's captured mail their colleagues see."""

    METADATA = "metadata", _("Sender, recipients and date only")
    SUBJECT = "subject", _("Also the subject")
    FULL = "full", _("The full message")


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class MailPreference(models.Model):
    """A user's choice of what colleagues see of the mail captured for them (default: subject)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="mail_preference",
    )
    level = models.CharField(
        _("colleagues see"), max_length=10, choices=Level.choices, default=Level.SUBJECT
    )

    class Meta:
        verbose_name = _("mail preference")
        verbose_name_plural = _("mail preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.level}"


class Security(models.TextChoices):
    SSL = "ssl", "SSL/TLS"
    STARTTLS = "starttls", "STARTTLS"
    NONE = "none", _("None")


class Mailbox(models.Model):
    """An IMAP mailbox polled by the worker for one user (or shared with a team).

    Invariant: ``password_encrypted`` is a Fernet token (``mail.crypto``), never the password;
    the key lives outside the database. Its folders remember their UIDVALIDITY and the last UID
    read, so a fetch resumes where the last one stopped."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="mailboxes",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=100)
    host = models.CharField(_("server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True)
    folders = models.JSONField(_("folders"), default=list, blank=True)
    fetch_since = models.DateField(_("fetch since"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    poll_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=5)
    #: Wait for new mail with IMAP IDLE (a connection kept open by the worker) rather than
    #: polling; polled anyway when the server lacks IDLE or no watcher is connected.
    use_idle = models.BooleanField(_("wait for new mail (IMAP IDLE)"), default=False)
    last_fetch_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    permission_policy: ClassVar[Policy] = MailboxPolicy()
    objects = RestrictManager()

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MailboxFolder(models.Model):
    """Where the last fetch of one folder stopped: a UID is meaningful only with its UIDVALIDITY
    (a new UIDVALIDITY means the server renumbered: the folder is read again, duplicates being
    refused by Message-ID)."""

    mailbox = models.ForeignKey(
        Mailbox, verbose_name=_("mailbox"), on_delete=models.CASCADE, related_name="states"
    )
    name = models.CharField(_("folder"), max_length=255)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("last UID read"), default=0)

    class Meta:
        verbose_name = _("mailbox folder")
        verbose_name_plural = _("mailbox folders")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "name"], name="mail_folder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.name}"


class MailMessage(models.Model):
    """One e-mail, captured once (``message_id`` is unique; a message without one gets a digest of
    its bytes). ``thread_key`` is the Message-ID of the first message of its thread (from
    References / In-Reply-To), shared by every message of the thread. ``activity`` is the
    timeline entry on the people it concerns (none while it concerns nobody known)."""

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    thread_key = models.CharField(_("thread"), max_length=255, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("captured for"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("date"))
    body = models.TextField(_("text"), blank=True)
    in_reply_to = models.CharField(_("in reply to"), max_length=255, blank=True)
    references = models.TextField(_("references"), blank=True)
    activity = models.OneToOneField(
        "activities.Activity",
        verbose_name=_("activity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mail_message",
    )
    is_bounce = models.BooleanField(_("delivery report"), default=False)
    created_at = models.DateTimeField(_("captured"), auto_now_add=True)

    permission_policy: ClassVar[Policy] = MailMessagePolicy()
    objects = RestrictManager()

    class Meta:
        verbose_name = _("e-mail message")
        verbose_name_plural = _("e-mail messages")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-sent_at", "-id"], name="mail_owner_time_idx"),
            models.Index(fields=["thread_key", "sent_at"], name="mail_thread_time_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id


class Role(models.TextChoices):
    FROM = "from", pgettext_lazy("e-mail", "From")
    TO = "to", pgettext_lazy("e-mail", "To")
    CC = "cc", _("Cc")


class MailParticipant(models.Model):
    """An address named in a message (lower-cased), with the person it was filed on, if any;
    the addresses of nobody known are the unknown senders listed for one-click creation."""

    message = models.ForeignKey(
        MailMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    role = models.CharField(_("role"), max_length=4, choices=Role.choices)
    address = models.CharField(_("address"), max_length=254, db_index=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    internal = models.BooleanField(_("colleague"), default=False)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.role}: {self.address}"


class MailAttachment(models.Model):
    """A file of a message; ``document`` is where it was stored (none when the type is not
    allowed as a document or the message concerns nobody)."""

    message = models.ForeignKey(
        MailMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class BouncedAddress(models.Model):
    """An address a delivery report said could not be reached (marked by capture)."""

    address = models.CharField(_("address"), max_length=254, unique=True)
    reason = models.TextField(_("reason"), blank=True)
    bounced_at = models.DateTimeField(_("bounced"))
    count = models.PositiveIntegerField(_("bounces"), default=1)

    class Meta:
        verbose_name = _("bouncing address")
        verbose_name_plural = _("bouncing addresses")

    def __str__(self) -> str:
        return self.address


class MailTemplate(models.Model):
    """A subject and a body with merge fields (``{{ contact.given_name }}``), rendered in a
    sandbox (``mail.templating``)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    permission_policy: ClassVar[Policy] = OwnPolicy()
    objects = RestrictManager()

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class OutStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingMail(models.Model):
    """One e-mail to one person, rendered and queued; the worker sends it and retries with a
    growing delay (``next_attempt_at``) until ``MAX_ATTEMPTS``. Once sent, it is captured like
    any message (``captured``), which files it on the person's timeline."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("text"))
    #: What the sender wrote for (ADR 0035): the person's answer for it is checked again at
    #: delivery; empty: e-mail in general.
    purpose = models.ForeignKey(
        "contacts.ConsentPurpose",
        verbose_name=_("purpose"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    document_ids = models.JSONField(_("attachments"), default=list, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=OutStatus.choices, default=OutStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    captured = models.ForeignKey(
        MailMessage,
        verbose_name=_("captured message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    permission_policy: ClassVar[Policy] = OwnPolicy()
    objects = RestrictManager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="mail_out_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.subject}"


class SmtpSettings(models.Model):
    """The SMTP server an administrator chose in the settings screens (one row, pk 1): when its
    host is set, ``mail.backend.SettingsBackend`` sends every e-mail through it; otherwise the
    server of the installation's settings (``EMAIL_HOST``...) is used.

    Invariant: ``password_encrypted`` is a Fernet token (``mail.crypto``, the mail key), never
    the password, and is never shown back."""

    host = models.CharField(_("SMTP server"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("port"), default=587)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    username = models.CharField(_("user name"), max_length=255, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    from_address = models.EmailField(_("from address"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SMTP settings")
        verbose_name_plural = _("SMTP settings")

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"
