"""Field-level protection (ADR 0027): which fields of a person or organization a user may read
and change, and the sealing of sensitive custom-field values.

Every door asks one function, :func:`field_access` ``(user, entity)``: the names it must leave
out (built-in names such as ``birthday``, and ``custom_fields.<key>``) and those it must refuse
to write. :func:`present` applies it to a record's data in the services' shape (the snapshot the
API, the exports, the merge page and the history build on): hidden names leave, sealed values
the user may read are opened.

Rules: a field is protected by a ``ProtectedField`` row (built-in) or ``sensitive`` on its
definition (custom); administrators (role key ``administrator``) always read and change it;
other users read it when they hold one of its ``read_roles`` and change it when they hold one
of its ``edit_roles`` and may read it. Role keys come from ``accounts.selectors.role_keys``
only, whatever decides them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.models import User
from rubrica.accounts.selectors import role_keys
from rubrica.core import sealing
from rubrica.customfields.models import CustomFieldDefinition, Entity, ProtectedField

logger = logging.getLogger(__name__)

#: The built-in fields that may be marked sensitive, by entity, with their labels. Chosen for
#: being personal and not needed to find, sort or match a record (names, e-mails and phones
#: are: ADR 0027 says why they are not offered).
BUILTIN_FIELDS: dict[str, tuple[tuple[str, Any], ...]] = {
    Entity.CONTACT: (
        ("birthday", gettext_lazy("Birthday")),
        ("anniversary", gettext_lazy("Anniversary")),
        ("gender", gettext_lazy("Gender")),
        ("notes", gettext_lazy("Notes")),
        ("addresses", gettext_lazy("Postal addresses")),
        ("personal_phones", gettext_lazy("Personal phone numbers")),
    ),
    Entity.ORGANIZATION: (("notes", gettext_lazy("Notes")),),
}

#: The built-in fields stored sealed at rest while they are marked sensitive, in the record
#: and in every copy Rubrica keeps (history, merge snapshots, import and cleaning rows): notes
#: (ADR 0034), a person's postal addresses (ADR 0048: the PO box, extended address, street
#: and postal code of each, ``core.models.SealedTextField`` columns of ``ContactAddress``; a
#: copy seals the whole list), birthday, anniversary and gender (ADR 0051), and a person's
#: ``phones`` while ``personal_phones`` is marked (ADR 0052: the number of each personal
#: phone row, sealed row by row; a copy seals the whole list).
SEALED_BUILTINS: dict[str, frozenset[str]] = {
    Entity.CONTACT: frozenset(
        {"notes", "addresses", "birthday", "anniversary", "gender", "phones"}
    ),
    Entity.ORGANIZATION: frozenset({"notes"}),
}

#: The protected name of a person's personal phone numbers (ADR 0034): the phone entries whose
#: label names one of ``PERSONAL_PHONE_WORDS`` (as a word: "home", "Home fax", "private
#: mobile"), the others (work, mobile, main...) stay as they are.
PERSONAL_PHONES = "personal_phones"
PERSONAL_PHONE_WORDS = frozenset({"home", "personal", "private"})

#: A sealed-at-rest name whose marking is another protected name's: the copies of a person's
#: ``phones`` are sealed while ``personal_phones`` is marked (ADR 0052).
SEALED_BY: dict[str, str] = {"phones": PERSONAL_PHONES}

#: Of those, the ones that are a text column of the record's own row (the others live in child
#: rows: the re-sealing job walks ``ContactAddress`` in a phase of its own).
SEALED_COLUMNS: dict[str, frozenset[str]] = {
    Entity.CONTACT: frozenset({"notes", "birthday", "anniversary", "gender"}),
    Entity.ORGANIZATION: frozenset({"notes"}),
}

#: The sealable columns of a person's address rows (ADR 0048).
SEALED_ADDRESS_PARTS = ("po_box", "extended", "street", "postal_code")


def builtin_sealed(entity: str, name: str) -> bool:
    """Must the built-in ``name`` of ``entity`` be stored sealed now (it can be, and it is
    marked sensitive)? ``core.sealing.SEAL_POLICY`` asks it on each save of such a column; it
    reads the protected names cached for up to ``PROTECTED_TTL`` (a change made here clears
    them at once; the re-sealing job that follows a change seals what was written meanwhile).
    ``personal_phones`` names the phone rows' numbers (the row's label decides, ADR 0052)."""
    if entity == Entity.CONTACT and name == PERSONAL_PHONES:
        return PERSONAL_PHONES in protected_names(entity)
    return name in SEALED_BUILTINS.get(entity, frozenset()) and SEALED_BY.get(
        name, name
    ) in protected_names(entity)


def phone_row_sealed(entity: str, name: str, row: Any) -> bool | None:
    """``core.sealing.ROW_POLICY``: a person's phone row is stored sealed while personal phones
    are marked sensitive and its label makes it a personal one (ADR 0052)."""
    if entity != Entity.CONTACT or name != PERSONAL_PHONES:
        return None
    return builtin_sealed(entity, name) and is_personal_phone(getattr(row, "label", ""))


def builtin_context(entity: str, name: str) -> str:
    """The associated data a sealed built-in value is bound to (as its column seals it)."""
    return f"{entity}.{name}"


def seal_builtins(entity: str, data: Any) -> Any:
    """``data`` (a record in the services' shape, or a history change ``{"before", "after"}``
    by field) with the values of sealed-at-rest built-ins that are marked sensitive sealed: what
    history entries and merge snapshots store (ADR 0034). A new dict; others unchanged."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name in SEALED_BUILTINS.get(entity, frozenset()):
        if name not in out or not builtin_sealed(entity, name):
            continue
        out[name] = _seal_part(entity, name, out[name])
    return out


