"""What activities tell people through the notifications engine (``rubrica.notifications``,
an engine below this app): a user mentioned as ``@username`` in an activity, and a person whose
keep-in-touch cadence is overdue (told to the person's owner, once per overdue spell).

Registered by ``activities.apps`` only when the engine is installed; until then mentions are
stored (``Activity.mentioned_users``) and "people to contact" lists the overdue, without
notifications.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rubrica.activities.models import Activity, KeepInTouch
from rubrica.core.models import Action

if TYPE_CHECKING:
    from rubrica.accounts.models import User

MENTION = "activities.mention"
KEEP_IN_TOUCH = "activities.keep_in_touch"
KEEP_IN_TOUCH_DIGEST = "activities.keep_in_touch_digest"
#: People named in the digest's text at most (the count says how many in all).
DIGEST_NAMES = 10
#: Overdue people told per tick at most (the next tick continues: keys make it idempotent).
PER_TICK = 500


def notify_mentions(activity: Activity, users: list[User]) -> None:
    """Inside the activity's write: each newly mentioned user who may see it is told once."""
    from rubrica.notifications.services import notify

    title = _("%(owner)s mentioned you: %(what)s") % {
        "owner": activity.owner.username,
        "what": str(activity),
    }
    for user in users:
        notify(
            recipient=user,
            kind=MENTION,
            title=title,
            url=activity.get_absolute_url(),
            body=activity.body[:500],
            key=f"{MENTION}:{activity.pk}:{user.pk}",
        )


def keep_in_touch_send(now: dt.datetime) -> int:
    """The scheduler's work: tell each overdue person's owner (if they may still see them),
    once per overdue spell (the key carries the overdue time, which moves when someone logs an
    interaction). Returns how many were stored."""
    from rubrica.notifications.services import notify

    sent = 0
    due = (
        KeepInTouch.objects.filter(overdue_at__lte=now, contact__deleted_at__isnull=True)
        .select_related("contact", "contact__owner")
        .order_by("overdue_at", "id")[:PER_TICK]
    )
    for cadence in due:
        contact = cadence.contact
        owner = contact.owner
        if not type(contact).objects.restrict(owner, Action.VIEW).filter(pk=contact.pk).exists():
            continue
        stored = notify(
            recipient=owner,
            kind=KEEP_IN_TOUCH,
            title=_("Time to get in touch with %(name)s") % {"name": contact.display_name},
            url=contact.get_absolute_url(),
            key=f"{KEEP_IN_TOUCH}:{cadence.pk}:{cadence.overdue_at.isoformat()}",
        )
        sent += stored is not None
    return sent


def keep_in_touch_digest_send(now: dt.datetime) -> int:
    """Once a day, at the user's digest hour (their local time): the people they own and may see
    whose keep-in-touch cadence is due (their own or their tags', ``KeepInTouch.due_at``), the
    most overdue first. One query per user per day once sent (the key names the local day)."""
    from rubrica.accounts.models import User
    from rubrica.contacts.models import Contact
    from rubrica.notifications.models import Notification
    from rubrica.notifications.services import notify, user_settings, user_timezone

    sent = 0
    for user in User.objects.filter(is_active=True).order_by("pk"):
        local = now.astimezone(user_timezone(user))
        if local.hour < user_settings(user).digest_hour:
            continue
        key = f"{KEEP_IN_TOUCH_DIGEST}:{local.date().isoformat()}"
        if Notification.objects.filter(recipient=user, key=key).exists():
            continue
        visible = Contact.objects.restrict(user, Action.VIEW).filter(pk=OuterRef("contact_id"))
        due = (
            KeepInTouch.objects.filter(due_at__lte=now, contact__owner=user)
            .filter(Exists(visible))
            .select_related("contact")
            .order_by("overdue_at", "id")
        )
        count = due.count()
        if not count:
            continue
        lines = [f"- {row.contact.display_name}" for row in due[:DIGEST_NAMES]]
        stored = notify(
            recipient=user,
            kind=KEEP_IN_TOUCH_DIGEST,
            title=ngettext("%(n)d person to contact today", "%(n)d people to contact today", count)
            % {"n": count},
            url=reverse("activities:to_contact"),
            body="\n".join(lines),
            key=key,
        )
        sent += stored is not None
    return sent
