"""The typed input of ``definition_save`` (a custom field's definition).

The definition form's ``service_data()``, the API's ``CustomFieldCreate``/``CustomFieldChange``
dumps and the demo data build it; mypy checks each against the service, and a test keeps the API
schema's fields equal to these keys. ``entity`` and ``key`` are read on creation only (they never
change). The service checks every value.
"""

from __future__ import annotations

from typing import TypedDict


class DefinitionInput(TypedDict, total=False):
    #: ``contact`` or ``organization``; on creation only.
    entity: str
    #: Lower-case letters, digits, underscores; on creation only.
    key: str
    label: str | None
    field_type: str | None
    required: bool | None
    choices: list[str] | None
    pattern: str | None
    help_text: str | None
    position: int | None
    show_in_list: bool | None
    identifying: bool | None
    #: Sensitive: stored encrypted, read/changed by administrators and the roles named (ADR 0027).
    sensitive: bool | None
    read_roles: list[str] | None
    edit_roles: list[str] | None
