"""The shared RecordFilter reads custom fields only through its CUSTOM_FIELDS hook: without one,
every cf_ parameter is unknown; with one (here a test's), it asks it which keys exist and lets it
narrow the records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from rubrica.contacts.models import Contact
from rubrica.core.filters import RecordFilter

SORTS = {"name": ("sort_name", "id")}


class FakeFields:
    """A hook of the test's own: two keys, and narrowing that only records what it was asked."""

    def __init__(self) -> None:
        self.narrowed: list[dict[str, str]] = []

    def keys(self) -> set[str]:
        return {"size", "colour"}

    def narrow(self, qs: QuerySet[Any], values: Mapping[str, str]) -> QuerySet[Any]:
        self.narrowed.append(dict(values))
        return qs.none()


@dataclass
class PlainFilter(RecordFilter):
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = SORTS


FAKE = FakeFields()


@dataclass
class HookedFilter(RecordFilter):
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = SORTS
    CUSTOM_FIELDS: ClassVar[FakeFields] = FAKE


def test_without_a_hook_every_custom_field_is_unknown():
    errors: dict[str, str] = {}

    values = PlainFilter.parse_common({"cf_size": "L"}, errors)

    assert errors == {"cf_size": "There is no custom field size."}
    assert values["custom"] == {}


def test_without_a_hook_applying_custom_values_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match="PlainFilter filters no custom fields"):
        PlainFilter(custom={"size": "L"}).apply_common(Contact.objects.all())


@pytest.mark.django_db
def test_a_hook_says_which_keys_exist_and_narrows_the_records():
    FAKE.narrowed.clear()
    errors: dict[str, str] = {}

    values = HookedFilter.parse_common({"cf_size": "L", "cf_weight": "9", "cf_colour": ""}, errors)
    flt = HookedFilter(**values)

    assert errors == {"cf_weight": "There is no custom field weight."}
    assert flt.custom == {"size": "L"}
    assert list(flt.apply_common(Contact.objects.all())) == []
    assert FAKE.narrowed == [{"size": "L"}]
