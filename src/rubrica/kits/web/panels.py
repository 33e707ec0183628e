"""Panels on a record's page that other apps contribute: a typed table filled in at start-up.

A record's page (a person, an organization, and any kind added later) shows its own sections,
then the panels that apps above it registered for its model: a timeline, tasks, documents.
The page's app knows none of them. An app registers its panels from its ``AppConfig.ready()``
(``register_panel(Panel(...))``); the page renders ``{% record_panels record "main" %}`` and
``{% record_panels record "side" %}`` (``kits/web/templatetags/rubrica_web.py``).

A panel's ``context`` function receives the request and the record (already read through
``restrict()`` by the page) and returns the template's context, or ``None`` to show nothing
(for instance to a user who may not see what the panel lists). It must read through
``restrict()`` itself and must not write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.db import models
from django.http import HttpRequest

Placement = Literal["main", "side"]


@dataclass(frozen=True)
class Panel:
    """One panel on the pages of one model."""

    #: Unique per model, e.g. "timeline"; the panel's section gets ``id="panel-<key>"``.
    key: str
    #: The model whose pages show the panel.
    model: type[models.Model]
    #: The template rendered with the context below.
    template: str
    #: ``(request, record) -> context`` or ``None`` to hide the panel.
    context: Callable[[HttpRequest, Any], Mapping[str, Any] | None]
    #: "main" (the wide column) or "side" (the narrow one).
    placement: Placement = "main"
    #: Lower comes first.
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    panel: Panel
    context: Mapping[str, Any]


_PANELS: dict[tuple[type[models.Model], str], Panel] = {}


def register_panel(panel: Panel) -> None:
    """Add a panel; registering the same key twice for one model is a programming error."""
    slot = (panel.model, panel.key)
    if slot in _PANELS and _PANELS[slot] != panel:
        raise ValueError(f"panel {panel.key!r} is already registered for {panel.model.__name__}")
    _PANELS[slot] = panel


def panels_for(model: type[models.Model]) -> list[Panel]:
    """The panels registered for a model, in display order."""
    found = [panel for (owner, _key), panel in _PANELS.items() if owner is model]
    return sorted(found, key=lambda panel: (panel.order, panel.key))


def rendered_panels(
    request: HttpRequest, record: models.Model, placement: Placement
) -> list[RenderedPanel]:
    """The panels to show on ``record``'s page in ``placement``, each with its context."""
    shown = []
    for panel in panels_for(type(record)):
        if panel.placement != placement:
            continue
        context = panel.context(request, record)
        if context is not None:
            shown.append(RenderedPanel(panel, context))
    return shown
