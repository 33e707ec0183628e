"""Writes on tags and the editable choice lists. Only administrators edit the lists; any member
may create a tag."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.taxonomy.models import Tag, color_validator


def tag_get_or_create(*, actor: User, name: str, color: str | None = None) -> Tag:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("A tag needs a name.")})
    if len(name) > 50:
        raise ValidationError({"name": _("A tag name has at most 50 characters.")})
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    if actor.is_read_only:
        raise PermissionDenied(_("Read-only users cannot create tags."))
    tag = Tag(name=name, color=color or "#6c757d")
    tag.full_clean()
    with transaction.atomic():
        tag.save()
    return tag


def tag_update(*, actor: User, tag: Tag, name: str | None = None, color: str | None = None) -> Tag:
    if actor.is_read_only:
        raise PermissionDenied(_("Read-only users cannot change tags."))
    if name is not None:
        name = " ".join(name.split())
        clash = Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).exists()
        if clash:
            raise ValidationError({"name": _("A tag with this name already exists.")})
        tag.name = name
    if color is not None:
        color_validator(color)
        tag.color = color
    tag.full_clean()
    tag.save()
    return tag


def tag_delete(*, actor: User, tag: Tag) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators can delete tags."))
    tag.delete()
