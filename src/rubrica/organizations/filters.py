"""The organization filter used by the list page, the API and exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Q, QuerySet

from rubrica.core.filters import Params, RecordFilter, param_ids
from rubrica.customfields.filters import CustomFieldFilter
from rubrica.customfields.models import Entity

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("sort_name", "id"),
    "-name": ("-sort_name", "-id"),
    "city": ("city", "sort_name", "id"),
    "-city": ("-city", "-sort_name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


@dataclass
class OrganizationFilter(RecordFilter):
    CUSTOM_FIELDS: ClassVar[CustomFieldFilter] = CustomFieldFilter(Entity.ORGANIZATION)
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = SORTS

    kinds: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, params: Params) -> tuple[OrganizationFilter, dict[str, str]]:
        errors: dict[str, str] = {}
        values = cls.parse_common(params, errors)
        values["kinds"] = param_ids(params, "kind", errors)
        return cls(**values), errors

    def apply(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        qs = self.apply_common(qs)
        if self.kinds:
            qs = qs.filter(kind_id__in=self.kinds)
        if self.q:
            text = self.q.strip()
            qs = qs.filter(Q(sort_name__startswith=text.casefold()) | Q(name__icontains=text))
        return qs
