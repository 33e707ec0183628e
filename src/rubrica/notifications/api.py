"""/notifications: your notifications (newest first, keyset pages), mark one or all read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from rubrica.core.pagination import keyset_page
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.notifications import selectors
from rubrica.notifications.models import Notification
from rubrica.notifications.services import notification_mark_read, notifications_mark_all_read

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    prev_cursor: str | None
    unread: int


class NotificationQuery(ListParams):
    unread: bool = Field(False, description="Unread ones only.")


class ReadAllOut(Schema):
    marked: int


def _data(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get("", response={200: NotificationPage, **problems(422)})
def list_notifications(request: HttpRequest, params: Query[NotificationQuery]) -> dict[str, Any]:
    user = actor(request)
    rows = selectors.inbox(user, unread_only=params.unread)
    page = keyset_page(rows, order=("-id",), cursor=params.cursor, size=params.limit)
    return {
        **page_data(page, [_data(n) for n in page.items]),
        "unread": selectors.unread_count(user),
    }


@router.post("/read-all", response={200: ReadAllOut})
def read_all(request: HttpRequest) -> dict[str, int]:
    return {"marked": notifications_mark_all_read(actor=actor(request))}


@router.post("/{int:notification_id}/read", response={200: NotificationOut, **problems(404)})
def read_one(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    user = actor(request)
    found = get_object_or_404(selectors.inbox(user), pk=notification_id)
    return _data(notification_mark_read(actor=user, notification=found))
