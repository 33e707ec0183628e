"""Sharing and unsharing a record: the one write path of ``RecordShare``.

Each change is checked (``selectors.can_share``), written in one transaction with its audit
entry (``share.add``/``share.remove``) and a history entry on the record ("Shared with", before
and after); the record's version does not move, since its own fields did not change, so an edit
in progress is not refused because someone shared the record meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import Team, User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.core.ids import parse_id
from rubrica.history.models import HistoryAction
from rubrica.history.services import history_record
from rubrica.sharing import selectors
from rubrica.sharing.models import RecordShare, ShareLevel
from rubrica.sharing.registry import kind_of_model
from rubrica.sharing.types import ShareInput


def _describe(share: RecordShare) -> str:
    """How a share reads in the record's history (stored as is, so in no one language)."""
    if share.user is not None:
        return f"{share.user.get_username()} ({share.level})"
    return f"{share.team} [team] ({share.level})"


def _grants(record: models.Model) -> list[str]:
    return [_describe(share) for share in selectors.shares_of(record)]


def _lock(record: models.Model) -> Any:
    """The record's row, locked: two changes of one record's shares run one after the other."""
    model = type(record)
    if kind_of_model(model) is None:
        raise ValidationError({"record": _("Records of this kind cannot be shared.")})
    return model._base_manager.select_for_update().get(pk=record.pk)


def _check(actor: User, record: models.Model) -> None:
    if not selectors.can_share(actor, record):
        raise PermissionDenied(_("You may not share this record."))


def _history(actor: User, record: Any, before: list[str]) -> None:
    after = _grants(record)
    history_record(
        actor=actor,
        instance=record,
        action=HistoryAction.UPDATE,
        changes={"shared_with": {"before": before, "after": after}},
        version=getattr(record, "version", 1),
    )


def _clean(data: ShareInput, record: Any) -> tuple[User | None, Team | None, str]:
    errors: dict[str, str] = {}
    level = data.get("level") or ShareLevel.READ
    if level not in ShareLevel.values:
        errors["level"] = _("Choose “read” or “write”.")
    raw_user, raw_team = data.get("user"), data.get("team")
    if (raw_user is None) == (raw_team is None):
        errors["user"] = _("Choose one user or one team to share with.")
        raise ValidationError(errors)
    user = team = None
    if raw_user is not None:
        user_id = parse_id(raw_user)
        user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
        if user is None:
            errors["user"] = _("There is no active user with this id.")
        elif user.pk == getattr(record, "owner_id", None):
            errors["user"] = _("The owner already has this record.")
    else:
        team_id = parse_id(raw_team)
        team = Team.objects.filter(pk=team_id).first() if team_id else None
        if team is None:
            errors["team"] = _("There is no team with this id.")
    if errors:
        raise ValidationError(errors)
    return user, team, level


def share_add(*, actor: User, record: models.Model, data: ShareInput) -> RecordShare:
    """Share ``record`` with one user or team at a level; sharing with the same grantee again
    changes the level (and changes nothing when it is the same)."""
    with transaction.atomic():
        current = _lock(record)
        _check(actor, current)
        user, team, level = _clean(data, current)
        content_type = ContentType.objects.get_for_model(type(current))
        grantee: dict[str, User | Team | None] = {"user": user} if user else {"team": team}
        share = (
            RecordShare.objects.select_for_update()
            .filter(content_type=content_type, object_id=current.pk, **grantee)
            .first()
        )
        if share is not None and share.level == level:
            return share
        before = _grants(current)
        previous = share.level if share is not None else None
        if share is None:
            share = RecordShare.objects.create(
                content_type=content_type,
                object_id=current.pk,
                user=user,
                team=team,
                level=level,
                shared_by=actor,
                shared_at=timezone.now(),
            )
        else:
            share.level, share.shared_by, share.shared_at = level, actor, timezone.now()
            share.save(update_fields=["level", "shared_by", "shared_at"])
        details: dict[str, Any] = {
            "grantee_type": "user" if user is not None else "team",
            "grantee_id": share.user_id if user is not None else share.team_id,
            "grantee": share.grantee_name,
            "level": level,
        }
        if previous is not None:
            details["previous_level"] = previous
        audit.record(actor, AuditAction.SHARE_ADD, current, details)
        _history(actor, current, before)
        return share


def share_remove(*, actor: User, record: models.Model, share_id: int) -> None:
    """Remove one share of ``record`` (a share of another record is not found: LookupError)."""
    with transaction.atomic():
        current = _lock(record)
        _check(actor, current)
        share = (
            selectors.shares_of(current).select_for_update(of=("self",)).filter(pk=share_id).first()
        )
        if share is None:
            raise LookupError(share_id)
        before = _grants(current)
        details = {
            "grantee_type": "user" if share.user_id is not None else "team",
            "grantee_id": share.user_id if share.user_id is not None else share.team_id,
            "grantee": share.grantee_name,
            "level": share.level,
        }
        share.delete()
        audit.record(actor, AuditAction.SHARE_REMOVE, current, details)
        _history(actor, current, before)


def shares_forget(model: type[models.Model], ids: Iterable[int]) -> int:
    """Delete the shares of records of ``model`` that are being purged (call inside the purge's
    transaction); returns how many went."""
    content_type = ContentType.objects.get_for_model(model)
    deleted, _rows = RecordShare.objects.filter(
        content_type=content_type, object_id__in=list(ids)
    ).delete()
    return deleted


def shares_carry(model: type[models.Model], from_id: int, to_id: int) -> dict[str, list[int]]:
    """When record ``from_id`` is folded into ``to_id`` (a merge of two people): its shares
    follow. A grantee ``to_id`` is not shared with yet gets the share itself (the row moves); one
    it is shared with already keeps that one share, raised to ``write`` when the share left
    behind was ``write`` (the stronger wins; no duplicate). Returns what was done, for
    ``shares_carry_back``: ``moved`` share ids, ``raised`` share ids. A system write of the
    merge, which checks and audits."""
    content_type = ContentType.objects.get_for_model(model)
    on_target = RecordShare.objects.filter(content_type=content_type, object_id=to_id)
    held = {(s.user_id, s.team_id): s for s in on_target}
    moved: list[int] = []
    raised: list[int] = []
    for share in RecordShare.objects.filter(content_type=content_type, object_id=from_id).order_by(
        "id"
    ):
        existing = held.get((share.user_id, share.team_id))
        if existing is None:
            RecordShare.objects.filter(pk=share.pk).update(object_id=to_id)
            moved.append(share.pk)
        elif share.level == ShareLevel.WRITE and existing.level != ShareLevel.WRITE:
            RecordShare.objects.filter(pk=existing.pk).update(level=ShareLevel.WRITE)
            raised.append(existing.pk)
    return {"moved": moved, "raised": raised}


def shares_carry_back(
    model: type[models.Model], carried: dict[str, list[int]], from_id: int, to_id: int
) -> None:
    """Undo ``shares_carry``: the moved shares go back to ``from_id`` and the raised ones back
    to ``read``, as long as they are still as the carry left them (a share removed or changed
    since stays as it is now)."""
    content_type = ContentType.objects.get_for_model(model)
    shares = RecordShare.objects.filter(content_type=content_type)
    for pk in carried.get("moved", []):
        shares.filter(pk=pk, object_id=to_id).update(object_id=from_id)
    for pk in carried.get("raised", []):
        shares.filter(pk=pk, object_id=to_id, level=ShareLevel.WRITE).update(level=ShareLevel.READ)
