"""Send e-mail from Rubrica: one message per person, rendered from a template in the sandbox
(``mail.templating``), queued, sent by the worker through Django's e-mail backend and retried
with a growing delay; once sent, the message is captured like any other, which logs it on the
person's timeline (and keeps it in its thread, and refuses it later from an IMAP Sent folder).
Addresses a delivery report marked as bouncing are not sent to."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.accounts.selectors import team_settings
from rubrica.activities.services import ensure_may_log
from rubrica.contacts.models import ConsentPurpose, ConsentState, Contact, PurposeConsent
from rubrica.contacts.selectors import email_consent_refusal, purpose_consent_refusal
from rubrica.core.models import Action
from rubrica.documents.models import Document
from rubrica.documents.storage import documents_storage
from rubrica.jobs.models import Job, JobStatus
from rubrica.jobs.running import Progress
from rubrica.mail.capture import mail_capture
from rubrica.mail.models import BouncedAddress, MailTemplate, OutgoingMail, OutStatus
from rubrica.mail.templating import contact_fields, render

logger = logging.getLogger(__name__)

SEND_KIND = "mail_send"
MAX_ATTEMPTS = 5
MAX_RECIPIENTS = 500
#: Minutes before retry n (1, 2, 4, 8...).
RETRY_BASE_MINUTES = 1
#: Seconds an SMTP exchange may take when EMAIL_TIMEOUT is not set.
SMTP_TIMEOUT = 30


def _sender(actor: User) -> dict[str, str]:
    return {"name": actor.get_full_name() or actor.username, "email": actor.email or ""}


def _from_header(actor: User) -> str:
    address = actor.email or settings.DEFAULT_FROM_EMAIL
    name = actor.get_full_name()
    return f'"{name}" <{address}>' if name else address


@dataclass
class Recipients:
    """Who of a list of people may be written to now, and who is skipped and why."""

    sendable: list[Contact] = field(default_factory=list)
    skipped: list[tuple[Contact, str]] = field(default_factory=list)


def recipients_check(
    actor: User, contacts: Iterable[Contact], *, purpose: ConsentPurpose | None = None
) -> Recipients:
    """Split ``contacts`` (people ``actor`` may see) into those an e-mail may go to and those
    skipped, with the reason: no address, an address that bounces, opted out, or not opted in
    when the team requires it (ADR 0032); with a ``purpose``, their answer for it decides the
    consent part (``purpose_consent_refusal``, ADR 0035) — the rules ``mail_send`` refuses by."""
    people = list(contacts)
    require_consent = team_settings().require_email_consent
    bounced = set(
        BouncedAddress.objects.filter(
            address__in=[c.primary_email.lower() for c in people if c.primary_email]
        ).values_list("address", flat=True)
    )
    answers = _purpose_answers(purpose, [c.pk for c in people]) if purpose is not None else {}
    found = Recipients()
    for contact in people:
        reason = ""
        if not contact.primary_email:
            reason = _("%(name)s has no e-mail address.") % {"name": contact.display_name}
        elif contact.primary_email.lower() in bounced:
            reason = _("Mail to %(address)s bounces.") % {"address": contact.primary_email}
        elif purpose is not None:
            refusal = purpose_consent_refusal(
                contact.email_consent, answers.get(contact.pk), purpose_name=purpose.name
            )
            if refusal:
                reason = _("%(name)s: %(reason)s") % {
                    "name": contact.display_name,
                    "reason": refusal,
                }
        elif contact.email_consent == ConsentState.WITHDRAWN:
            reason = _("%(name)s opted out of e-mail.") % {"name": contact.display_name}
        elif require_consent and contact.email_consent != ConsentState.GRANTED:
            reason = _("%(name)s has not opted in to e-mail, which the team requires.") % {
                "name": contact.display_name
            }
        if reason:
            found.skipped.append((contact, reason))
        else:
            found.sendable.append(contact)
    return found


def mail_send(
    *,
    actor: User,
    contact_ids: Iterable[int],
    subject: str = "",
    body: str = "",
    template: MailTemplate | None = None,
    document_ids: Iterable[int] = (),
    enqueue: bool = True,
    purpose: ConsentPurpose | None = None,
) -> list[OutgoingMail]:
    """Queue one e-mail to each person named (whom ``actor`` may see, with an address that does
    not bounce, who did not opt out of e-mail, and who opted in when the team requires it:
    ADR 0032), from ``template`` or from ``subject`` and ``body``. Nothing is queued when one
    of them cannot be written to (ValidationError names them). With a ``purpose`` (ADR 0035),
    their answer for it is asked too (``purpose_consent_refusal``)."""
    ensure_may_log(actor)
    if template is not None:
        if not MailTemplate.objects.restrict(actor, Action.VIEW).filter(pk=template.pk).exists():
            raise ValidationError({"template": _("There is no such template.")})
        subject, body = template.subject, template.body
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    errors: dict[str, str] = {}
    if not ids:
        errors["people"] = _("Name at least one person.")
    if len(ids) > MAX_RECIPIENTS:
        errors["people"] = _("At most %(n)d entries.") % {"n": MAX_RECIPIENTS}
    if not subject.strip():
        errors["subject"] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    people = {c.pk: c for c in Contact.objects.restrict(actor, Action.VIEW).filter(pk__in=ids)}
    refused = {
        c.pk: reason
        for c, reason in recipients_check(actor, people.values(), purpose=purpose).skipped
    }
    for index, pk in enumerate(ids):
        if pk not in people:
            errors[f"people.{index}"] = _("There is no such person.")
        elif pk in refused:
            errors[f"people.{index}"] = refused[pk]
    if errors:
        raise ValidationError(errors)
    documents = list(
        Document.objects.restrict(actor, Action.VIEW).filter(pk__in=list(document_ids))
    )
    if len(documents) != len(set(document_ids)):
        raise ValidationError({"documents": _("There is no such document.")})
    sender = _sender(actor)
    now = timezone.now()
    queued: list[OutgoingMail] = []
    with transaction.atomic():
        for pk in ids:
            contact = people[pk]
            fields = contact_fields(contact)
            queued.append(
                OutgoingMail.objects.create(
                    owner=actor,
                    contact=contact,
                    address=contact.primary_email,
                    subject=" ".join(
                        render(subject, contact=fields, sender=sender, field="subject").split()
                    )[:500],
                    body=render(body, contact=fields, sender=sender, field="body"),
                    document_ids=[d.pk for d in documents if d.contact_id == contact.pk],
                    message_id=make_msgid(domain=_domain(actor)),
                    next_attempt_at=now,
                    purpose=purpose,
                )
            )
        if enqueue:
            _send_job(actor, [o.pk for o in queued])
    return queued


def _domain(actor: User) -> str:
    address = actor.email or settings.DEFAULT_FROM_EMAIL
    return address.rpartition("@")[2] or "rubrica.invalid"


def _send_job(actor: User, ids: list[int]) -> Job:
    from rubrica.jobs.services import job_create

    return job_create(
        actor=actor,
        kind=SEND_KIND,
        title=_("Send e-mail"),
        params={"outgoing": ids},
    )


def _attach(message: EmailMessage, outgoing: OutgoingMail) -> None:
    for document in Document.all_objects.filter(pk__in=outgoing.document_ids).select_related(
        "current"
    ):
        version = document.current
        if version is None:
            continue
        with documents_storage().open(version.stored_name, "rb") as handle:
            message.attach(version.original_name, handle.read(), version.content_type)


def _connection() -> Any:
    """Django's e-mail backend; a server that accepts the connection and never answers must not
    hold the worker for ever (EMAIL_TIMEOUT, else ``SMTP_TIMEOUT``)."""
    return get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT)


def purpose_by_key(key: str | None) -> ConsentPurpose | None:
    """The purpose a door names by its key (empty: e-mail in general); ValidationError keyed
    ``purpose`` when there is none such."""
    if not key:
        return None
    found = ConsentPurpose.objects.filter(key=key).first()
    if found is None:
        raise ValidationError({"purpose": _("There is no such purpose.")})
    return found


def _purpose_answers(purpose: ConsentPurpose | None, ids: list[int]) -> dict[int, str]:
    """The people's answers for ``purpose`` on e-mail, by person id (none: not asked)."""
    if purpose is None:
        return {}
    return dict(
        PurposeConsent.objects.filter(
            purpose=purpose, channel="email", contact_id__in=ids
        ).values_list("contact_id", "state")
    )


