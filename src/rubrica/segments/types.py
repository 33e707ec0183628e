"""The typed input of the segment services (``segment_create``/``segment_update``'s ``data``).

Every door builds this shape: the segment form, the API's ``SegmentIn``/``SegmentChange`` dumps
and the ``segments save`` command; mypy checks each against the services, and a test keeps the
API schemas' fields equal to these keys. ``total=False``: an update changes only the keys given
(the kind is set on creation only). The service cleans every value.
"""

from __future__ import annotations

from typing import Any, TypedDict


class SegmentInput(TypedDict, total=False):
    name: str | None
    description: str | None
    #: ``dynamic`` (a saved search) or ``static`` (a saved selection); on creation only.
    kind: str | None
    #: A dynamic segment's filters: the people list's parameters (``{"tag": ["5"]}``).
    filters: dict[str, Any] | None
    visibility: str | None
    #: A team by id or name.
    team: int | str | None
