"""The filters of the search results: a few of the people list's, parsed and applied by the
list filters themselves (``ContactFilter``, ``OrganizationFilter``), so that the parameter names,
the validation and the error messages are the list's.

People: ``tag``, ``stage``, ``owner``, ``team`` (ids; repeat or separate with commas),
``has_email``, ``has_phone`` (true/false). Organizations: ``tag``, ``owner`` and ``team``; a
filter only people have (stage, email, phone) leaves no organizations. Any other parameter
(``q``, ``kind``, ``sort``...) is not a filter here: the search page's ``kind`` is not the
organization list's ``kind``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rubrica.contacts.filters import ContactFilter
from rubrica.core.filters import Params, param_values
from rubrica.organizations.filters import OrganizationFilter
from rubrica.search.models import Kind

#: Filters of both kinds, then those of people only, in the order the page shows them.
SHARED_KEYS = ("tag", "owner", "team")
PEOPLE_KEYS = ("stage", "has_email", "has_phone")
KEYS = (*SHARED_KEYS, *PEOPLE_KEYS)


@dataclass(frozen=True)
class SearchFilter:
    people: ContactFilter
    organizations: OrganizationFilter

    @property
    def active(self) -> bool:
        """Whether any valid filter narrows the results."""
        return self.shared_active or self.people_only

    @property
    def shared_active(self) -> bool:
        return bool(self.people.tags or self.people.owners or self.people.teams)

    @property
    def people_only(self) -> bool:
        """A filter organizations do not have is set: no organization can pass it."""
        people = self.people
        return bool(people.stages) or people.has_email is not None or people.has_phone is not None

    def kinds(self, kinds: Iterable[str]) -> tuple[str, ...]:
        """``kinds`` without organizations when a people-only filter is set."""
        return tuple(k for k in kinds if not (k == Kind.ORGANIZATION and self.people_only))

    def narrow(self) -> dict[str, Callable[[Any], Any]] | None:
        """For ``rubrica.search.query(narrow=...)``: per kind, what narrows the visible records
        (None without filters, the search as before)."""
        if not self.active:
            return None
        return {Kind.CONTACT: self.people.apply, Kind.ORGANIZATION: self.organizations.apply}


def parse(params: Params) -> tuple[SearchFilter, dict[str, str]]:
    """The filters in ``params`` (a QueryDict or a mapping of lists or strings) and the errors,
    ``{parameter: message}``, of the values that could not be used (those are ignored, as on
    the people list)."""
    given = {key: values for key in KEYS if (values := param_values(params, key))}
    people, errors = ContactFilter.parse(given)
    shared = {key: values for key, values in given.items() if key in SHARED_KEYS}
    organizations, _errors = OrganizationFilter.parse(shared)
    return SearchFilter(people=people, organizations=organizations), errors