def _seal_part(entity: str, name: str, value: Any) -> Any:
    if (
        isinstance(value, dict)
        and set(value) <= {"before", "after"}
        and not sealing.is_sealed(value)
    ):
        return {side: _seal_part(entity, name, part) for side, part in value.items()}
    if isinstance(value, (str, list)) and value:
        return sealing.seal(value, builtin_context(entity, name))
    return value


def ids_only_when_sealed(children: Any, data: Any) -> Any:
    """A merge snapshot's ``children`` (rows by collection, each with its ``id``) with the rows
    of a collection whose values ``data`` holds sealed reduced to their ids (ADR 0048): no
    clear copy beside the sealed one. The same object when nothing is sealed."""
    if not isinstance(children, dict) or not isinstance(data, dict):
        return children
    sealed = [
        name
        for name in ("addresses", "phones")
        if sealing.is_sealed(data.get(name))
        and isinstance(children.get(name), list)
        and any(isinstance(row, dict) and set(row) - {"id"} for row in children[name])
    ]
    if not sealed:
        return children
    return {
        **children,
        **{
            name: [{"id": row.get("id")} for row in children[name] if isinstance(row, dict)]
            for name in sealed
        },
    }


def open_builtin(entity: str, name: str, value: Any, *, strict: bool = False) -> Any:
    """A built-in value as stored in history or a merge snapshot, opened when sealed; one that
    does not open is shown as unreadable, or with ``strict`` (a value about to be written back)
    refused with a ValidationError naming the field."""
    if not sealing.is_sealed(value):
        return value
    try:
        return sealing.open_sealed(value, builtin_context(entity, name))
    except sealing.SealError:
        logger.error("sealed %s.%s does not open (tampered or key missing)", entity, name)
        if strict:
            raise ValidationError(
                {name: _("This sealed value was changed and cannot be read.")}
            ) from None
        return _("(unreadable: changed or key missing)")


