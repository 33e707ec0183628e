"""/mail: captured messages (read as the owner's preference allows), raw message capture (the
forward-to-Rubrica door), .eml/.mbox imports, IMAP mailboxes, templates, sending, unknown senders
and the user's visibility preference; over ``mail.selectors`` and the services."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.schemas import StrictIn
from rubrica.mail import selectors, sending, services
from rubrica.mail.capture import level_of
from rubrica.mail.models import Mailbox, MailTemplate, OutgoingMail
from rubrica.mail.types import MailboxInput, MailTemplateInput

router = Router(tags=["mail"])

LevelName = Literal["metadata", "subject", "full"]


class MessageOut(Schema):
    """A captured message as the caller may see it: ``subject`` and ``body`` are empty when
    its owner shares less (``level``)."""

    id: int
    message_id: str
    thread: str
    owner: str
    direction: Literal["in", "out"]
    sender: str
    to: list[str]
    cc: list[str]
    sent_at: dt.datetime
    level: LevelName
    subject: str
    body: str
    attachments: list[str]
    activity: int | None


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None
    prev_cursor: str | None


class MessageQuery(ListParams):
    person: int | None = Field(None, description="Messages filed on this person.")
    thread: str | None = Field(None, max_length=255, description="Messages of this thread.")
    mine: bool = Field(False, description="Only the messages captured for you.")


class CaptureIn(StrictIn):
    raw: str = Field(..., description="The message (RFC 5322), base64-encoded.")


class CaptureOut(Schema):
    message: int | None
    duplicate: bool
    people: list[int]
    unknown: list[str]
    attachments_skipped: list[str]
    bounced: list[str]


class ImportIn(StrictIn):
    filename: str = Field(..., max_length=255, description="Ends in .eml or .mbox.")
    content: str = Field(..., description="The file, base64-encoded.")


class JobRef(Schema):
    job: int
    url: str


class MailboxIn(StrictIn):
    name: str | None = Field(None, max_length=100)
    host: str | None = Field(None, max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] | None = None
    username: str | None = Field(None, max_length=255)
    password: str | None = Field(None, description="Write-only; stored encrypted.")
    folders: list[str] | None = None
    fetch_since: dt.date | None = None
    active: bool | None = None
    poll_minutes: int | None = Field(None, ge=1, le=1440)
    use_idle: bool | None = None
    team: int | None = None


class MailboxOut(Schema):
    id: int
    owner: int
    team: int | None
    name: str
    host: str
    port: int
    security: str
    username: str
    folders: list[str]
    fetch_since: dt.date | None
    active: bool
    poll_minutes: int
    use_idle: bool
    last_fetch_at: dt.datetime | None
    last_error: str


class TemplateIn(StrictIn):
    name: str | None = Field(None, max_length=100)
    subject: str | None = Field(None, max_length=500)
    body: str | None = Field(None, max_length=100_000)


class TemplateOut(Schema):
    id: int
    name: str
    subject: str
    body: str


class SendIn(StrictIn):
    people: list[int] = Field(..., max_length=sending.MAX_RECIPIENTS)
    subject: str = Field("", max_length=500, description="Merge fields: {{ contact.given_name }}.")
    body: str = Field("", max_length=100_000)
    template: int | None = None
    documents: list[int] = Field(default_factory=list, description="Documents of the people.")
    purpose: str | None = Field(
        None,
        max_length=40,
        description="Key of the consent purpose written for (ADR 0035); none: e-mail in general.",
    )


class OutgoingOut(Schema):
    id: int
    person: int
    address: str
    subject: str
    status: Literal["queued", "sent", "failed"]
    attempts: int
    last_error: str
    message_id: str


class UnknownOut(Schema):
    address: str
    name: str
    messages: int


class CreateFromAddressIn(StrictIn):
    address: str = Field(..., max_length=254)
    name: str = Field("", max_length=255)


class CreatedOut(Schema):
    person: int
    filed: int


class PreferenceIn(StrictIn):
    level: LevelName


class PreferenceOut(Schema):
    level: LevelName


def _message_data(view: selectors.MessageView) -> dict[str, Any]:
    return {
        "id": view.pk,
        "message_id": view.message_id,
        "thread": view.thread_key,
        "owner": view.owner,
        "direction": view.direction,
        "sender": view.sender,
        "to": view.to,
        "cc": view.cc,
        "sent_at": view.sent_at,
        "level": view.level,
        "subject": view.subject,
        "body": view.body,
        "attachments": view.attachments,
        "activity": view.activity_id,
    }


def _decode(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({field: _("Enter base64-encoded data.")}) from None


# Messages ------------------------------------------------------------------------------------


@router.get("/messages", response={200: MessagePage, **problems(422)})
def list_messages(request: HttpRequest, params: Query[MessageQuery]) -> dict[str, Any]:
    user = actor(request)
    qs = selectors.messages_visible(user)
    if params.person is not None:
        qs = qs.filter(participants__contact_id=params.person).distinct()
    if params.thread:
        qs = qs.filter(thread_key=params.thread)
    if params.mine:
        qs = qs.filter(owner=user)
    page = keyset_page(qs, order=("-sent_at", "-id"), cursor=params.cursor, size=params.limit)
    ids = [m.pk for m in page.items]
    views = {
        v.pk: v
        for v in selectors.message_views(user, selectors.messages_visible(user).filter(pk__in=ids))
    }
    return page_data(page, [_message_data(views[pk]) for pk in ids if pk in views])


@router.get("/messages/{int:message_id}", response={200: MessageOut, **problems(404)})
def get_message(request: HttpRequest, message_id: int) -> dict[str, Any]:
    user = actor(request)
    message = selectors.message_visible(user, message_id)
    if message is None:
        raise Http404
    return _message_data(selectors.view_of(user, message))


@router.post("/messages", response={201: CaptureOut, 200: CaptureOut, **problems(403, 422)})
def capture_message(request: HttpRequest, payload: CaptureIn) -> Any:
    """Capture one message for you (what a forward-to-Rubrica relay posts); a Message-ID
    already captured answers 200 with ``duplicate`` and changes nothing."""
    result = services.capture_one(actor=actor(request), raw=_decode(payload.raw, "raw"))
    return Status(200 if result["duplicate"] else 201, result)


@router.post("/imports", response={202: JobRef, **problems(403, 422)})
def import_file(request: HttpRequest, payload: ImportIn) -> Any:
    data = _decode(payload.content, "content")
    job = services.import_start(
        actor=actor(request), upload=io.BytesIO(data), filename=payload.filename
    )
    return Status(202, {"job": job.pk, "url": f"/api/v1/jobs/{job.pk}"})


# Mailboxes -----------------------------------------------------------------------------------


def _mailbox_data(mailbox: Mailbox) -> dict[str, Any]:
    return {
        "id": mailbox.pk,
        "owner": mailbox.owner_id,
        "team": mailbox.team_id,
        "name": mailbox.name,
        "host": mailbox.host,
        "port": mailbox.port,
        "security": mailbox.security,
        "username": mailbox.username,
        "folders": list(mailbox.folders),
        "fetch_since": mailbox.fetch_since,
        "active": mailbox.active,
        "poll_minutes": mailbox.poll_minutes,
        "use_idle": mailbox.use_idle,
        "last_fetch_at": mailbox.last_fetch_at,
        "last_error": mailbox.last_error,
    }


def _mailbox(request: HttpRequest, mailbox_id: int) -> Mailbox:
    found = Mailbox.objects.restrict(actor(request), Action.VIEW).filter(pk=mailbox_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/mailboxes", response={200: list[MailboxOut]})
def list_mailboxes(request: HttpRequest) -> list[dict[str, Any]]:
    return [_mailbox_data(m) for m in Mailbox.objects.restrict(actor(request), Action.VIEW)]


def _mailbox_input(payload: MailboxIn) -> MailboxInput:
    # The schema's fields are the input's keys; the service cleans every value.
    return cast(MailboxInput, payload.model_dump(exclude_unset=True))


def _template_input(payload: TemplateIn) -> MailTemplateInput:
    return cast(MailTemplateInput, payload.model_dump(exclude_unset=True))


@router.post("/mailboxes", response={201: MailboxOut, **problems(403, 422)})
def create_mailbox(request: HttpRequest, payload: MailboxIn) -> Any:
    mailbox = services.mailbox_create(actor=actor(request), data=_mailbox_input(payload))
    return Status(201, _mailbox_data(mailbox))


@router.get("/mailboxes/{int:mailbox_id}", response={200: MailboxOut, **problems(404)})
def get_mailbox(request: HttpRequest, mailbox_id: int) -> dict[str, Any]:
    return _mailbox_data(_mailbox(request, mailbox_id))


@router.patch("/mailboxes/{int:mailbox_id}", response={200: MailboxOut, **problems(403, 404, 422)})
def update_mailbox(request: HttpRequest, mailbox_id: int, payload: MailboxIn) -> dict[str, Any]:
    mailbox = services.mailbox_update(
        actor=actor(request),
        mailbox=_mailbox(request, mailbox_id),
        data=_mailbox_input(payload),
    )
    return _mailbox_data(mailbox)


@router.delete("/mailboxes/{int:mailbox_id}", response={204: None, **problems(403, 404)})
def delete_mailbox(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    services.mailbox_delete(actor=actor(request), mailbox=_mailbox(request, mailbox_id))
    return HttpResponse(status=204)


@router.post("/mailboxes/{int:mailbox_id}/fetch", response={202: JobRef, **problems(403, 404)})
def fetch_mailbox(request: HttpRequest, mailbox_id: int) -> Any:
    job = services.mailbox_fetch_start(actor=actor(request), mailbox=_mailbox(request, mailbox_id))
    return Status(202, {"job": job.pk, "url": f"/api/v1/jobs/{job.pk}"})


# Templates and sending -----------------------------------------------------------------------


def _template(request: HttpRequest, template_id: int) -> MailTemplate:
    found = (
        MailTemplate.objects.restrict(actor(request), Action.VIEW).filter(pk=template_id).first()
    )
    if found is None:
        raise Http404
    return found


def _template_data(template: MailTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "name": template.name,
        "subject": template.subject,
        "body": template.body,
    }


@router.get("/templates", response={200: list[TemplateOut]})
def list_templates(request: HttpRequest) -> list[dict[str, Any]]:
    rows = MailTemplate.objects.restrict(actor(request), Action.VIEW)
    return [_template_data(t) for t in rows]


@router.post("/templates", response={201: TemplateOut, **problems(403, 422)})
def create_template(request: HttpRequest, payload: TemplateIn) -> Any:
    template = services.mail_template_create(actor=actor(request), data=_template_input(payload))
    return Status(201, _template_data(template))


@router.patch(
    "/templates/{int:template_id}", response={200: TemplateOut, **problems(403, 404, 422)}
)
def update_template(request: HttpRequest, template_id: int, payload: TemplateIn) -> dict[str, Any]:
    template = services.mail_template_update(
        actor=actor(request),
        template=_template(request, template_id),
        data=_template_input(payload),
    )
    return _template_data(template)


@router.delete("/templates/{int:template_id}", response={204: None, **problems(403, 404)})
def delete_template(request: HttpRequest, template_id: int) -> HttpResponse:
    services.mail_template_delete(actor=actor(request), template=_template(request, template_id))
    return HttpResponse(status=204)


def _outgoing_data(o: OutgoingMail) -> dict[str, Any]:
    return {
        "id": o.pk,
        "person": o.contact_id,
        "address": o.address,
        "subject": o.subject,
        "status": o.status,
        "attempts": o.attempts,
        "last_error": o.last_error,
        "message_id": o.message_id,
    }


class OutgoingPage(Schema):
    items: list[OutgoingOut]
    next_cursor: str | None
    prev_cursor: str | None


class OutgoingQuery(ListParams):
    status: Literal["queued", "sent", "failed"] | None = None


@router.get("/outgoing", response={200: OutgoingPage, **problems(422)})
def list_outgoing(request: HttpRequest, params: Query[OutgoingQuery]) -> dict[str, Any]:
    """The mail you sent or queued, newest first, with its delivery state."""
    qs = OutgoingMail.objects.restrict(actor(request), Action.VIEW)
    if params.status:
        qs = qs.filter(status=params.status)
    page = keyset_page(qs, order=("-id",), cursor=params.cursor, size=params.limit)
    return page_data(page, [_outgoing_data(o) for o in page.items])


@router.post("/send", response={202: list[OutgoingOut], **problems(403, 422)})
def send(request: HttpRequest, payload: SendIn) -> Any:
    """Queue one e-mail to each person; the worker sends them (and retries)."""
    user = actor(request)
    template = _template(request, payload.template) if payload.template is not None else None
    queued = sending.mail_send(
        actor=user,
        contact_ids=payload.people,
        subject=payload.subject,
        body=payload.body,
        template=template,
        document_ids=payload.documents,
        purpose=sending.purpose_by_key(payload.purpose),
    )
    return Status(202, [_outgoing_data(o) for o in queued])


# Unknown senders and the preference ----------------------------------------------------------


@router.get("/unknown-senders", response={200: list[UnknownOut]})
def unknown_senders(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"address": r["address"], "name": r["name"] or "", "messages": r["messages"]}
        for r in selectors.unknown_senders(actor(request))
    ]


@router.post("/unknown-senders", response={201: CreatedOut, **problems(403, 422)})
def create_from_address(request: HttpRequest, payload: CreateFromAddressIn) -> Any:
    """Create the person an unknown address belongs to; your messages naming it are filed."""
    contact, filed = services.contact_from_address(
        actor=actor(request), address=payload.address, name=payload.name
    )
    return Status(201, {"person": contact.pk, "filed": filed})


@router.get("/preference", response={200: PreferenceOut})
def get_preference(request: HttpRequest) -> dict[str, Any]:
    return {"level": level_of(actor(request))}


@router.put("/preference", response={200: PreferenceOut, **problems(422)})
def set_preference(request: HttpRequest, payload: PreferenceIn) -> dict[str, Any]:
    preference = services.mail_preference_set(actor=actor(request), level=payload.level)
    return {"level": preference.level}
