"""The tables the duplicate engine reads, filled in at start-up by the apps above it.

The engine (match keys, scoring, the key index, the scan, the pair pages and the ``dedup``
command) knows no domain and no feature. It matches the records its tables point at
(``DuplicateKey.contact``, ``DuplicatePair.contact_a``/``contact_b``: a model named by a string,
never imported) and learns how to read, restrict and show them from the :class:`Records` their
domain registers in its ``AppConfig.ready()`` (``rubrica.contacts.apps``). Looking them up fails
loudly (ImproperlyConfigured) when no app registered them.

What merging adds to duplicate detection (the exact-duplicate merge a scan ends with, the page
that merges a pair, the ``rubrica dedup merge|undo`` actions) is one :class:`Merging`, registered
by ``rubrica.merges.apps``. It is optional: without it the engine still finds and lists pairs,
merges nothing and offers no merge.

Registering is explicit and typed (one call per table, no signal); registering the same table
twice is a mistake and raises (``rubrica.core.registry.Registry``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Model, QuerySet
from django.utils.functional import Promise

from rubrica.core.registry import Registry
from rubrica.dedup.keys import Identity

if TYPE_CHECKING:
    from rubrica.accounts.models import User
    from rubrica.kits.cli.base import RubricaCommand


@dataclass(frozen=True)
class StoredInput:
    """A stored record as its service input, for the duplicate check of an edit: the edit's
    (perhaps partial) data is laid over ``data``; ``organization`` is the name matching compares
    (see :class:`~rubrica.dedup.keys.Identity`)."""

    data: Mapping[str, Any]
    organization: str


@dataclass(frozen=True)
class Card:
    """How one record of a pair is shown on the duplicates page.

    ``template`` renders it from ``side`` (one of the mappings ``sides`` returns);
    ``sides(user, records)`` is called once per page with both records of every pair, in order,
    so that what the card shows beside the record is read in a fixed number of queries, and only
    what ``user`` may see; ``related`` are the ``select_related`` paths from a record that the
    card reads (the page loads them with the pairs)."""

    template: str
    related: tuple[str, ...]
    sides: Callable[[User, Sequence[Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Records:
    """The records the engine matches, as their domain reads and shows them.

    - ``model``: the model the engine's tables point at (registered under its label);
    - ``restrict(user, action)``: the records ``user`` may act on (``Action.VIEW``,
      ``Action.CHANGE``), none in the Trash; every read of the pages, the warnings and the
      decisions starts there;
    - ``alive()``: every record not in the Trash (the key index is rebuilt from them);
    - ``identities(ids)``: the :class:`~rubrica.dedup.keys.Identity` of each record of one batch
      (a list of at most ``index.BATCH`` ids, or a queryset of ids) not in the Trash, in a fixed
      number of queries; records in the Trash are left out;
    - ``input_identity(data, organization)``: the identity of a record described by service
      input (a form's or an API body's, unvalidated: unusable values are skipped);
    - ``stored_input(pk)``: a stored record, in the Trash or not, in that input shape (None when
      there is no such record);
    - ``url(pk)``: the page of a record (the warnings link to it);
    - ``name_field``: the field holding a record's name as people see it;
    - ``card``: how a record is shown on the duplicates page.
    """

    model: type[Model]
    restrict: Callable[[User, str], QuerySet[Any]]
    alive: Callable[[], QuerySet[Any]]
    identities: Callable[[list[int] | QuerySet[Any, Any]], dict[int, Identity]]
    input_identity: Callable[[Mapping[str, Any], str], Identity]
    stored_input: Callable[[int], StoredInput | None]
    url: Callable[[int], str]
    name_field: str
    card: Card

    @property
    def label(self) -> str:
        """The key the records are registered under: their model's label ("app.Model")."""
        return self.model._meta.label

    def name(self, record: Any) -> str:
        """A record's name as people see it (pages, messages, the command's list)."""
        return str(getattr(record, self.name_field))


class AutoMerge(Protocol):
    """Merges the exact duplicates ``actor`` may merge; returns how many merges it made."""

    def __call__(self, *, actor: User) -> int: ...


@dataclass(frozen=True)
class CliActions:
    """Actions another app adds to ``rubrica dedup``.

    ``add_subcommands(subparsers)`` adds them (after the command's own); the command hands an
    action named in ``names`` to ``handle(action, options, command)``; ``examples`` are the lines
    of the command's help epilog that show them (before the ``reindex`` example; a lazy
    translation is translated when the help is shown)."""

    names: tuple[str, ...]
    add_subcommands: Callable[[Any], None]
    handle: Callable[[str, dict[str, Any], RubricaCommand], None]
    examples: str | Promise


@dataclass(frozen=True)
class Merging:
    """What merging adds to duplicate detection.

    - ``auto_merge_exact(actor=)``: run at the end of every scan, as the scan's owner (it decides
      itself whether the operator turned it on); its count is the scan's ``auto_merged``;
    - ``page``: the URL name of the page that merges a pair (given ``?a=ID&b=ID``), linked from
      every pair of the duplicates page;
    - ``cli``: the actions added to ``rubrica dedup``.
    """

    auto_merge_exact: AutoMerge
    page: str
    cli: CliActions


#: The records each domain registered, by model label; tests use ``RECORDS.isolated()``.
RECORDS: Registry[Records] = Registry(
    "dedup records",
    key=lambda records: records.label,
    hint="its AppConfig.ready() must call rubrica.dedup.registry.register()",
    same_again=False,
)
#: What merging adds, at most one (under the key "merging"); tests use ``MERGING.isolated()``.
MERGING: Registry[Merging] = Registry(
    "dedup merging", key=lambda merging: "merging", same_again=False
)


def register(records: Records) -> None:
    """Tell the engine how to read and show the records of ``records.model`` (called once, from
    the domain's ``AppConfig.ready()``)."""
    RECORDS.register(records)


def records_of(label: str) -> Records:
    """The records registered under the model label ``label``; ImproperlyConfigured if none."""
    return RECORDS.get(label)


def matched_label() -> str:
    """The label of the model the engine's tables point at (``DuplicateKey.contact``)."""
    from rubrica.dedup.models import DuplicateKey

    model = DuplicateKey._meta.get_field("contact").related_model
    assert model is not None and not isinstance(model, str)
    return model._meta.label


def records() -> Records:
    """The records the engine matches: those its tables point at."""
    return records_of(matched_label())


def register_merging(merging: Merging) -> None:
    """Add merging to duplicate detection (called once, from ``rubrica.merges``' ready())."""
    MERGING.register(merging)


def merging() -> Merging | None:
    """What merging adds, or None when no app registered it."""
    return MERGING.get("merging") if "merging" in MERGING else None
