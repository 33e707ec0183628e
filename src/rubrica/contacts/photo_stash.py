"""A photo chosen on the person form, kept across the duplicate warning.

Browsers never refill a file input, so when the form comes back with "This person may already be
here" the chosen photo would be lost. ``photo_stash`` validates it like ``contact_set_photo`` would
and keeps it under ``RUBRICA_PRIVATE_ROOT/pending-photos/<user id>/<token>`` (outside MEDIA_ROOT:
never served); the form carries only the token. "Save anyway" then loads it back with
``photo_stashed``, and ``photo_stash_discard`` removes it once the person is saved.

Invariants: a token is exactly 32 lower-case hex characters (anything else, e.g. a path, is
ignored); a user only ever reads or deletes files in their own folder; stashes older than
``MAX_AGE`` are removed whenever that user stashes a new one.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile

from rubrica.accounts.models import User
from rubrica.contacts.services import MAX_PHOTO_BYTES, _check_image

FOLDER = "pending-photos"
MAX_AGE = dt.timedelta(days=1)
TOKEN = re.compile(r"[0-9a-f]{32}")


def _folder(actor: User) -> Path:
    return Path(settings.RUBRICA_PRIVATE_ROOT) / FOLDER / str(int(actor.pk))


def _path(actor: User, token: str | None) -> Path | None:
    """The stash file of ``token`` in the actor's own folder; None for anything not a token."""
    if not actor.is_authenticated or not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    return _folder(actor) / token


def _prune(folder: Path) -> int:
    """Remove the stashes in ``folder`` older than MAX_AGE; how many went."""
    cutoff = time.time() - MAX_AGE.total_seconds()
    removed = 0
    for entry in folder.iterdir():
        try:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                entry.unlink(missing_ok=True)
                removed += 1
        except OSError:
            continue
    return removed


def photo_stash(*, actor: User, photo: Any) -> str:
    """Keep ``photo`` for the actor's next submit and return its token. Raises the same
    ValidationError ({"photo": ...}) as ``contact_set_photo`` for a file that is no image."""
    _check_image(photo)
    folder = _folder(actor)
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder)
    token = uuid.uuid4().hex
    target = folder / token
    try:
        with open(target, "wb") as out:
            if hasattr(photo, "chunks"):
                for chunk in photo.chunks():
                    out.write(chunk)
            else:
                out.write(photo.read())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if hasattr(photo, "seek"):
        photo.seek(0)
    return token


def photo_stashed(*, actor: User, token: str | None) -> ContentFile[bytes] | None:
    """The actor's stashed photo as a file to hand to ``contact_set_photo`` (which checks it
    again), or None when the token is not one of theirs or the stash is gone."""
    path = _path(actor, token)
    if path is None or not path.is_file() or path.stat().st_size > MAX_PHOTO_BYTES:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return ContentFile(data, name="photo")


def photo_stash_exists(*, actor: User, token: str | None) -> bool:
    path = _path(actor, token)
    return path is not None and path.is_file()


def photo_stash_discard(*, actor: User, token: str | None) -> None:
    """Remove the actor's stash of ``token`` (nothing happens for anything else)."""
    path = _path(actor, token)
    if path is not None:
        path.unlink(missing_ok=True)


def photo_stash_prune_all() -> int:
    """Remove every user's stashes older than ``MAX_AGE`` (a person who never stashes again
    would otherwise keep theirs). Returns how many files went."""
    root = Path(settings.RUBRICA_PRIVATE_ROOT) / FOLDER
    if not root.is_dir():
        return 0
    return sum(_prune(folder) for folder in root.iterdir() if folder.is_dir())


def photo_stash_sweep(*, older_than: dt.timedelta) -> int:
    """The stash's file sweeper for ``jobs.services.files_purge`` (registered in
    ``contacts.apps``): ``photo_stash_prune_all``. A stash is kept ``MAX_AGE`` whatever
    ``older_than`` the purge was given, since a form waiting on a duplicate warning needs it
    for a day at most."""
    return photo_stash_prune_all()
