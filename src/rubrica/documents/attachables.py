"""Which kinds of record documents attach to: a typed table filled in by ``ready()``.

A document points at its record through one nullable foreign key per kind (``Document.contact``,
``Document.organization``; ``Document.activity`` once the timeline exists), exactly one of them
set (a named check constraint). Each kind is also registered here: the field that holds it, the
model, the record's action that a document's action needs. The permission policy
(``DocumentPolicy``), the services and the doors read this table, so adding a kind is a field and
its migration, the constraint widened, and one ``register_attachable`` call; nothing else is
edited (docs/adr/0017-documents.md says why foreign keys and not a generic relation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class AttachableKind:
    """One kind of record that documents attach to."""

    #: The kind's name in the API and the CLI ("contact", "organization").
    key: str
    #: The record's model; documents follow what ``model.objects.restrict()`` lets a user see.
    model: type[models.Model]
    #: The foreign key on Document that holds a record of this kind.
    field: str
    #: What a person calls the kind ("Person").
    label: str | Promise


_KINDS: dict[str, AttachableKind] = {}


def register_attachable(kind: AttachableKind) -> None:
    """Add a kind (from ``DocumentsConfig.ready()``); a key registered twice is refused."""
    if kind.key in _KINDS:
        raise ImproperlyConfigured(f"The attachable kind {kind.key!r} is already registered.")
    _KINDS[kind.key] = kind


def attachable_kinds() -> list[AttachableKind]:
    """Every kind, in registration order."""
    return list(_KINDS.values())


def attachable_kind(key: str) -> AttachableKind:
    """The kind registered as ``key``; LookupError names the registered ones when it is missing."""
    try:
        return _KINDS[key]
    except KeyError:
        known = ", ".join(_KINDS) or "none"
        raise LookupError(f"No attachable kind {key!r} (registered: {known}).") from None


def kind_of(record: Any) -> AttachableKind:
    """The kind of ``record``; LookupError when documents do not attach to its model."""
    for kind in _KINDS.values():
        if type(record) is kind.model:
            return kind
    raise LookupError(f"Documents do not attach to {type(record).__name__}.")
