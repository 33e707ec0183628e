"""Writes of the notifications engine: ``notify()`` (the one way any app tells a user
something), marking read, a user's preferences, and sending the e-mails waiting to go.

``notify()`` decides the channels from the user's preferences (or the kind's defaults), stores
one row (never two for the same ``key``) and queues the e-mail; the e-mails go out from the
scheduler's tick (``scheduling.tick``), at most a minute later, each claimed by a conditional
update so that two ticks never send it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.notifications import registry
from rubrica.notifications.models import (
    EmailState,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from rubrica.notifications.registry import Channel

if TYPE_CHECKING:
    from rubrica.accounts.models import User

logger = logging.getLogger(__name__)

TITLE_MAX = 200
URL_MAX = 500
KEY_MAX = 200


def user_timezone(user: User) -> dt.tzinfo:
    """The time zone ``user`` lives in: their personal settings (accounts), else the site's
    ``TIME_ZONE``."""
    from rubrica.accounts.selectors import user_zone

    return user_zone(user)


def user_settings(user: User) -> NotificationSettings:
    """The user's settings row, unsaved with the defaults when they never changed them."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def channels_for(user: User, kind: str) -> tuple[str, ...]:
    """The channels ``user`` receives ``kind`` on: their choice, else the kind's default."""
    default = registry.get_kind(kind).default_channels
    pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    if pref is None:
        return default
    chosen = []
    if pref.in_app:
        chosen.append(Channel.IN_APP)
    if pref.email:
        chosen.append(Channel.EMAIL)
    return tuple(chosen)


def notify(
    *,
    recipient: User,
    kind: str,
    title: str,
    url: str,
    body: str = "",
    key: str | None = None,
) -> Notification | None:
    """Tell ``recipient`` something, on the channels they chose for ``kind``.

    Returns the stored notification, or None when nothing was stored: the recipient is inactive,
    wants this kind on no channel, or was already notified under the same ``key`` (so a reminder
    computed by two ticks, or again after a restart, reaches them once). Call it inside the
    transaction of the write that caused it: it is then undone with it. Never raises for a
    duplicate; an unknown ``kind`` is a programming error (ImproperlyConfigured).
    """
    channels = channels_for(recipient, kind)
    if not recipient.is_active or not channels:
        return None
    wants_email = Channel.EMAIL in channels and bool(recipient.email)
    if Channel.IN_APP not in channels and not wants_email:
        return None
    dedupe = (key or "")[:KEY_MAX]
    if dedupe and Notification.objects.filter(recipient=recipient, key=dedupe).exists():
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title.strip()[:TITLE_MAX],
                body=body,
                url=url[:URL_MAX],
                key=dedupe,
                in_app=Channel.IN_APP in channels,
                email_state=EmailState.PENDING if wants_email else EmailState.NONE,
            )
    except IntegrityError:  # a concurrent notify() stored the same key first
        return None


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (again is harmless). Someone else's is not
    found (the caller read it through ``restrict``; this checks again)."""
    updated = (
        Notification.objects.restrict(actor, "change")
        .filter(pk=notification.pk, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    if not updated and not Notification.objects.restrict(actor).filter(pk=notification.pk):
        raise Notification.DoesNotExist
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    return (
        Notification.objects.restrict(actor, "change")
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def preferences_update(
    *,
    actor: User,
    channels: Mapping[str, Iterable[str]],
    time_zone: str | None = None,
    digest_hour: int | None = None,
) -> NotificationSettings:
    """Save the actor's choices: per kind key, the channels wanted (an empty list: none);
    optionally their time zone (an IANA name, "" for the site's) and the hour of daily digests.
    Unknown kinds, channels or zones are refused with errors keyed by field, and nothing is saved.
    """
    errors: dict[str, str] = {}
    known = {kind.key for kind in registry.kinds()}
    for kind, wanted in channels.items():
        if kind not in known:
            errors[f"channels.{kind}"] = _("Unknown kind of notification.")
        elif set(wanted) - set(Channel.ALL):
            errors[f"channels.{kind}"] = _("Choose in the app and/or by e-mail.")
    if time_zone:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Enter a time zone such as Europe/Rome.")
    if digest_hour is not None and not 0 <= digest_hour <= 23:
        errors["digest_hour"] = _("Enter an hour from 0 to 23.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if time_zone is not None:  # kept in the personal settings since ADR 0021
            from rubrica.accounts.services import user_settings_update

            user_settings_update(actor=actor, user=actor, data={"time_zone": time_zone})
        row, _created = NotificationSettings.objects.get_or_create(user=actor)
        if digest_hour is not None:
            row.digest_hour = digest_hour
        row.save()
        for kind, wanted in channels.items():
            chosen = set(wanted)
            NotificationPreference.objects.update_or_create(
                user=actor,
                kind=kind,
                defaults={"in_app": Channel.IN_APP in chosen, "email": Channel.EMAIL in chosen},
            )
    return row


def absolute_url(url: str) -> str:
    """A link for an e-mail: a path is prefixed with the site's address."""
    if url.startswith("/"):
        return settings.RUBRICA_SITE_URL + url
    return url


def emails_send_pending(*, limit: int = 500) -> int:
    """Send the e-mails waiting to go; returns how many were sent.

    Each is claimed first (pending -> sending in one conditional UPDATE): a second sender
    running at the same moment skips it, so an e-mail goes at most once. One that fails is marked
    failed and logged (not retried: a broken mail server must not flood a user later)."""
    sent = 0
    pending = list(
        Notification.objects.filter(email_state=EmailState.PENDING)
        .select_related("recipient")
        .order_by("id")[:limit]
    )
    for notification in pending:
        claimed = Notification.objects.filter(
            pk=notification.pk, email_state=EmailState.PENDING
        ).update(email_state=EmailState.SENDING)
        if not claimed:
            continue
        recipient = notification.recipient
        lines = [notification.body] if notification.body else []
        if notification.url:
            lines.append(absolute_url(notification.url))
        try:
            send_mail(
                subject=notification.title,
                message="\n\n".join(lines) or notification.title,
                from_email=None,
                recipient_list=[recipient.email],
            )
        except Exception:  # the mail server's failure is logged, never breaks the tick
            logger.exception("e-mail of notification %s failed", notification.pk)
            Notification.objects.filter(pk=notification.pk).update(email_state=EmailState.FAILED)
            continue
        Notification.objects.filter(pk=notification.pk).update(
            email_state=EmailState.SENT, emailed_at=timezone.now()
        )
        sent += 1
    return sent
