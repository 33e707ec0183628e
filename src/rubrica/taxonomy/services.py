"""Writes on tags and the editable choice lists. Only administrators edit the lists; any member
may create a tag."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import PROTECT, Model, ProtectedError, Q, QuerySet
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.core import normalize
from rubrica.core.services import Precondition
from rubrica.taxonomy.hooks import tag_delete_hooks
from rubrica.taxonomy.models import (
    LifecycleStage,
    OrderedChoice,
    OrganizationKind,
    Tag,
    color_validator,
)
from rubrica.taxonomy.types import ChoiceInput

C = TypeVar("C", bound=OrderedChoice)
M = TypeVar("M", bound=Model)
MAX_POSITION = 32767


#: Letters whose folded form is ASCII letters ("ß".casefold() == "ss", the Latin ligatures), by
#: those letters: an ASCII name holding them may be another spelling of a name written so.
_FOLDED_TO_ASCII = {"ss": "ßẞ", "ff": "ﬀﬃﬄ", "fi": "ﬁﬃ", "fl": "ﬂﬄ", "st": "ﬅﬆ"}


def named(queryset: QuerySet[M], name: str) -> QuerySet[M]:
    """The rows of ``queryset`` whose ``name`` is ``name`` regardless of case, in any script.

    ``name__iexact`` folds only ASCII letters on SQLite (its ``UPPER``), so "ÉCOLE" and "école"
    would be two tags there: a name with other letters is compared folded in Python with every
    name of ``queryset`` (tags and choice lists are short, and imports remember the tags they
    looked up). An ASCII name is also compared with the names holding a letter that folds to
    it ("STRASSE" is "straße")."""
    if name.isascii():
        lower = name.lower()
        letters = "".join(chars for pair, chars in _FOLDED_TO_ASCII.items() if pair in lower)
        if not letters:
            return queryset.filter(name__iexact=name)
        key = name.casefold()
        holding = queryset.filter(reduce(operator.or_, (Q(name__contains=c) for c in letters)))
        pks = [pk for pk, other in holding.values_list("pk", "name") if other.casefold() == key]
        return queryset.filter(Q(name__iexact=name) | Q(pk__in=pks))
    key = name.casefold()
    pks = [pk for pk, other in queryset.values_list("pk", "name") if other.casefold() == key]
    return queryset.filter(pk__in=pks)


def tag_get_or_create(*, actor: User, name: str, color: str | None = None) -> Tag:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("A tag needs a name.")})
    if len(name) > 50:
        raise ValidationError({"name": _("A tag name has at most 50 characters.")})
    existing = named(Tag.objects.order_by("pk"), name).first()
    if existing is not None:
        return existing
    if actor.is_read_only:
        raise PermissionDenied(_("Read-only users cannot create tags."))
    tag = Tag(name=name, color=color or "#6c757d")
    tag.full_clean()
    with transaction.atomic():
        tag.save()
        audit.record(actor, AuditAction.TAXONOMY_CREATE, tag, {"name": tag.name})
    return tag


def _lock_tag(tag: Tag, precondition: Precondition[Tag] | None) -> Tag:
    """The tag re-read under a write lock, after the door's ``precondition`` (tags have no
    version: the API compares the content tag sent in If-Match)."""
    current = Tag.objects.select_for_update().get(pk=tag.pk)
    if precondition is not None:
        precondition(current)
    return current


@transaction.atomic
def tag_update(
    *,
    actor: User,
    tag: Tag,
    name: str | None = None,
    color: str | None = None,
    precondition: Precondition[Tag] | None = None,
) -> Tag:
    """Rename or recolour the tag as it is now (re-read under a lock); ``precondition`` may
    refuse first. Returns the saved tag. Administrators only, like the tags page (ADR 0033):
    renaming a tag changes it on every record that carries it."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can rename or recolour tags."))
    current = _lock_tag(tag, precondition)
    if name is not None:
        name = " ".join(name.split())
        clash = named(Tag.objects.all(), name).exclude(pk=current.pk).exists()
        if clash:
            raise ValidationError({"name": _("A tag with this name already exists.")})
        current.name = name
    if color is not None:
        color_validator(color)
        current.color = color
    current.full_clean()
    current.save()
    audit.record(
        actor, AuditAction.TAXONOMY_UPDATE, current, {"name": current.name, "color": current.color}
    )
    return current


