"""The people filter used by the list page, the API and exports."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.core.filters import Params, RecordFilter, param_bool, param_ids, param_values
from rubrica.customfields.filters import CustomFieldFilter
from rubrica.customfields.models import Entity

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("sort_name", "id"),
    "-name": ("-sort_name", "-id"),
    "email": ("primary_email", "id"),
    "-email": ("-primary_email", "-id"),
    "city": ("city", "sort_name", "id"),
    "-city": ("-city", "-sort_name", "-id"),
    "country": ("country", "sort_name", "id"),
    "-country": ("-country", "-sort_name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "last_interaction": ("last_interaction_at", "id"),
    "-last_interaction": ("-last_interaction_at", "-id"),
}
#: "Not contacted for N days" accepts at most this many days (about 100 years).
MAX_DAYS = 36_600


@dataclass
class ContactFilter(RecordFilter):
    CUSTOM_FIELDS: ClassVar[CustomFieldFilter] = CustomFieldFilter(Entity.CONTACT)
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = SORTS

    stages: list[int] = field(default_factory=list)
    organizations: list[int] = field(default_factory=list)
    has_email: bool | None = None
    has_phone: bool | None = None
    #: People whose last interaction (``last_interaction_at``, kept by the activities) is older
    #: than this many days, or who were never contacted.
    not_contacted_days: int | None = None

    @classmethod
    def parse(cls, params: Params) -> tuple[ContactFilter, dict[str, str]]:
        errors: dict[str, str] = {}
        values = cls.parse_common(params, errors)
        values["stages"] = param_ids(params, "stage", errors)
        values["organizations"] = param_ids(params, "organization", errors)
        values["has_email"] = param_bool(params, "has_email", errors)
        values["has_phone"] = param_bool(params, "has_phone", errors)
        values["not_contacted_days"] = _days(params, "not_contacted_days", errors)
        return cls(**values), errors

    def apply(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        qs = self.apply_common(qs)
        if self.stages:
            qs = qs.filter(stage_id__in=self.stages)
        if self.organizations:
            qs = qs.filter(organization_id__in=self.organizations)
        if self.has_email is not None:
            qs = qs.exclude(primary_email="") if self.has_email else qs.filter(primary_email="")
        if self.has_phone is not None:
            qs = qs.exclude(primary_phone="") if self.has_phone else qs.filter(primary_phone="")
        if self.not_contacted_days is not None:
            cutoff = timezone.now() - dt.timedelta(days=self.not_contacted_days)
            qs = qs.filter(last_interaction_at__lt=cutoff)
        if self.q:
            qs = qs.filter(quick_search_q(self.q))
        return qs


def _days(params: Params, name: str, errors: dict[str, str]) -> int | None:
    values = param_values(params, name)
    if not values:
        return None
    text = values[0]
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_DAYS:
        errors[name] = _("Enter a number of days between 0 and %(n)d.") % {"n": MAX_DAYS}
        return None
    return int(text)


def quick_search_q(text: str) -> Q:
    """The simple quick search (the search engine replaces it): name, email or phone prefix."""
    text = text.strip()
    folded = text.casefold()
    q = Q(sort_name__startswith=folded) | Q(display_name__istartswith=text)
    q |= Q(given_name__istartswith=text) | Q(primary_email__startswith=folded)
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 3:
        q |= Q(primary_phone__contains=digits)
    return q
