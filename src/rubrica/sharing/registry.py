"""Which kinds of record can be shared one by one: a typed table the domains fill in.

The sharing engine knows no domain. A domain registers each kind from its
``AppConfig.ready()`` (``register_shareable(ShareableKind(...))``, e.g. ``contacts/apps.py``);
from then on the owned-record policy lets grantees read (and, with a write share, change) its
records, the record's page shows a "Shared with" panel, and the web and API doors accept the
kind's key. A model nobody registered is never widened by a share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise

from rubrica.core.registry import Registry


@dataclass(frozen=True)
class ShareableKind:
    """One kind of record that can be shared with a user or a team."""

    #: The kind's name in URLs (``/sharing/<key>/<pk>/``, ``/api/v1/<key>/<pk>/shares``), the
    #: API's path of the kind ("contacts", "organizations").
    key: str
    #: The model (an ``OwnedRecord`` whose policy asks ``core.shares``).
    model: type[models.Model]
    #: What a person calls one record of the kind ("Person").
    label: str | Promise


#: The shareable kinds by key; tests use ``SHAREABLE_KINDS.isolated()``.
SHAREABLE_KINDS: Registry[ShareableKind] = Registry(
    "shareable kind",
    key=lambda kind: kind.key,
    hint="its app registers it from AppConfig.ready() with register_shareable()",
)


def register_shareable(kind: ShareableKind) -> ShareableKind:
    """Add a kind and its "Shared with" panel (from an ``AppConfig.ready()``)."""
    from rubrica.kits.web.panels import Panel, register_panel
    from rubrica.sharing import views

    SHAREABLE_KINDS.register(kind)
    register_panel(
        Panel(
            key="sharing",
            model=kind.model,
            template="sharing/panel.html",
            context=views.panel_context,
            placement="side",
            order=80,
        )
    )
    return kind


#: The kind registered under a key; NotRegistered (a LookupError) names the registered ones.
shareable_kind = SHAREABLE_KINDS.get


def kind_of_model(model: type[Any]) -> ShareableKind | None:
    """The kind registered for ``model``, or None when its records are not shared one by one."""
    for kind in SHAREABLE_KINDS:
        if kind.model is model:
            return kind
    return None