def open_builtins(entity: str, data: Any) -> Any:
    """``data`` with the sealed built-in values in it opened (undoing a merge, reverting)."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name in SEALED_BUILTINS.get(entity, frozenset()):
        if name in out:
            out[name] = open_builtin(entity, name, out[name], strict=True)
    return out


def is_personal_phone(label: Any) -> bool:
    """Is a phone with this label a personal one? Its label's words (split on commas,
    semicolons, slashes and spaces, case-folded) include home, personal or private."""
    import re

    words = re.split(r"[\s,;/]+", str(label or "").casefold())
    return bool(PERSONAL_PHONE_WORDS.intersection(words))


def _label_of(row: Any) -> Any:
    return row.get("label") if isinstance(row, Mapping) else getattr(row, "label", "")


def split_phones(rows: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """``rows`` (phone dicts in the services' shape, or phone rows) as (others, personal)."""
    others: list[Any] = []
    personal: list[Any] = []
    for row in rows or ():
        (personal if is_personal_phone(_label_of(row)) else others).append(row)
    return others, personal


def visible_phones(access: FieldAccess, rows: Iterable[Any]) -> list[Any]:
    """The phones of ``rows`` ``access``'s user may read (personal ones left out when hidden)."""
    rows = list(rows or ())
    return split_phones(rows)[0] if not access.can_read(PERSONAL_PHONES) else rows


ADMINISTRATOR = "administrator"
#: Labels of the shipped role keys a protected field may name (administrators always may).
ROLE_LABELS: dict[str, Any] = {
    "manager": gettext_lazy("Manager"),
    "sales": gettext_lazy("Sales"),
    "support": gettext_lazy("Support"),
    "marketing": gettext_lazy("Marketing"),
    "read_only": gettext_lazy("Read-only"),
}


def role_choices() -> list[tuple[str, Any]]:
    """The roles a field may be opened to: the shipped ones but administrator (always)."""
    from rubrica.accounts.selectors import SHIPPED_ROLE_KEYS

    return [(key, ROLE_LABELS.get(key, key)) for key in SHIPPED_ROLE_KEYS if key != ADMINISTRATOR]


#: What a hidden or unreadable value shows where a row must say something (history, merges).
MASK = "•••"


def custom_name(key: str) -> str:
    return f"custom_fields.{key}"


def seal_context(entity: str, key: str) -> str:
    """The associated data a custom field's sealed value is bound to."""
    return f"{entity}.custom_fields.{key}"


@dataclass(frozen=True)
class FieldAccess:
    """What one user may do with the protected fields of one entity.

    ``protected``: every protected name; ``hidden``: those the user may not read; ``locked``:
    those they may not change (the hidden ones among them). ``sensitive``: the sensitive custom
    field definitions by key."""

    entity: str
    protected: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()
    sensitive: Mapping[str, CustomFieldDefinition] = field(default_factory=dict)

    def can_read(self, name: str) -> bool:
        return name not in self.hidden

    def can_edit(self, name: str) -> bool:
        return name not in self.locked

    def readable_custom(self, definitions: Iterable[CustomFieldDefinition]) -> list[Any]:
        return [d for d in definitions if self.can_read(custom_name(d.key))]

    def editable_custom(self, definitions: Iterable[CustomFieldDefinition]) -> list[Any]:
        return [d for d in definitions if self.can_edit(custom_name(d.key))]


def _may(keys: frozenset[str], roles: Any) -> bool:
    return ADMINISTRATOR in keys or bool(keys & set(roles if isinstance(roles, list) else []))


def sensitive_definitions(entity: str) -> dict[str, CustomFieldDefinition]:
    from rubrica.customfields.services import definitions_for

    return {d.key: d for d in definitions_for(entity) if d.sensitive}


def protected_builtins(entity: str) -> dict[str, ProtectedField]:
    allowed = {name for name, _label in BUILTIN_FIELDS.get(entity, ())}
    return {
        row.field: row
        for row in ProtectedField.objects.filter(entity=entity)
        if row.field in allowed
    }


def field_access(user: User | None, entity: str) -> FieldAccess:
    """The one question every door asks: which protected fields of ``entity`` ``user`` may read
    and change (``user`` None: a process acting for nobody sees nothing protected)."""
    keys = role_keys(user) if user is not None and user.is_authenticated else frozenset()
    rules: dict[str, tuple[Any, Any]] = {
        name: (row.read_roles, row.edit_roles) for name, row in protected_builtins(entity).items()
    }
    sensitive = sensitive_definitions(entity)
    for key, definition in sensitive.items():
        rules[custom_name(key)] = (definition.read_roles, definition.edit_roles)
    hidden = {name for name, (read, _edit) in rules.items() if not _may(keys, read)}
    locked = hidden | {name for name, (_read, edit) in rules.items() if not _may(keys, edit)}
    return FieldAccess(
        entity=entity,
        protected=frozenset(rules),
        hidden=frozenset(hidden),
        locked=frozenset(locked),
        sensitive=sensitive,
    )


def readable_fields(user: User | None, entity: str) -> FieldAccess:
    """Another name for :func:`field_access` (the question as the issue asks it)."""
    return field_access(user, entity)


def open_value(entity: str, key: str, value: Any) -> Any:
    """A custom field's stored value, opened when sealed; a value that cannot be opened (key
    missing, bytes changed) is logged and shown as unreadable, never as garbage."""
    if not sealing.is_sealed(value):
        return value
    try:
        return sealing.open_sealed(value, seal_context(entity, key))
    except sealing.SealError:
        logger.error(
            "sealed value of %s.%s cannot be opened (tampered or key missing)", entity, key
        )
        return _("(unreadable: changed or key missing)")


def open_custom(access: FieldAccess, values: Mapping[str, Any] | None) -> dict[str, Any]:
    """``values`` (a record's ``custom_fields``) as ``access``'s user may see them: hidden keys
    left out, readable sealed values opened. A sealed value of a field no longer sensitive is
    opened too (it is re-stored plain by the next ``rubrica keys rotate``)."""
    shown: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if not access.can_read(custom_name(key)):
            continue
        shown[key] = open_value(access.entity, key, value)
    return shown


def present(access: FieldAccess, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a record in the services' shape) with hidden fields removed and readable
    sealed values opened; a new dict."""
    shown = {key: value for key, value in data.items() if access.can_read(key)}
    if isinstance(data.get("phones"), list):
        shown["phones"] = visible_phones(access, data["phones"])
    if "custom_fields" in data:
        shown["custom_fields"] = open_custom(access, data.get("custom_fields"))
    return shown


def shown_protected(access: FieldAccess, data: Mapping[str, Any]) -> list[str]:
    """The protected names with a value in ``data`` that ``access``'s user is shown (what a read
    audit entry lists)."""
    names = []
    for name in sorted(access.protected - access.hidden):
        if name.startswith("custom_fields."):
            value = (data.get("custom_fields") or {}).get(name.split(".", 1)[1])
        elif name == PERSONAL_PHONES and name not in data:
            value = split_phones(data.get("phones") or [])[1]
        else:
            value = data.get(name)
        if value not in (None, "", [], {}):
            names.append(name)
    return names


def refuse_locked(access: FieldAccess, data: Mapping[str, Any]) -> None:
    """A ValidationError naming each protected field in ``data`` (a service's input) that
    ``access``'s user may not change; nothing when there is none."""
    errors: dict[str, str] = {}
    for name in access.locked:
        if name.startswith("custom_fields."):
            present_in = name.split(".", 1)[1] in (data.get("custom_fields") or {})
        elif name == PERSONAL_PHONES:
            # any personal phone in a list of phones (whatever its value: an equal one would
            # let a client guess); those already stored are kept (``keep_locked_phones``)
            present_in = bool(split_phones(data.get("phones") or [])[1])
        else:
            present_in = name in data
        if present_in:
            errors[name] = _("You may not change the protected field %(field)s.") % {"field": name}
    if errors:
        raise ValidationError(errors)


def seal_custom(
    entity: str,
    merged: dict[str, Any],
    current: Mapping[str, Any] | None,
    sensitive: Mapping[str, CustomFieldDefinition],
) -> dict[str, Any]:
    """``merged`` (clean values) with each sensitive field's value sealed. A value equal to the
    current one keeps its current sealed form (a save without change changes nothing); a value
    already sealed (a revert, a merge) must open, or the write is refused."""
    out = dict(merged)
    for key, definition in sensitive.items():
        if key not in out:
            continue
        value = out[key]
        context = seal_context(entity, key)
        old = (current or {}).get(key)
        if sealing.is_sealed(value):
            try:
                sealing.open_sealed(value, context)
            except sealing.SealError:
                raise ValidationError(
                    {custom_name(key): _("This sealed value was changed and cannot be read.")}
                ) from None
            continue
        if sealing.is_sealed(old):
            try:
                if sealing.open_sealed(old, context) == value:
                    out[key] = old
                    continue
            except sealing.SealError:
                pass
        out[key] = sealing.seal(value, context, index=definition.identifying)
    return out


def identifier(entity: str, key: str, value: Any) -> Any:
    """What the duplicate scan compares for an identifying field: a sealed value's blind index
    (never its text), else the value."""
    if sealing.is_sealed(value):
        return {"bi": value.get("bi")} if value.get("bi") else None
    return value


#: Called after commit, with the actor and ``reindex=``, when what is sealed changed: a field
#: became sensitive or not, or identifying. The app that re-seals stored values registers one
#: (``rubrica.keys``).
SEALING_CHANGED_HOOKS: list[Any] = []


def notify_sealing_changed(actor: User, *, reindex: bool = False) -> None:
    """Call the hooks after commit; ``reindex``: the search documents must be rebuilt (a
    built-in field's protection changed; sealed custom values are re-indexed one by one)."""
    import functools

    from django.db import transaction

    for hook in list(SEALING_CHANGED_HOOKS):
        transaction.on_commit(functools.partial(hook, actor, reindex=reindex))


def clean_roles(value: Any, name: str) -> list[str]:
    """A list of role keys (``accounts.selectors`` keys: lower-case slugs), or a ValidationError
    naming ``name``."""
    import re

    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(
        isinstance(item, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,49}", item) for item in value
    ):
        raise ValidationError({name: _("Give a list of role keys.")})
    return sorted(set(value) - {ADMINISTRATOR})


def protected_field_save(
    *,
    actor: User,
    entity: str,
    field_name: str,
    sensitive: bool,
    read_roles: Any = (),
    edit_roles: Any = (),
) -> ProtectedField | None:
    """Mark a built-in field sensitive (with who may read and change it) or not; only
    administrators. Audited. Returns the row, None when the field is no longer protected."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    from rubrica.audit import services as audit
    from rubrica.audit.services import AuditAction

    if ADMINISTRATOR not in role_keys(actor):
        raise PermissionDenied(_("Only administrators can protect fields."))
    if field_name not in {name for name, _label in BUILTIN_FIELDS.get(entity, ())}:
        raise ValidationError({"field": _("This field cannot be marked sensitive.")})
    reads = clean_roles(list(read_roles), "read_roles")
    edits = clean_roles(list(edit_roles), "edit_roles")
    with transaction.atomic():
        ProtectedField.objects.select_for_update().filter(entity=entity, field=field_name)
        row: ProtectedField | None
        if sensitive:
            row, _created = ProtectedField.objects.update_or_create(
                entity=entity,
                field=field_name,
                defaults={"read_roles": reads, "edit_roles": edits},
            )
        else:
            ProtectedField.objects.filter(entity=entity, field=field_name).delete()
            row = None
        audit.record(
            actor,
            AuditAction.FIELD_PROTECTION,
            None,
            {
                "entity": entity,
                "field": field_name,
                "sensitive": sensitive,
                "read_roles": reads,
                "edit_roles": edits,
            },
        )
        notify_sealing_changed(actor, reindex=True)
        transaction.on_commit(forget_protected)
    forget_protected()
    return row


#: Built-in fields that are collections of rows rather than one column (a page hides them
#: itself; ``mask_record`` cannot blank a relation).
COLLECTION_FIELDS = frozenset({"addresses", PERSONAL_PHONES})


def mask_record(access: FieldAccess, record: Any) -> None:
    """Blank, in memory only, the hidden single-valued built-in fields of ``record`` so that a
    page built on it cannot show them. The record must not be saved afterwards (pages only
    read; services re-read what they lock)."""
    for name in access.hidden:
        if "." not in name and name not in COLLECTION_FIELDS and hasattr(record, name):
            setattr(record, name, "")


def record_values(access: FieldAccess, record: Any) -> dict[str, Any]:
    """The protected built-in values of ``record`` and its ``custom_fields``, in the shape
    ``shown_protected`` reads."""
    data: dict[str, Any] = {"custom_fields": getattr(record, "custom_fields", None) or {}}
    for name in access.protected:
        if "." in name:
            continue
        if name == PERSONAL_PHONES:
            data[name] = split_phones(record.phones.all())[1][:1]
        elif name in COLLECTION_FIELDS:
            data[name] = list(getattr(record, name).all()[:1])
        else:
            data[name] = getattr(record, name, None)
    return data


def audit_read(user: User, record: Any, names: list[str], door: str) -> None:
    """Record that ``user`` was shown the sensitive fields ``names`` of ``record`` (nothing when
    none): the issue's "reads of sensitive fields" in the audit log."""
    if not names:
        return
    from rubrica.audit import services as audit
    from rubrica.audit.services import AuditAction

    audit.record(user, AuditAction.SENSITIVE_READ, record, {"fields": names, "door": door})


#: How long a process trusts its copy of the protected built-in names (search documents and
#: duplicate reasons ask for every record); a change made here clears it at once.
PROTECTED_TTL = 30.0
_protected_cache: dict[str, tuple[float, frozenset[str]]] = {}


def protected_names(entity: str) -> frozenset[str]:
    """Every protected name of ``entity`` (built-in and ``custom_fields.<key>``), whoever asks:
    what shared indexes (search documents, duplicate reasons) leave out for everyone."""
    import time

    now = time.monotonic()
    cached = _protected_cache.get(entity)
    if cached is not None and now - cached[0] < PROTECTED_TTL:
        return cached[1]
    names = frozenset(protected_builtins(entity)) | frozenset(
        custom_name(key) for key in sensitive_definitions(entity)
    )
    _protected_cache[entity] = (now, names)
    return names


def forget_protected() -> None:
    """Drop the cached protected names (after a change, and between tests)."""
    _protected_cache.clear()


class Resealed:
    """Counts of one re-sealing pass (``reseal_values``): values sealed, re-sealed under the
    current key, opened (no longer sensitive), and left as they were because they would not
    open (tampered, or their key is gone)."""

    def __init__(self) -> None:
        self.sealed = 0
        self.resealed = 0
        self.opened = 0
        self.unreadable = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "sealed": self.sealed,
            "resealed": self.resealed,
            "opened": self.opened,
            "unreadable": self.unreadable,
        }


def reseal_values(
    entity: str,
    values: Any,
    definitions: Mapping[str, CustomFieldDefinition],
    counts: Resealed,
) -> dict[str, Any] | None:
    """``values`` (a ``custom_fields`` dict) as they must be stored now, or None when nothing
    changes: sensitive plain values sealed, sealed values under an old key (or with the wrong
    blind index) sealed again with the current one, values of a field no longer sensitive
    opened. A value of a deleted definition stays sealed (under the current key). A value that
    does not open is left alone and counted as unreadable."""
    if not isinstance(values, dict):
        return None
    out = dict(values)
    changed = False
    for key, value in values.items():
        definition = definitions.get(key)
        context = seal_context(entity, key)
        try:
            if definition is not None and definition.sensitive:
                if sealing.is_sealed(value):
                    new = sealing.reseal(value, context, index=definition.identifying)
                    if new is None:
                        continue
                    counts.resealed += 1
                elif value in (None, "", []):
                    continue
                else:
                    new = sealing.seal(value, context, index=definition.identifying)
                    counts.sealed += 1
            elif sealing.is_sealed(value):
                if definition is None:
                    new = sealing.reseal(value, context, index=False)
                    if new is None:
                        continue
                    counts.resealed += 1
                else:
                    new = sealing.open_sealed(value, context)
                    counts.opened += 1
            else:
                continue
        except sealing.SealError:
            logger.error("sealed value of %s.%s does not open; left as it is", entity, key)
            counts.unreadable += 1
            continue
        out[key] = new
        changed = True
    return out if changed else None


def reseal_tree(
    entity: str,
    tree: Any,
    definitions: Mapping[str, CustomFieldDefinition],
    counts: Resealed,
) -> Any:
    """``tree`` (a history entry's changes, a merge's snapshot) with every ``custom_fields``
    dict in it (or its ``before``/``after``) passed through ``reseal_values``; the same object
    when nothing changed."""
    if isinstance(tree, list):
        items = [reseal_tree(entity, item, definitions, counts) for item in tree]
        return items if any(a is not b for a, b in zip(items, tree, strict=True)) else tree
    if not isinstance(tree, dict):
        return tree
    out: dict[str, Any] = {}
    changed = False
    for key, value in tree.items():
        new = value
        if key == "custom_fields" and isinstance(value, dict):
            if set(value) <= {"before", "after"} and value:
                sides = {
                    side: reseal_values(entity, part, definitions, counts)
                    for side, part in value.items()
                }
                if any(part is not None for part in sides.values()):
                    new = {
                        side: part if part is not None else value[side]
                        for side, part in sides.items()
                    }
            else:
                resealed = reseal_values(entity, value, definitions, counts)
                new = resealed if resealed is not None else value
        else:
            new = reseal_tree(entity, value, definitions, counts)
        changed = changed or new is not value
        out[key] = new
    return out if changed else tree


def sealed_builtins_now(entity: str) -> frozenset[str]:
    """The sealed-at-rest built-ins of ``entity`` marked sensitive now (read afresh: the
    re-sealing job must not act on another process's cached copy)."""
    protected = set(protected_builtins(entity))
    return frozenset(
        name
        for name in SEALED_BUILTINS.get(entity, frozenset())
        if SEALED_BY.get(name, name) in protected
    )


def reseal_builtin(entity: str, name: str, value: Any, seal_now: bool, counts: Resealed) -> Any:
    """A built-in value as history or a merge snapshot must store it now (sealed under the
    current key while the field is sensitive, plain otherwise); the same object when nothing
    changes. ``{"before", "after"}`` pairs are walked; a value that does not open is left."""
    if isinstance(value, dict) and not sealing.is_sealed(value):
        if not value or not set(value) <= {"before", "after"}:
            return value
        sides = {
            side: reseal_builtin(entity, name, part, seal_now, counts)
            for side, part in value.items()
        }
        return sides if any(sides[s] is not value[s] for s in sides) else value
    context = builtin_context(entity, name)
    try:
        if sealing.is_sealed(value):
            if seal_now:
                new = sealing.reseal(value, context, index=False)
                if new is None:
                    return value
                counts.resealed += 1
                return new
            counts.opened += 1
            return sealing.open_sealed(value, context)
        if seal_now and isinstance(value, (str, list)) and value:
            counts.sealed += 1
            return sealing.seal(value, context)
    except sealing.SealError:
        logger.error("sealed %s does not open; left as it is", context)
        counts.unreadable += 1
    return value


def reseal_builtin_values(
    entity: str, data: Any, seal_now: frozenset[str], counts: Resealed
) -> Any:
    """``data`` (a history entry's changes, a merge snapshot's ``data``) with each sealed-at-
    rest built-in passed through ``reseal_builtin``; the same object when nothing changed."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    changed = False
    for name in SEALED_BUILTINS.get(entity, frozenset()):
        if name in data:
            new = reseal_builtin(entity, name, data[name], name in seal_now, counts)
            if new is not data[name]:
                out[name] = new
                changed = True
    return out if changed else data


def reseal_column(
    entity: str,
    name: str,
    stored: Any,
    seal_now: bool,
    counts: Resealed,
    *,
    context: str | None = None,
) -> str | None:
    """A sealable text column's stored text as it must be now, or None when it stays:
    sealed under the current key while the field is sensitive, plain otherwise. ``context``:
    the column's own (``SealedTextField.seal_context``) when it is not ``<entity>.<name>``."""
    if not isinstance(stored, str) or not stored:
        return None
    context = context or builtin_context(entity, name)
    try:
        if sealing.is_sealed_text(stored):
            if seal_now:
                new = sealing.reseal_text(stored, context)
                if new is not None:
                    counts.resealed += 1
                return new
            counts.opened += 1
            return sealing.open_text(stored, context)
        if seal_now:
            counts.sealed += 1
            return sealing.seal_text(stored, context)
    except sealing.SealError:
        logger.error("sealed %s does not open; left as it is", context)
        counts.unreadable += 1
    return None


def keep_locked_phones(access: FieldAccess, data: Any, current_phones: Iterable[Any]) -> Any:
    """``data`` (a service's input) with the personal phones already stored kept when it gives
    a list of phones and ``access``'s user may not change them (a form or client that cannot
    see them never wipes them); ``data`` itself otherwise. ``current_phones``: the stored
    phones in the services' shape."""
    if access.can_edit(PERSONAL_PHONES) or not isinstance(data, Mapping) or "phones" not in data:
        return data
    kept = split_phones(current_phones)[1]
    if not kept:
        return data
    return {**data, "phones": [*(data.get("phones") or []), *kept]}


def present_changes(access: FieldAccess, changes: Any) -> Any:
    """A history entry's ``changes`` as ``access``'s user may see them (ADR 0034): hidden
    fields and sealed custom values masked, personal phones left out when hidden, sealed
    built-ins (notes) opened for a reader."""
    if not isinstance(changes, dict):
        return changes

    def side(name: str, value: Any) -> Any:
        if value in (None, "", [], {}):
            return value
        if name == "custom_fields" and isinstance(value, dict):
            return {
                key: MASK
                if not access.can_read(custom_name(key))
                else open_value(access.entity, key, item)
                for key, item in value.items()
            }
        if not access.can_read(name):
            return MASK
        value = open_builtin(access.entity, name, value)
        if name == "phones" and isinstance(value, list):
            return visible_phones(access, value)
        return value

    out: dict[str, Any] = {}
    for name, change in changes.items():
        if isinstance(change, dict) and set(change) <= {"before", "after"}:
            out[name] = {key: side(name, value) for key, value in change.items()}
        else:
            out[name] = change
    return out
