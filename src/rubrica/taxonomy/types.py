"""The typed input of ``stage_save``/``kind_save`` (an entry of an ordered list).

The settings pages' form builds it (``views.choice_input``); mypy checks it against the services.
The service checks every value.
"""

from __future__ import annotations

from typing import TypedDict


class ChoiceInput(TypedDict, total=False):
    name: str | None
    #: Where the entry goes (0 first); none: at the end when it is created, unchanged otherwise.
    position: int | str | None
