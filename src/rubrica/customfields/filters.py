"""Filtering lists by custom fields (``cf_<key>=value``): the hook ``core.filters.RecordFilter``
calls, so that core knows no app. A domain's filter names its entity with it, e.g.
``CUSTOM_FIELDS = CustomFieldFilter(Entity.CONTACT)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from rubrica.customfields.models import CustomFieldDefinition, FieldType


@dataclass(frozen=True)
class CustomFieldFilter:
    """The custom fields of one entity, as the list filters read them."""

    entity: str

    def keys(self) -> set[str]:
        """The keys defined now for the entity: which ``cf_`` parameters exist. A sensitive
        field is no filter (ADR 0027): probing values by filtering would reveal them."""
        return {
            d.key for d in CustomFieldDefinition.objects.filter(entity=self.entity, sensitive=False)
        }

    def narrow(self, qs: QuerySet[Any], values: Mapping[str, str]) -> QuerySet[Any]:
        """``qs`` narrowed to the records matching every value; each key must be defined (the
        filter's parse refused the others)."""
        definitions = {d.key: d for d in CustomFieldDefinition.objects.filter(entity=self.entity)}
        for key, value in values.items():
            qs = qs.filter(custom_field_q(definitions[key], value))
        return qs


def custom_field_q(definition: CustomFieldDefinition, value: str) -> Q:
    """The condition that a record's value of ``definition`` matches ``value`` as typed in a
    filter: yes/no words for booleans, whole numbers, exact choices and dates, else a substring."""
    path = f"custom_fields__{definition.key}"
    kind = definition.field_type
    if kind == FieldType.BOOLEAN:
        return Q(**{path: value.lower() in ("1", "true", "yes", "on")})
    if kind == FieldType.NUMBER:
        try:
            return Q(**{path: int(value)})
        except ValueError:
            return Q(pk__in=[])
    if kind in (FieldType.CHOICE, FieldType.DATE, FieldType.DECIMAL):
        return Q(**{path: value})
    return Q(**{f"{path}__icontains": value})
