"""Notifications in the browser: the list (newest first, keyset pages), the unread badge of the
navbar (polled with htmx), mark one or all read, and each user's preferences."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rubrica.accounts.selectors import user_settings as personal_settings
from rubrica.kits.web.access import AuthedRequest
from rubrica.notifications import registry, selectors
from rubrica.notifications.models import Notification
from rubrica.notifications.registry import Channel
from rubrica.notifications.services import (
    channels_for,
    notification_mark_read,
    notifications_mark_all_read,
    preferences_update,
    user_settings,
)

PAGE = 50


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.inbox(request.user, unread_only=unread_only)
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(id__lt=int(before))
    page = list(rows[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    context = {
        "notifications": page,
        "next_before": page[-1].pk if more else None,
        "unread_only": unread_only,
        "unread": selectors.unread_count(request.user),
        "section": "notifications",
    }
    return render(request, "notifications/list.html", context)


@login_required
def notification_badge(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "notifications/_badge.html", {"unread": selectors.unread_count(request.user)}
    )


@login_required
@require_POST
def notification_read(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark one read; with ``open=1`` go on to the record it is about (a path of this site
    only), else back to the list."""
    notification = get_object_or_404(Notification.objects.restrict(request.user), pk=pk)
    notification_mark_read(actor=request.user, notification=notification)
    target = notification.url
    if request.POST.get("open") == "1" and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_row.html", {"n": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    count = notifications_mark_all_read(actor=request.user)
    messages.success(
        request,
        ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count)
        % {"n": count},
    )
    return redirect("notifications:list")


@login_required
def notification_preferences(request: AuthedRequest) -> HttpResponse:
    kinds = registry.kinds()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        wanted = {
            kind.key: [c for c in Channel.ALL if request.POST.get(f"{kind.key}.{c}") == "on"]
            for kind in kinds
        }
        hour = request.POST.get("digest_hour", "").strip()
        try:
            preferences_update(
                actor=request.user,
                channels=wanted,
                time_zone=request.POST.get("time_zone", "").strip(),
                digest_hour=int(hour) if hour.isdigit() else (None if not hour else -1),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
    current = user_settings(request.user)
    zone = personal_settings(request.user).time_zone
    rows = [
        {
            "kind": kind,
            "in_app": Channel.IN_APP in channels_for(request.user, kind.key),
            "email": Channel.EMAIL in channels_for(request.user, kind.key),
        }
        for kind in kinds
    ]
    context = {
        "rows": rows,
        "settings_row": current,
        "time_zone": request.POST.get("time_zone", zone) if errors else zone,
        "zones": sorted(zoneinfo.available_timezones()),
        "hours": range(24),
        "errors": errors,
        "section": "notifications",
        "has_email": bool(request.user.email),
    }
    status = 400 if errors else 200
    return render(request, "notifications/preferences.html", context, status=status)
