"""Kinds of record the audit trail names by id only (ADR 0036): people and organizations.

An entry about a person used to keep ``str(person)`` as its ``target_repr``; an erasure cannot
remove it (the chain forbids changing an entry), so a name outlived the person. A kind
registered here (by its app's ``AppConfig.ready()``, like every engine registry) is recorded
with its kind and id only, and the audit page shows the record's **current** label, looked up
when the page is drawn: "(erased)" or "(deleted)" when it is no longer there to name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from rubrica.core.registry import Registry


@dataclass(frozen=True)
class LabelledKind:
    """``kind`` is the model's ``_meta.label_lower``; ``lookup(ids)`` returns the current label
    of each id still there (an erased record's label is ``labels.ERASED``)."""

    kind: str
    lookup: Callable[[list[str]], dict[str, str]]


LABELLED_KINDS: Registry[LabelledKind] = Registry(
    "audit label kind",
    key=lambda entry: entry.kind,
    hint="call rubrica.audit.labels.register(...) from the app's AppConfig.ready()",
)

#: What ``lookup`` answers for a record that is still there but was erased.
ERASED = "\x00erased"


def register(kind: str, lookup: Callable[[list[str]], dict[str, str]]) -> None:
    LABELLED_KINDS.register(LabelledKind(kind, lookup))


def by_id_only(kind: str) -> bool:
    """Whether entries about ``kind`` are recorded without a label."""
    return kind in LABELLED_KINDS


def current_labels(targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The label to show for each (kind, id) of a registered kind: the record's current one,
    "(erased)" or "(deleted)"."""
    wanted: dict[str, set[str]] = {}
    for kind, pk in targets:
        if pk and by_id_only(kind):
            wanted.setdefault(kind, set()).add(pk)
    shown: dict[tuple[str, str], str] = {}
    for entry in LABELLED_KINDS:
        ids = sorted(wanted.get(entry.kind, ()))
        if not ids:
            continue
        found = entry.lookup(ids)
        for pk in ids:
            label = found.get(pk)
            if label is None:
                shown[entry.kind, pk] = _("(deleted)")
            elif label == ERASED:
                shown[entry.kind, pk] = _("(erased)")
            else:
                shown[entry.kind, pk] = label
    return shown
