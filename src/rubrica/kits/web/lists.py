"""What the people and organization list pages share: columns, the column chooser, sort headers,
htmx partial responses and safe "next" redirects.

Lists never count or offset: pages come from the selectors' keyset cursors (core.pagination).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme

from rubrica.core.pagination import Page, keyset_page
from rubrica.kits.web.forms import error_text

if TYPE_CHECKING:  # the kit sits below customfields: the type only, never imported at run time
    from rubrica.customfields.models import CustomFieldDefinition

#: Parameters that page or order a list without narrowing it.
NON_FILTER_PARAMS = frozenset({"sort", "cursor", "size"})
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise | str
    sort: str = ""  # the ascending sort value in the filter's SORTS, "" when not sortable
    custom_key: str = ""


def custom_columns(definitions: Iterable[CustomFieldDefinition]) -> list[Column]:
    """The columns of the custom field definitions shown in lists (only ``key``, ``label`` and
    ``show_in_list`` are read, so the kit needs no custom-fields import at run time)."""
    return [Column(f"cf_{d.key}", d.label, custom_key=d.key) for d in definitions if d.show_in_list]


def chosen_columns(
    request: HttpRequest, session_key: str, available: Sequence[Column], default: Sequence[str]
) -> list[Column]:
    """The columns this person picked (kept in the session), in the page's order."""
    saved = request.session.get(session_key)
    keys = set(saved) if isinstance(saved, list) else set(default)
    return [column for column in available if column.key in keys]


def save_columns(request: HttpRequest, session_key: str, available: Sequence[Column]) -> None:
    """Remember the posted column choice (only known columns), or forget it on "reset"."""
    if request.POST.get("reset"):
        request.session.pop(session_key, None)
        return
    known = {column.key for column in available}
    request.session[session_key] = [key for key in request.POST.getlist("columns") if key in known]


def sort_headers(columns: Sequence[Column], current: str) -> dict[str, dict[str, Any]]:
    """For each sortable column: whether it is the active sort, its direction, and the sort a
    click on its header asks for (the same column toggles between ascending and descending)."""
    headers: dict[str, dict[str, Any]] = {}
    for column in columns:
        if not column.sort:
            continue
        active = current.lstrip("-") == column.sort
        descending = active and current.startswith("-")
        headers[column.key] = {
            "active": active,
            "descending": descending,
            "next": column.sort if (not active or descending) else f"-{column.sort}",
        }
    return headers


def header_cells(columns: Sequence[Column], current: str) -> list[dict[str, Any]]:
    """The table header: each column with its sort state (see ``sort_headers``)."""
    headers = sort_headers(columns, current)
    return [{"column": column, **headers.get(column.key, {})} for column in columns]


def labelled_errors(form: forms.BaseForm, errors: Mapping[str, str]) -> list[tuple[str, str]]:
    """Filter errors keyed by parameter, as (label of the input, message)."""
    out = []
    for key, message in errors.items():
        label = form.fields[key].label if key in form.fields else key
        out.append((str(label), message))
    return out


def filters_active(params: Mapping[str, Any]) -> bool:
    getlist = getattr(params, "getlist", None)
    for key in params:
        if key in NON_FILTER_PARAMS:
            continue
        values = getlist(key) if getlist else [params[key]]
        if any(str(value).strip() for value in values):
            return True
    return False


def page_size(request: HttpRequest) -> int:
    raw = request.GET.get("size", "")
    return int(raw) if raw.isdigit() and int(raw) in PAGE_SIZES else DEFAULT_PAGE_SIZE


def wants_partial(request: HttpRequest, target: str) -> bool:
    """An htmx request that swaps only ``#target`` (a history restore wants the full page)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Target") == target
        and headers.get("HX-History-Restore-Request") != "true"
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` value of the request if it points inside this site, else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


#: Rows per page of the settings lists (users, teams, tags...).
SETTINGS_PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: QuerySet[Any], order: list[str]) -> Page[Any]:
    """A keyset page from the ``cursor`` parameter; a damaged cursor falls back to page one."""
    try:
        return keyset_page(
            queryset, order=order, cursor=request.GET.get("cursor") or None, size=SETTINGS_PAGE_SIZE
        )
    except ValidationError as exc:
        messages.warning(request, error_text(exc))
        return keyset_page(queryset, order=order, cursor=None, size=SETTINGS_PAGE_SIZE)