@transaction.atomic
def tag_delete(*, actor: User, tag: Tag, precondition: Precondition[Tag] | None = None) -> None:
    """Delete the tag everywhere it is used (administrators); ``precondition`` may refuse
    first, on the row locked for the delete."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can delete tags."))
    current = _lock_tag(tag, precondition)
    for hook in tag_delete_hooks:
        hook.run(current)
    audit.record(actor, AuditAction.TAXONOMY_DELETE, current, {"name": current.name})
    current.delete()


def _choice_save(model: type[C], *, actor: User, instance: C | None, data: ChoiceInput) -> C:
    """Create or change one entry of an ordered list (name and/or position). Names are unique
    regardless of case; a new entry without a position goes last."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can edit this list."))
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if "name" in data or instance is None:
        try:
            name = normalize.single_line(data.get("name") or "", max_length=50)
        except ValueError as exc:
            errors["name"] = str(exc)
        else:
            clash = named(model._default_manager.all(), name)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if not name:
                errors["name"] = _("Enter a name.")
            elif clash.exists():
                errors["name"] = _("This name is already in the list.")
            values["name"] = name
    raw_position = data.get("position")
    if raw_position is not None and raw_position != "":
        try:
            position = int(raw_position)
        except (TypeError, ValueError):
            errors["position"] = _("Enter a whole number.")
        else:
            if not 0 <= position <= MAX_POSITION:
                errors["position"] = _("Enter a number between 0 and %(max)d.") % {
                    "max": MAX_POSITION
                }
            values["position"] = position
    elif instance is None:
        last = (
            model._default_manager.order_by("-position").values_list("position", flat=True).first()
        )
        values["position"] = 0 if last is None else min(last + 1, MAX_POSITION)
    if errors:
        raise ValidationError(errors)
    target = instance if instance is not None else model()
    for field, value in values.items():
        setattr(target, field, value)
    with transaction.atomic():
        target.save()
        audit.record(
            actor,
            AuditAction.TAXONOMY_CREATE if instance is None else AuditAction.TAXONOMY_UPDATE,
            target,
            values,
        )
    return target


def _choice_move(model: type[C], *, actor: User, instance: C, offset: int) -> C:
    """Swap an entry with its neighbour; positions are renumbered 0..n-1 on the way."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can edit this list."))
    with transaction.atomic():
        entries = list(
            model._default_manager.select_for_update().order_by("position", "name", "pk")
        )
        index = next(i for i, entry in enumerate(entries) if entry.pk == instance.pk)
        other = index + offset
        if 0 <= other < len(entries):
            entries[index], entries[other] = entries[other], entries[index]
        for position, entry in enumerate(entries):
            if entry.position != position:
                entry.position = position
                entry.save(update_fields=["position"])
        audit.record(actor, AuditAction.TAXONOMY_UPDATE, instance, {"move": offset})
    instance.position = next(entry.position for entry in entries if entry.pk == instance.pk)
    return instance


def _in_use(instance: OrderedChoice) -> bool:
    """Whether any record (the Trash included) points at ``instance`` through a PROTECT key.

    Checked with EXISTS first: Django's ProtectedError loads every referencing row, which is
    unaffordable with a million people at one stage. The ProtectedError is still caught for the
    race where a record takes the entry between the check and the delete.
    """
    for relation in instance._meta.related_objects:
        if relation.on_delete is PROTECT:
            related = relation.related_model
            assert not isinstance(related, str)  # resolved once the app registry is ready
            if related._base_manager.filter(**{relation.field.name: instance}).exists():
                return True
    return False


def _choice_delete(instance: OrderedChoice, *, actor: User, in_use: str) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can edit this list."))
    message = in_use % {"name": instance.name}
    if _in_use(instance):
        raise ValidationError(message)
    try:
        with transaction.atomic():
            audit.record(actor, AuditAction.TAXONOMY_DELETE, instance, {"name": instance.name})
            instance.delete()
    except ProtectedError:
        raise ValidationError(message) from None


def stage_save(
    *, actor: User, stage: LifecycleStage | None = None, data: ChoiceInput
) -> LifecycleStage:
    return _choice_save(LifecycleStage, actor=actor, instance=stage, data=data)


def stage_move(*, actor: User, stage: LifecycleStage, offset: int) -> LifecycleStage:
    return _choice_move(LifecycleStage, actor=actor, instance=stage, offset=offset)


def stage_delete(*, actor: User, stage: LifecycleStage) -> None:
    """Refused while people (also in the Trash) are at this stage: move them first."""
    _choice_delete(
        stage,
        actor=actor,
        in_use=_(
            "The stage %(name)s cannot be deleted: some people (perhaps in the Trash) are at "
            "this stage. Move them to another stage first."
        ),
    )


def kind_save(
    *, actor: User, kind: OrganizationKind | None = None, data: ChoiceInput
) -> OrganizationKind:
    return _choice_save(OrganizationKind, actor=actor, instance=kind, data=data)


def kind_move(*, actor: User, kind: OrganizationKind, offset: int) -> OrganizationKind:
    return _choice_move(OrganizationKind, actor=actor, instance=kind, offset=offset)


def kind_delete(*, actor: User, kind: OrganizationKind) -> None:
    """Refused while organizations (also in the Trash) are of this kind."""
    _choice_delete(
        kind,
        actor=actor,
        in_use=_(
            "The kind %(name)s cannot be deleted: some organizations (perhaps in the Trash) are "
            "of this kind. Change their kind first."
        ),
    )


# The ordered-list writes for apps above that keep an ordered list of their own (the activities'
# call outcomes): the same administrators-only rule, name checks and renumbering.
choice_save = _choice_save
choice_move = _choice_move
choice_delete = _choice_delete
