"""Small pieces every router uses: the caller, list parameters, documented error responses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest
from ninja import Field, Schema

from rubrica.core.pagination import MAX_PAGE_SIZE
from rubrica.kits.api.schemas import Problem

if TYPE_CHECKING:  # the kit sits below accounts: the type only, never imported at run time
    from rubrica.accounts.models import User


class ListParams(Schema):
    cursor: str | None = Field(
        None, description="next_cursor or prev_cursor of a previous page; omit for the first."
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 200).")


def actor(request: HttpRequest) -> User:
    """The authenticated user (set by the auth classes; every operation requires one)."""
    user = request.auth  # type: ignore[attr-defined]
    assert user is not None and user.is_authenticated
    return cast("User", user)


def problems(*codes: int) -> dict[int, Any]:
    """Error responses to document on an operation (all answer a problem document)."""
    return {code: Problem for code in (401, *codes)}


def page_data(page: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}
