"""Shared steps of the import and export tests: store a file, run its job here, read rows."""

from __future__ import annotations

import io
from typing import Any

from rubrica.accounts.services import token_create
from rubrica.dataio.imports.services import import_start
from rubrica.dataio.imports.uploads import store_upload
from rubrica.dataio.models import ImportRow
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_run


def run_import(
    actor: Any, content: bytes | str, filename: str = "people.vcf", **options: Any
) -> Job:
    """Upload ``content`` as ``filename`` and run the import job to its end in this process."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    upload = store_upload(actor=actor, stream=io.BytesIO(content), filename=filename)
    job = import_start(actor=actor, upload=upload, options=options, enqueue=False)
    return job_run(job.pk)


def outcomes(job: Job) -> list[tuple[int, str]]:
    return list(ImportRow.objects.filter(job=job).order_by("line").values_list("line", "outcome"))


def card(uid: str, given: str, family: str, email: str = "", extra: str = "") -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"UID:{uid}",
        f"N:{family};{given};;;",
        f"FN:{given} {family}",
    ]
    if email:
        lines.append(f"EMAIL;TYPE=work:{email}")
    if extra:
        lines.append(extra)
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def start_import(
    actor: Any, content: bytes | str, filename: str = "people.vcf", **options: Any
) -> Job:
    """Upload and create the import job without running it."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    upload = store_upload(actor=actor, stream=io.BytesIO(content), filename=filename)
    return import_start(actor=actor, upload=upload, options=options, enqueue=False)


def bearer(user: Any) -> dict[str, str]:
    """Test-client headers authenticating as ``user`` with a new API token."""
    _token, raw = token_create(actor=user, user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
