"""Where the bytes of documents live: the ``documents`` entry of ``settings.STORAGES``.

Read at every call (not at import), so an operator's configuration and the tests' temporary
directories both apply. Names are generated here and nowhere else: two hex levels and a random
UUID, no extension, nothing the user sent.
"""

from __future__ import annotations

import uuid

from django.core.files.storage import Storage, storages


def documents_storage() -> Storage:
    return storages["documents"]


def new_stored_name() -> str:
    token = uuid.uuid4().hex
    return f"{token[:2]}/{token}"