def consent_refusal(outgoing: OutgoingMail) -> str:
    """Why ``outgoing`` may no longer go (its person opted out after it was queued, of e-mail or
    of its purpose, or the team now requires an opt-in they never gave), or "" when it may."""
    state = (
        Contact.all_objects.filter(pk=outgoing.contact_id)
        .values_list("email_consent", flat=True)
        .first()
    )
    purpose = outgoing.purpose
    if purpose is not None:
        answer = _purpose_answers(purpose, [outgoing.contact_id]).get(outgoing.contact_id)
        return purpose_consent_refusal(state, answer, purpose_name=purpose.name)
    return email_consent_refusal(state)


def deliver(outgoing: OutgoingMail, *, connection: Any = None) -> bool:
    """Try to send ``outgoing`` once. On success it is captured (the timeline entry of the
    person); on failure the next attempt is set (1, 2, 4... minutes) until ``MAX_ATTEMPTS``."""
    owner = outgoing.owner
    refusal = consent_refusal(outgoing)
    if refusal:
        OutgoingMail.objects.filter(pk=outgoing.pk).update(
            status=OutStatus.FAILED, last_error=refusal
        )
        return False
    message = EmailMessage(
        subject=outgoing.subject,
        body=outgoing.body,
        from_email=_from_header(owner),
        to=[outgoing.address],
        headers={"Message-ID": outgoing.message_id},
        connection=connection or _connection(),
    )
    _attach(message, outgoing)
    now = timezone.now()
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # any transport error: kept on the row, retried later
        attempts = outgoing.attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        OutgoingMail.objects.filter(pk=outgoing.pk).update(
            attempts=attempts,
            last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
            status=OutStatus.FAILED if failed else OutStatus.QUEUED,
            next_attempt_at=now + dt.timedelta(minutes=RETRY_BASE_MINUTES * 2 ** (attempts - 1)),
        )
        return False
    with transaction.atomic():
        captured = mail_capture(actor=owner, raw=message.message().as_bytes(), sent=True)
        OutgoingMail.objects.filter(pk=outgoing.pk).update(
            attempts=outgoing.attempts + 1,
            status=OutStatus.SENT,
            sent_at=now,
            last_error="",
            captured=captured.message,
        )
    return True


