"""Where the output files of jobs (exports) are kept: under ``RUBRICA_PRIVATE_ROOT/jobs``, not
under ``MEDIA_ROOT``, so nothing serves them but the permission-checked download views; each in a
folder named by 144 random bits (unguessable even by someone who knows when it was made), the
file 0600 and its folders 0700."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateJobStorage(FileSystemStorage):
    """A file system storage under ``RUBRICA_PRIVATE_ROOT/jobs``, read from the settings at each
    use (tests and deployments change it after the models are loaded)."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self) -> str:
        return os.path.join(settings.RUBRICA_PRIVATE_ROOT, "jobs")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def _save(self, name: str, content: Any) -> str:
        root = settings.RUBRICA_PRIVATE_ROOT
        if not os.path.isdir(root):
            os.makedirs(root, mode=0o700, exist_ok=True)
            os.chmod(root, 0o700)
        saved: str = super()._save(name, content)  # type: ignore[misc]
        return saved


_STORAGE = PrivateJobStorage()


def job_storage() -> PrivateJobStorage:
    """The storage of ``Job.output`` (a callable: migrations name it, not its location)."""
    return _STORAGE


def job_output_path(instance: Any, filename: str) -> str:
    """``<144 random bits>/<filename>``: the download keeps the readable file name."""
    return f"{secrets.token_urlsafe(18)}/{filename}"
