"""The filters of the search results: those the registered kinds share with their lists, parsed
and applied by each kind's own list filter (``SearchKind.parse_filters``), so that the parameter
names, the validation and the error messages are the list's.

People: ``tag``, ``stage``, ``owner``, ``team`` (ids; repeat or separate with commas),
``has_email``, ``has_phone`` (true/false). Organizations: ``tag``, ``owner`` and ``team``; a
filter a kind does not have (for organizations: stage, email, phone) leaves none of its records.
Any other parameter (``q``, ``kind``, ``sort``...) is not a filter here: the search page's
``kind`` is not the organization list's ``kind``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rubrica.core.filters import Params, param_values
from rubrica.search import registry
from rubrica.search.registry import Narrowing


def keys() -> tuple[str, ...]:
    """The filters of every registered kind, in the order the page shows them (people's
    first)."""
    ordered: dict[str, None] = {}
    for entry in registry.kinds():
        for key in entry.filter_keys:
            ordered.setdefault(key, None)
    return tuple(ordered)


@dataclass(frozen=True)
class SearchFilter:
    """The parsed filters, per kind (``Narrowing``)."""

    by_kind: Mapping[str, Narrowing]

    @property
    def used(self) -> frozenset[str]:
        """The filters given a value that narrows, whatever kind has them."""
        return frozenset().union(*(narrowing.used for narrowing in self.by_kind.values()))

    @property
    def active(self) -> bool:
        """Whether any valid filter narrows the results."""
        return bool(self.used)

    def excludes(self, kind: str) -> bool:
        """A filter ``kind`` does not have is set: none of its records can pass it."""
        return not self.used <= set(registry.get(kind).filter_keys)

    def kinds(self, kinds: Iterable[str]) -> tuple[str, ...]:
        """``kinds`` without those a filter in use rules out (organizations, when a people-only
        filter is set)."""
        return tuple(kind for kind in kinds if not self.excludes(kind))

    def narrow(self) -> dict[str, Callable[[Any], Any]] | None:
        """For ``rubrica.search.query(narrow=...)``: per kind, what narrows the visible records
        (None without filters, the search as before)."""
        if not self.active:
            return None
        return {kind: narrowing.apply for kind, narrowing in self.by_kind.items()}


def parse(params: Params) -> tuple[SearchFilter, dict[str, str]]:
    """The filters in ``params`` (a QueryDict or a mapping of lists or strings) and the errors,
    ``{parameter: message}``, of the values that could not be used (those are ignored, as on
    the people list). Each kind parses the filters it has; a parameter's error is reported
    once, in the order of the kinds."""
    given = {key: values for key in keys() if (values := param_values(params, key))}
    by_kind: dict[str, Narrowing] = {}
    errors: dict[str, str] = {}
    for entry in registry.kinds():
        own = {key: values for key, values in given.items() if key in entry.filter_keys}
        by_kind[entry.kind], kind_errors = entry.parse_filters(own)
        for name, message in kind_errors.items():
            errors.setdefault(name, message)
    return SearchFilter(by_kind=by_kind), errors
