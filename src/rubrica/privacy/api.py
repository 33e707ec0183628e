"""Privacy under /contacts/{id}/privacy (ADR 0035): the per-person export (the page's ZIP) and
the erasure (GET: what would go, the confirmation page's counts; POST with ``confirm: "erase"``:
erase for good). A person the caller may not see answers 404; the services decide the rest
(export: the right to change the person; erasure: the grant "erase" on people) and audit as the
pages do."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.kits.api.common import actor, problems
from rubrica.kits.api.schemas import StrictIn
from rubrica.privacy.erasure import contact_erase, count_labels, erasure_preview
from rubrica.privacy.export import export_filename, person_export

router = Router(tags=["privacy"])

ZIP_RESPONSE = {
    "responses": {
        200: {
            "description": "person.json, person.vcf and every version of their documents.",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class ErasureCount(Schema):
    key: str
    label: str
    count: int


class ErasureOut(Schema):
    person: int
    erased: bool = Field(description="False: a preview, nothing was changed.")
    counts: list[ErasureCount]


class ErasureIn(StrictIn):
    confirm: str = Field(
        "",
        max_length=20,
        description='Must be "erase": the erasure cannot be undone (else 422, nothing erased).',
    )


def _person(request: HttpRequest, contact_id: int) -> Contact:
    return get_object_or_404(
        Contact.all_objects.restrict(actor(request), Action.VIEW), pk=contact_id
    )


def _erasure_out(contact: Contact, counts: dict[str, int], *, erased: bool) -> dict[str, Any]:
    labels = count_labels()
    return {
        "person": contact.pk,
        "erased": erased,
        "counts": [{"key": k, "label": labels[k], "count": v} for k, v in counts.items()],
    }


@router.post(
    "/contacts/{int:contact_id}/privacy/export",
    response={200: None, **problems(403, 404)},
    openapi_extra=ZIP_RESPONSE,
)
def export_person(request: HttpRequest, contact_id: int) -> FileResponse:
    """Everything held about a person, as one ZIP (audited as ``privacy.export``). Needs the
    right to change the person."""
    contact = _person(request, contact_id)
    archive = person_export(actor=actor(request), contact=contact)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=export_filename(contact),
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/contacts/{int:contact_id}/privacy/erasure",
    response={200: ErasureOut, **problems(403, 404, 422)},
)
def erasure_counts(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """What erasing the person would remove; changes nothing. Refused like the erasure."""
    contact = _person(request, contact_id)
    counts = erasure_preview(actor=actor(request), contact=contact)
    return _erasure_out(contact, counts, erased=False)


@router.post(
    "/contacts/{int:contact_id}/privacy/erasure",
    response={200: ErasureOut, **problems(403, 404, 422)},
)
def erase_person(request: HttpRequest, contact_id: int, payload: ErasureIn) -> dict[str, Any]:
    """Erase the person for good (audited as ``privacy.erase`` with the counts, no value)."""
    contact = _person(request, contact_id)
    user = actor(request)
    erasure_preview(actor=user, contact=contact)  # refused (403) before the body is judged
    if payload.confirm != "erase":
        raise ValidationError(
            {"confirm": _('Send "erase" to confirm that the erasure cannot be undone.')}
        )
    counts = contact_erase(actor=user, contact=contact)
    return _erasure_out(contact, counts, erased=True)
