"""Reads of mail shared by the pages, the API and the CLI. Every read starts from
``restrict(user, "view")``; what a colleague sees of a message is cut to its owner's preference
(``Level``) here, so no door shows more than the owner chose."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, QuerySet

from rubrica.accounts.models import User
from rubrica.core.models import Action
from rubrica.mail.models import Level, MailMessage, MailParticipant, MailPreference


@dataclass
class MessageView:
    """A message as one user may see it: ``subject`` and ``attachments`` (their names) are
    empty at the metadata level, ``body`` below the full level."""

    pk: int
    message_id: str
    thread_key: str
    owner: str
    direction: str
    sender: str
    to: list[str]
    cc: list[str]
    sent_at: dt.datetime
    level: str
    subject: str = ""
    body: str = ""
    attachments: list[str] = field(default_factory=list)
    activity_id: int | None = None


def messages_visible(user: User) -> QuerySet[MailMessage]:
    return MailMessage.objects.restrict(user, Action.VIEW)


def level_for(user: User, message: MailMessage, levels: dict[int, str] | None = None) -> str:
    """How much of ``message`` ``user`` sees: everything of their own mail (administrators too),
    else what the owner chose."""
    if message.owner_id == user.pk or user.is_administrator:
        return Level.FULL.value
    if levels is not None and message.owner_id in levels:
        return levels[message.owner_id]
    preference = MailPreference.objects.filter(user_id=message.owner_id).first()
    return preference.level if preference else Level.SUBJECT.value


def view_of(user: User, message: MailMessage, level: str | None = None) -> MessageView:
    level = level or level_for(user, message)
    participants = list(message.participants.all())
    view = MessageView(
        pk=message.pk,
        message_id=message.message_id,
        thread_key=message.thread_key,
        owner=message.owner.username,
        direction=message.direction,
        sender=message.sender,
        to=[p.address for p in participants if p.role == "to"],
        cc=[p.address for p in participants if p.role == "cc"],
        sent_at=message.sent_at,
        level=level,
        activity_id=message.activity_id,
    )
    if level in (Level.SUBJECT, Level.FULL):
        view.subject = message.subject
        view.attachments = [a.filename for a in message.attachments.all()]
    if level == Level.FULL:
        view.body = message.body
    return view


def message_visible(user: User, pk: int) -> MailMessage | None:
    return (
        messages_visible(user)
        .select_related("owner")
        .prefetch_related("participants", "attachments")
        .filter(pk=pk)
        .first()
    )


def message_views(
    user: User, queryset: QuerySet[MailMessage], limit: int = 50
) -> list[MessageView]:
    rows = list(
        queryset.select_related("owner").prefetch_related("participants", "attachments")[:limit]
    )
    owners = {m.owner_id for m in rows}
    levels = dict(MailPreference.objects.filter(user_id__in=owners).values_list("user_id", "level"))
    for owner in owners - set(levels):
        levels[owner] = Level.SUBJECT.value
    return [view_of(user, m, level_for(user, m, levels)) for m in rows]


def thread_of(user: User, message: MailMessage) -> QuerySet[MailMessage]:
    """The messages of the thread of ``message`` that ``user`` may see, oldest first."""
    return messages_visible(user).filter(thread_key=message.thread_key).order_by("sent_at", "id")


def unknown_senders(user: User, limit: int = 100) -> list[dict[str, object]]:
    """The addresses in ``user``'s captured mail that belong to nobody known (and to no
    colleague), most frequent first: the list offered for one-click creation."""
    rows = (
        MailParticipant.objects.filter(
            message__owner=user, contact__isnull=True, internal=False, message__is_bounce=False
        )
        .values("address")
        .annotate(
            messages=Count("message", distinct=True), name=Max("name"), last=Max("message__sent_at")
        )
        .order_by("-messages", "address")[:limit]
    )
    return list(rows)
