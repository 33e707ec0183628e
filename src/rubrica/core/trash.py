"""What can be in the Trash: a typed table the domains fill in at start-up.

Core knows no app, yet the Trash page and ``rubrica trash purge`` must reach every trashable kind
of record. Each domain registers its kinds from its ``AppConfig.ready()`` (one ``register_trash``
call per kind, e.g. ``contacts/apps.py``); the doors read ``trash_kinds()`` in registration order
(the order of INSTALLED_APPS), so the page shows and the purge empties the kinds in that order.
Looking up a kind nobody registered fails loudly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.utils import timezone
from django.utils.functional import Promise

from rubrica.core.models import OwnedRecord
from rubrica.core.registry import Registry

if TYPE_CHECKING:
    from rubrica.accounts.models import User

RecordT = TypeVar("RecordT", bound=OwnedRecord)


@dataclass(frozen=True)
class TrashKind(Generic[RecordT]):
    """One kind of record that goes to the Trash and comes back."""

    #: The kind's name on the Trash page: its section (``id="trash-<key>"``) and its page
    #: parameter (``<key>_cursor``), e.g. "people".
    key: str
    #: The model; ``model.trash`` holds its records in the Trash, read through restrict().
    model: type[RecordT]
    #: The section heading ("People"), the text of an empty section ("No people in the Trash.")
    #: and the name of its pager ("Pages of people").
    label: str | Promise
    empty_text: str | Promise
    pages_label: str | Promise
    #: The restore service: (actor, record) -> the restored record. The Trash page's Restore
    #: button restores through it (``web`` URL ``trash_restore``, with the key and the pk).
    restore: Callable[[User, RecordT], RecordT]
    #: Deletes for good the records moved to the Trash before the cutoff; returns how many went.
    purge: Callable[[dt.datetime], int]
    #: The record app's own restore URL name ("contacts:restore", its Undo button's); the Trash
    #: page no longer posts there. Optional, kept so that registrations naming it still load.
    restore_url_name: str = ""


#: The trashable kinds by key; tests use ``TRASH_KINDS.isolated()``.
TRASH_KINDS: Registry[TrashKind[Any]] = Registry(
    "trash kind",
    key=lambda kind: kind.key,
    hint="its app registers it from AppConfig.ready() with register_trash()",
    same_again=False,
)


#: Add a kind (from an ``AppConfig.ready()``); a key registered twice is refused.
register_trash = TRASH_KINDS.register
#: The kind registered under a key; NotRegistered (a LookupError) names the registered ones.
trash_kind = TRASH_KINDS.get


def trash_kinds() -> list[TrashKind[Any]]:
    """Every trashable kind, in registration order."""
    return list(TRASH_KINDS)


def trash_purge(*, older_than: dt.timedelta) -> int:
    """Delete for good what has been in the Trash longer than ``older_than``, every kind in turn,
    with the records' history entries and stored files (each kind's purge says how). System task;
    works in batches so memory stays bounded."""
    cutoff = timezone.now() - older_than
    return sum(kind.purge(cutoff) for kind in trash_kinds())
