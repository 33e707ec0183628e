"""What the bulk actions of the people and organization lists share: the ids picked, the page
that asks before moving records to the Trash, and the message that tells how it went."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from rubrica.core.ids import parse_id
from rubrica.kits.web.access import AuthedRequest

#: The most records one bulk action changes.
MAX_BULK = 500


def selected_ids(request: AuthedRequest) -> list[int]:
    """The ids ticked in the list (``selected``), whole numbers only, at most ``MAX_BULK``."""
    return [i for i in map(parse_id, request.POST.getlist("selected")) if i][:MAX_BULK]


def posted_value(request: AuthedRequest, action: str) -> str:
    """The value sent with ``action``: its own field (``stage``, ``kind``, ``owner``...), the
    ``tag`` field for ``untag``; stripped, "" when none (the bulk services refuse or clear)."""
    return request.POST.get("tag" if action == "untag" else action, "").strip()


def confirm_delete(
    request: AuthedRequest,
    *,
    records: Sequence[Any],
    names: Sequence[str],
    action_url: str,
    next_url: str,
    title: str,
    heading: str,
) -> HttpResponse:
    """The page that asks before ``records`` (shown as ``names``) go to the Trash; its form
    posts the same ids to ``action_url`` with ``confirmed=yes``."""
    return render(
        request,
        "web/bulk_delete_confirm.html",
        {
            "rows": list(zip([r.pk for r in records], names, strict=True)),
            "action_url": action_url,
            "next": next_url,
            "title": title,
            "heading": heading,
        },
    )


def finish(
    request: AuthedRequest,
    next_url: str,
    run: Callable[[], int],
    *,
    done: Callable[[int], str],
    refused: str,
) -> HttpResponse:
    """Run the bulk service (``run``, all or nothing) and say how it went: ``done(count)``, the
    field errors, or ``refused`` when one record may not be changed (nothing was)."""
    try:
        count = run()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, refused)
    else:
        messages.success(request, done(count))
    return redirect(next_url)