def send_due(ids: list[int] | None = None, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the queued mail that is due (of ``ids`` when given) through one connection."""
    now = now or timezone.now()
    due = OutgoingMail.objects.filter(status=OutStatus.QUEUED, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    counts = {"sent": 0, "failed": 0}
    rows = list(due.select_related("owner").order_by("next_attempt_at", "id")[:MAX_RECIPIENTS])
    if not rows:
        return counts
    connection = _connection()
    try:
        connection.open()
    except Exception:  # the server is down: each row records it and is retried
        connection = None
    for outgoing in rows:
        counts["sent" if deliver(outgoing, connection=connection) else "failed"] += 1
    if connection is not None:
        try:
            connection.close()
        except Exception:  # closing a broken connection
            logger.debug("closing the SMTP connection failed", exc_info=True)
    return counts


def run_send(job: Job, progress: Progress) -> dict[str, Any]:
    ids = [int(i) for i in job.params.get("outgoing", [])]
    progress.set_total(len(ids))
    result = send_due(ids)
    progress.set_done(len(ids))
    return result


def outbox_tick(now: dt.datetime) -> int:
    """The worker's tick: queue one sending job for the mail due again, unless one is queued or
    running. Returns 0 (no notification is sent)."""
    if Job.objects.filter(
        kind=SEND_KIND, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).exists():
        return 0
    due = OutgoingMail.objects.filter(
        status=OutStatus.QUEUED, next_attempt_at__lte=now, attempts__gt=0
    ).select_related("owner")
    first = due.first()
    if first is not None:
        ids = list(due.values_list("pk", flat=True)[:MAX_RECIPIENTS])
        _send_job(first.owner, ids)
    return 0
