"""Filter definitions shared by UI lists, API query parameters and exports.

A filter is parsed from query parameters (``Mapping[str, str | list[str]]``) into a dataclass that
knows how to narrow a queryset. Unknown or malformed values are reported per parameter.

Core knows no app: the custom-field part (``cf_<key>=value``) asks the filter's ``CUSTOM_FIELDS``
hook which keys exist and how a value narrows the records; the custom-fields app provides it
(``customfields.filters.CustomFieldFilter``) and each domain's filter names its entity with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from rubrica.core import formats

Params = Mapping[str, Any]
#: Larger ids cannot exist (64-bit columns) and would overflow the database driver.
MAX_ID = 2**63 - 1


def param_values(params: Params, name: str) -> list[str]:
    """The non-blank values of parameter ``name`` (repeated, or one), stripped: the one way every
    list, API and search filter reads its query parameters."""
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else params.get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    # NUL cannot be stored or compared in PostgreSQL text: drop it rather than fail with a 500
    cleaned = (str(item).replace("\x00", "").strip() for item in items)
    return [item for item in cleaned if item]


def _one(params: Params, name: str) -> str:
    values = param_values(params, name)
    return values[0] if values else ""


def param_ids(params: Params, name: str, errors: dict[str, str]) -> list[int]:
    """The ids in parameter ``name`` (repeated or comma-separated); a value that is not an id is
    named in ``errors`` and skipped, so every filter answers the same message."""
    out = []
    for value in param_values(params, name):
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not part.isascii() or int(part) > MAX_ID:
                errors[name] = _("Use numeric ids.")
                continue
            out.append(int(part))
    return out


def param_bool(params: Params, name: str, errors: dict[str, str]) -> bool | None:
    """True, False, or None when parameter ``name`` is absent; any other value is named in
    ``errors`` (None), so every filter accepts the same spellings."""
    value = _one(params, name).lower()
    if not value:
        return None
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    errors[name] = _("Use true or false.")
    return None


def _date(params: Params, name: str, errors: dict[str, str]) -> dt.date | None:
    value = _one(params, name)
    if not value:
        return None
    if formats.active_style() == formats.JALALI:  # a Persian-calendar user types Jalali days
        try:
            day = formats.parse_jalali(value)
        except ValueError:
            day = None
        if day is not None:
            return day
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        if formats.active_style() == formats.JALALI:
            errors[name] = _(
                "Enter a date of the Persian calendar as year/month/day (%(example)s), or "
                "YYYY-MM-DD."
            ) % {"example": formats.jalali_input(dt.date(2024, 4, 3))}
        else:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
        return None


class CustomFieldFiltering(Protocol):
    """What a filter needs of the custom fields of its entity (see the module docstring)."""

    def keys(self) -> Collection[str]:
        """The keys of the custom fields defined now (one query)."""
        ...

    def narrow(self, qs: QuerySet[Any], values: Mapping[str, str]) -> QuerySet[Any]:
        """``qs`` narrowed to the records whose custom fields match ``values`` (key -> text)."""
        ...


@dataclass
class RecordFilter:
    """Filters common to people and organizations. ``CUSTOM_FIELDS`` reads the custom fields of
    the subclass's entity; without it every ``cf_`` parameter is unknown."""

    CUSTOM_FIELDS: ClassVar[CustomFieldFiltering | None] = None
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {}
    DEFAULT_SORT: ClassVar[str] = "name"

    q: str = ""
    tags: list[int] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    teams: list[int] = field(default_factory=list)
    city: str = ""
    country: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None
    custom: dict[str, str] = field(default_factory=dict)
    sort: str = ""

    @classmethod
    def parse_common(cls, params: Params, errors: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "q": _one(params, "q")[:200],
            "tags": param_ids(params, "tag", errors),
            "owners": param_ids(params, "owner", errors),
            "teams": param_ids(params, "team", errors),
            "city": _one(params, "city")[:150],
            "country": _one(params, "country")[:100],
        }
        for name in ("created_from", "created_to", "updated_from", "updated_to"):
            values[name] = _date(params, name, errors)
        sort = _one(params, "sort") or cls.DEFAULT_SORT
        if sort not in cls.SORTS:
            errors["sort"] = _("Sort by one of: %(names)s.") % {"names": ", ".join(cls.SORTS)}
            sort = cls.DEFAULT_SORT
        values["sort"] = sort
        known = cls.CUSTOM_FIELDS.keys() if cls.CUSTOM_FIELDS is not None else ()
        custom: dict[str, str] = {}
        for key in getattr(params, "keys", lambda: [])():
            if key.startswith("cf_") and _one(params, key):
                name = key[3:]
                if name not in known:
                    errors[key] = _("There is no custom field %(key)s.") % {"key": name}
                else:
                    custom[name] = _one(params, key)[:200]
        values["custom"] = custom
        return values

    @property
    def order(self) -> tuple[str, ...]:
        return self.SORTS[self.sort or self.DEFAULT_SORT]

    def apply_common(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if self.tags:
            qs = _tagged(qs, self.tags)
        if self.owners:
            qs = qs.filter(owner_id__in=self.owners)
        if self.teams:
            # narrows what restrict() already let through: never a way to see more of a team
            qs = qs.filter(team_id__in=self.teams)
        if self.city:
            qs = qs.filter(city__iexact=self.city)
        if self.country:
            qs = qs.filter(country__iexact=self.country)
        zone = dt.UTC
        for name, lookup in (
            ("created_from", "created_at__gte"),
            ("updated_from", "updated_at__gte"),
        ):
            day = getattr(self, name)
            if day:
                qs = qs.filter(**{lookup: dt.datetime.combine(day, dt.time.min, zone)})
        for name, lookup in (("created_to", "created_at__lt"), ("updated_to", "updated_at__lt")):
            day = getattr(self, name)
            if day:
                next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, zone)
                qs = qs.filter(**{lookup: next_day})
        if self.custom:
            if self.CUSTOM_FIELDS is None:
                raise ImproperlyConfigured(f"{type(self).__name__} filters no custom fields.")
            qs = self.CUSTOM_FIELDS.narrow(qs, self.custom)
        return qs


#: Up to this many taggings of the chosen tags, the list joins the tags table; above it, it walks
#: its own sort index and tests each record (EXISTS). Joining sorts every tagged record before the
#: first page (120 ms for a tag on 60,000 of 1M people, SQLite); the walk costs about page size /
#: share of tagged records, cheap for common tags but a full index scan for rare ones (125 ms for a
#: 10-person tag). Measured by bench/run.py; either form returns the same rows.
TAG_JOIN_LIMIT = 5_000


def _tagged(qs: QuerySet[Any], tag_ids: list[int]) -> QuerySet[Any]:
    """Records carrying any of ``tag_ids``, each once, in the form that pages fast (see above)."""
    tags_field = qs.model._meta.get_field("tags")
    through = tags_field.remote_field.through
    record, tag = tags_field.m2m_field_name(), tags_field.m2m_reverse_field_name()
    taggings = through._default_manager.filter(**{f"{tag}__in": tag_ids})
    if taggings[: TAG_JOIN_LIMIT + 1].count() <= TAG_JOIN_LIMIT:
        if len(tag_ids) == 1:
            return qs.filter(tags=tag_ids[0])
        return qs.filter(tags__in=tag_ids).distinct()
    return qs.filter(Exists(taggings.filter(**{record: OuterRef("pk")})))


def raise_filter_errors(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)
