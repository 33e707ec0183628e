"""Capture: file one RFC 5322 message on the timelines of the people in it.

``mail_capture(actor=..., raw=...)`` parses the bytes with the standard library's ``email`` (policy
``default``), refuses a Message-ID already captured (``Captured.duplicate``), finds the people
whose addresses appear in From, To and Cc (colleagues, the users' own addresses, are left out and
noted as participants), keeps the message in its thread (References / In-Reply-To), writes one
e-mail activity on those people through ``activities.services`` (what the activity shows
follows the owner's preference, ``Level``), stores the attachments as documents on the first of
them, hands registered MIME parts to ``kits.inbound`` handlers, and marks the addresses a
delivery report (DSN, ``multipart/report``) says bounced. All of it in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rubrica.accounts.models import User
from rubrica.activities.models import Activity
from rubrica.activities.services import activity_create, activity_create_many, activity_update
from rubrica.activities.types import ActivityInput
from rubrica.contacts.models import Contact, ContactEmail
from rubrica.core.models import Action
from rubrica.kits.inbound import InboundContext, part_handlers
from rubrica.mail.models import (
    BouncedAddress,
    Direction,
    Level,
    MailAttachment,
    Mailbox,
    MailMessage,
    MailParticipant,
    MailPreference,
    Role,
)

logger = logging.getLogger(__name__)

#: The longest text kept of a message body (the activity's body takes 100,000 characters).
MAX_BODY = 90_000
MAX_ID = 255
_ID = re.compile(r"<[^<>\s]+>")


@dataclass
class Captured:
    """What capturing one message did."""

    message: MailMessage | None = None
    duplicate: bool = False
    contact_ids: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    attachments_skipped: list[str] = field(default_factory=list)
    bounced: list[str] = field(default_factory=list)
    #: Ids of the messages captured from the forwarded attachments of this one.
    forwarded: list[int] = field(default_factory=list)


class _Policy(policy.EmailPolicy):
    """``policy.default`` that parses each short header value once: a message reads its parts'
    ``Content-Type`` a dozen times while it is filed (body, attachments, forwarded messages,
    inbound handlers), each read parsed anew by the header registry, and most values repeat
    from message to message (``text/plain; charset=utf-8``). Parsed headers are immutable
    strings, so one object serves every message that has the same header."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name") or len(value) > _PARSED_LENGTH:
            return super().header_fetch_parse(name, value)
        key = (name, value)
        found = _PARSED.get(key)
        if found is None:
            found = super().header_fetch_parse(name, value)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = found
        return found


_PARSED: dict[tuple[str, str], Any] = {}
_PARSED_LENGTH = 256
_PARSED_MAX = 4096
_POLICY = _Policy()


def parse(raw: bytes, *, headers_only: bool = False) -> EmailMessage:
    message = BytesParser(policy=_POLICY).parsebytes(raw, headersonly=headers_only)
    assert isinstance(message, EmailMessage)
    return message


def _header(message: EmailMessage, name: str) -> str:
    """A header as text; a header the library cannot parse is read raw rather than refused."""
    try:
        value = message.get(name)
    except Exception:  # malformed header: policy.default raises on access
        value = message.get_all(name, failobj=[""])[0] if name in message else ""
    return " ".join(str(value or "").replace("\x00", "").split())


def _addresses(
    message: EmailMessage, name: str, spellings: set[str] | None = None
) -> list[tuple[str, str]]:
    """(display name, lower-cased address) of a header; groups and junk are dropped. The
    addresses as written are added to ``spellings``."""
    found = []
    for display, written in getaddresses([_header(message, name)]):
        written = written.strip().strip("<>")
        address = written.lower()
        if "@" in address and len(address) <= 254:
            found.append((display.strip()[:255], address))
            if spellings is not None:
                spellings.add(written)
    return found


def _one_id(text: str) -> str:
    match = _ID.search(text)
    return _fit(match.group(0) if match else text.strip())


def _fit(message_id: str) -> str:
    """A Message-ID that fits the column: a longer one is replaced by its digest."""
    if len(message_id) <= MAX_ID:
        return message_id
    return "<sha256." + hashlib.sha256(message_id.encode()).hexdigest() + "@rubrica.invalid>"


def message_id_of(message: EmailMessage, raw: bytes) -> str:
    found = _one_id(_header(message, "message-id"))
    if found:
        return found
    return "<sha256." + hashlib.sha256(raw).hexdigest() + "@rubrica.invalid>"


def _date(message: EmailMessage, fallback: dt.datetime | None) -> dt.datetime:
    text = _header(message, "date")
    when = None
    if text:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
    if when is None:
        return fallback or timezone.now()
    if timezone.is_naive(when):
        when = when.replace(tzinfo=dt.UTC)
    return when


def body_text(message: EmailMessage) -> str:
    """The plain text of a message (its HTML part stripped of tags when it has no text part)."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        text = part.get_content()
    except (KeyError, LookupError, ValueError, AssertionError):
        return ""
    if not isinstance(text, str):
        return ""
    if part.get_content_subtype() == "html":
        text = nh3.clean(text, tags=set(), strip_comments=True)
        text = re.sub(r"[ \t]+", " ", text)
        text = re.sub(r"\n\s*\n+", "\n\n", text)
    return text.replace("\x00", "").strip()[:MAX_BODY]


def _internal_addresses(addresses: set[str], batch: Batch | None = None) -> set[str]:
    if not addresses:
        return set()
    if batch is not None:
        return addresses & batch.colleagues().keys()
    return set(_active_users().filter(address__in=addresses).values_list("address", flat=True))


def _variants(addresses: set[str], spellings: Iterable[str]) -> set[str]:
    """The stored forms to ask for: each lower-cased address, and each spelling of one of them
    met in the message with its domain lower-cased."""
    variants = set(addresses)
    for written in spellings:
        local, _at, domain = written.rpartition("@")
        if written.lower() in addresses:
            variants.add(f"{local}@{domain.lower()}")
    return variants


def _stored(actor: User, variants: set[str]) -> list[tuple[str, int]]:
    """(stored address, person) of the people ``actor`` may see having one of ``variants``."""
    return list(
        ContactEmail.objects.filter(
            value__in=list(variants),
            contact__in=Contact.objects.restrict(actor, Action.VIEW),
        )
        .order_by("contact_id", "pk")
        .values_list("value", "contact_id")
    )


def people_by_address(
    actor: User,
    addresses: set[str],
    spellings: Iterable[str] = (),
    batch: Batch | None = None,
) -> dict[str, list[int]]:
    """The people ``actor`` may see, by the (lower-cased) addresses they have.

    Addresses are stored as typed with the domain lower-cased (``core.normalize``): the look-up
    asks for the lower-cased address and for each spelling met in the message with its domain
    lower-cased (index look-ups, never a scan), then compares without case. A stored address
    with capitals in its local part is found when a message writes it the same way. In a
    ``batch`` that looked its messages' addresses up at once (``Batch.expect``), the answer is
    taken from there."""
    if not addresses:
        return {}
    variants = _variants(addresses, spellings)
    known = batch.stored(actor, variants) if batch is not None else None
    rows = known if known is not None else _stored(actor, variants)
    found: dict[str, list[int]] = {}
    for value, contact_id in rows:
        ids = found.setdefault(value.lower(), [])
        if contact_id not in ids:
            ids.append(contact_id)
    return found


def level_of(user: User) -> str:
    preference = MailPreference.objects.filter(user=user).first()
    return preference.level if preference else Level.SUBJECT.value


def activity_text(record: MailMessage, level: str) -> tuple[str, str]:
    """The subject and body of the timeline entry of ``record``: as much as ``level`` shows
    colleagues, and a link to the message (whose page shows its owner all of it)."""
    participants = list(record.participants.all())
    lines = [f"**{pgettext('e-mail', 'From')}:** {record.sender}"]
    for role, label in ((Role.TO, pgettext("e-mail", "To")), (Role.CC, _("Cc"))):
        named = [p.address for p in participants if p.role == role]
        if named:
            lines.append(f"**{label}:** {', '.join(named)}")
    names = [a.filename for a in record.attachments.all()]
    if names and level in (Level.SUBJECT, Level.FULL):
        lines.append(f"**{_('Attachments')}:** {', '.join(names)}")
    subject = record.subject if level in (Level.SUBJECT, Level.FULL) else _("E-mail")
    body = "  \n".join(lines)
    if level == Level.FULL and record.body:
        body += "\n\n" + _quote(record.body)
    url = reverse("mail:message", args=[record.pk])
    body += f"\n\n[{_('Open the message')}]({url})"
    return subject[:300], body


def _quote(text: str) -> str:
    """The body as a Markdown block quote (kept verbatim, not read as Markdown)."""
    return "\n".join(
        "> " + line.replace("\\", "\\\\").replace("<", "&lt;")
        for line in text[:MAX_BODY].splitlines()
    )


def _thread_key(message_id: str, in_reply_to: str, references: list[str]) -> str:
    """The first message of the thread: the thread of a captured parent, else the first
    Reference, else the parent, else the message itself."""
    parents = [i for i in (in_reply_to, *reversed(references)) if i]
    if parents:
        known = (
            MailMessage.objects.filter(message_id__in=parents)
            .values_list("thread_key", flat=True)
            .first()
        )
        if known:
            return known
    if references:
        return references[0]
    return in_reply_to or message_id


def _bounced_recipients(message: EmailMessage) -> list[tuple[str, str]]:
    """(address, diagnostic) of each failed recipient of a delivery status report."""
    if message.get_content_type() != "multipart/report":
        return []
    if str(message.get_param("report-type", "")).lower() != "delivery-status":
        return []
    failed = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks:
            if isinstance(block, str):
                continue
            action = str(block.get("action", "")).strip().lower()
            recipient = str(block.get("final-recipient", "") or block.get("original-recipient", ""))
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            if action == "failed" and "@" in address:
                reason = " ".join(str(block.get("diagnostic-code", "")).split())
                failed.append((address, reason or str(block.get("status", ""))))
    return failed


def _mark_bounced(found: list[tuple[str, str]], when: dt.datetime) -> None:
    for address, reason in found:
        row = BouncedAddress.objects.select_for_update().filter(address=address).first()
        if row is None:
            BouncedAddress.objects.create(address=address, reason=reason[:2000], bounced_at=when)
        else:
            row.count += 1
            row.reason, row.bounced_at = reason[:2000], when
            row.save(update_fields=["count", "reason", "bounced_at"])


def _forwarded(message: EmailMessage) -> list[EmailMessage]:
    """The messages attached whole (``message/rfc822``: "forward as attachment")."""
    found = []
    for part in message.iter_attachments():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, EmailMessage):
                found.append(inner)
    return found


def _walk(part: Any, skip: set[int]) -> Iterator[EmailMessage]:
    """Every part, not descending into the forwarded messages captured on their own."""
    yield part
    if id(part) in skip or not part.is_multipart():
        return
    for sub in part.get_payload():
        yield from _walk(sub, skip)


def _attachments(message: EmailMessage, skip: set[int]) -> list[tuple[str, str, bytes]]:
    found = []
    for part in _walk(message, skip):
        if part.is_multipart() or part.get_content_disposition() != "attachment":
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        name = part.get_filename() or "attachment"
        found.append((name[:255], part.get_content_type()[:255], data))
    return found


def _store_attachments(
    actor: User, record: MailMessage, files: list[tuple[str, str, bytes]], contact: Contact | None
) -> list[str]:
    from rubrica.documents.services import document_create

    skipped = []
    for name, content_type, data in files:
        document = None
        if contact is not None:
            try:
                with transaction.atomic():
                    document = document_create(
                        actor=actor, record=contact, upload=ContentFile(data, name=name)
                    )
            except (ValidationError, PermissionDenied, OSError) as exc:
                # A type documents refuse, a person the actor may not change, a full disk: the
                # attachment is listed on the message, not stored.
                logger.info("attachment %s of %s not stored: %s", name, record.message_id, exc)
        if document is None:
            skipped.append(name)
        MailAttachment.objects.create(
            message=record,
            filename=name,
            content_type=content_type,
            size=len(data),
            document=document,
        )
    return skipped


@transaction.atomic
def mail_capture(
    *,
    actor: User,
    raw: bytes,
    mailbox: Mailbox | None = None,
    received_at: dt.datetime | None = None,
    sent: bool = False,
    batch: Batch | None = None,
) -> Captured:
    """File the message ``raw`` for ``actor`` (the user whose mail it is). A Message-ID already
    captured is refused (``duplicate``) and nothing is written. A message is outgoing when a
    colleague sent it, or with ``sent`` (what Rubrica itself sent, whatever its From)."""
    from rubrica.activities.services import ensure_may_log

    ensure_may_log(actor)
    message = parse(raw)
    message_id = message_id_of(message, raw)
    if MailMessage.objects.filter(message_id=message_id).exists():
        return Captured(duplicate=True)
    spellings: set[str] = set()
    senders = _addresses(message, "from", spellings)
    by_role: list[tuple[str, str, str]] = [(Role.FROM.value, n, a) for n, a in senders[:1]]
    for header in ("to", "cc"):
        by_role += [(header, n, a) for n, a in _addresses(message, header, spellings)]
    addresses = {a for _r, _n, a in by_role}
    internal = _internal_addresses(addresses, batch)
    if mailbox is not None and mailbox.username.lower() in addresses:
        internal.add(mailbox.username.lower())  # the mailbox's own address (a drop-box's)
    sender = senders[0][1] if senders else ""
    direction = Direction.OUT if sent or (sender and sender in internal) else Direction.IN
    colleague = _colleague(sender) if sender in internal else None
    if (
        mailbox is not None
        and mailbox.team_id is not None
        and colleague is not None
        and not colleague.is_read_only
        and colleague.teams.filter(pk=mailbox.team_id).exists()
    ):
        actor = colleague  # a team drop-box: what a colleague sent or BCC'd to it is their mail
    references = _ID.findall(_header(message, "references"))
    in_reply_to = _one_id(_header(message, "in-reply-to"))
    sent_at = _date(message, received_at)
    bounces = _bounced_recipients(message)
    try:
        with transaction.atomic():
            record = MailMessage.objects.create(
                message_id=message_id,
                thread_key=_fit(
                    _thread_key(message_id, in_reply_to, [_fit(r) for r in references])
                ),
                owner=actor,
                mailbox=mailbox,
                direction=direction,
                sender=sender,
                subject=_header(message, "subject")[:500],
                sent_at=sent_at,
                body=body_text(message),
                in_reply_to=in_reply_to,
                references=" ".join(references)[:10_000],
                is_bounce=bool(bounces),
            )
    except IntegrityError:  # captured meanwhile by another worker
        return Captured(duplicate=True)
    people = {} if bounces else people_by_address(actor, addresses - internal, spellings, batch)
    seen: set[tuple[str, str]] = set()
    rows = []
    contact_ids: list[int] = []
    for role, name, address in by_role:
        if (role, address) in seen:
            continue
        seen.add((role, address))
        ids = people.get(address, [])
        rows.append(
            MailParticipant(
                message=record,
                role=role,
                address=address,
                name=name,
                internal=address in internal,
                contact_id=ids[0] if ids else None,
            )
        )
        contact_ids += [i for i in ids if i not in contact_ids]
    MailParticipant.objects.bulk_create(rows)
    forwarded_ids: list[int] = []
    forwarded = []
    if colleague is not None and not colleague.is_read_only:
        forwarded = _forwarded(message)
    skip = {id(m) for m in forwarded}
    for inner in forwarded:
        assert colleague is not None
        # "Forward as attachment" from a colleague (to a drop-box or to their own mailbox): the
        # original message is their mail with the customer, captured on its own.
        done = mail_capture(
            actor=colleague,
            raw=inner.as_bytes(policy=policy.SMTP),
            mailbox=mailbox,
            batch=batch,
        )
        if done.message is not None:
            forwarded_ids.append(done.message.pk)
    files = _attachments(message, skip)
    first = Contact.objects.filter(pk=contact_ids[0]).first() if contact_ids and files else None
    skipped = _store_attachments(actor, record, files, first)
    if contact_ids and batch is None:
        _file(actor, record, contact_ids, internal)
    if bounces:
        _mark_bounced(bounces, sent_at)
    context = InboundContext(
        actor=actor,
        message_id=message_id,
        sender=sender,
        subject=record.subject,
        contact_ids=tuple(contact_ids),
        message=message,
    )
    for part in _walk(message, skip):
        for handler in part_handlers(part.get_content_type()):
            handler(part, context)
    if contact_ids and batch is not None:
        # Last, once nothing of this message can fail any more: a message whose capture fails
        # (its savepoint undone) leaves no activity to write for it.
        batch.pending.append(Pending(actor, record, contact_ids, internal))
    unknown = sorted(
        {r.address for r in rows if not r.internal and r.contact_id is None and not bounces}
    )
    return Captured(
        message=record,
        contact_ids=contact_ids,
        unknown=unknown,
        attachments_skipped=skipped,
        bounced=[a for a, _r in bounces],
        forwarded=forwarded_ids,
    )


def capture_or_count(
    counts: dict[str, int],
    *,
    actor: User,
    raw: bytes,
    mailbox: Mailbox | None = None,
    batch: Batch | None = None,
) -> Captured | None:
    """Capture one message of a batch (an import, a fetch) in its own savepoint: a message that
    cannot be captured is logged and counted as ``failed`` instead of stopping the mailbox for
    ever on it. A permission refusal (the owner became read-only) still stops the batch."""
    try:
        result = mail_capture(actor=actor, raw=raw, mailbox=mailbox, batch=batch)
    except PermissionDenied:
        raise
    except Exception:
        logger.exception("a message could not be captured; it is skipped")
        counts["failed"] += 1
        return None
    counts["duplicates" if result.duplicate else "captured"] += 1
    return result


def _colleague(address: str) -> User | None:
    found: User | None = _active_users().filter(address=address).order_by("pk").first()
    return found


def _active_users() -> Any:
    """The active users, each with their lower-cased address (``address``): the colleagues."""
    return User.objects.filter(is_active=True).annotate(address=Lower("email"))


@dataclass
class Pending:
    """A message captured in a batch whose activity ``file_pending`` writes with the others."""

    actor: User
    record: MailMessage
    contact_ids: list[int]
    internal: set[str]


def _header_variants(raw: bytes) -> set[str]:
    """The stored forms ``people_by_address`` may ask for a message (From, To and Cc read from
    its headers alone); none for a message whose headers cannot be read: its capture fails on
    its own, as it would have in a batch without ``Batch.expect``, not the whole batch's."""
    try:
        message = parse(raw, headers_only=True)
        spellings: set[str] = set()
        addresses = {
            a for header in ("from", "to", "cc") for _n, a in _addresses(message, header, spellings)
        }
    except Exception:  # junk the header parser raises on (``To: "``)
        logger.info("a message's addresses could not be read ahead; it is looked up alone")
        return set()
    return _variants(addresses, spellings)


#: Addresses asked for a statement by ``Batch.expect``.
_ASK = 500


@dataclass
class Batch:
    """Messages captured together in one transaction (a fetched batch): the activities written
    at the end (``file_pending``), and the colleagues' addresses read once for all of them
    rather than once a message."""

    pending: list[Pending] = field(default_factory=list)
    _colleagues: dict[str, list[int]] | None = None
    #: ``expect``'s look-up: for whom, the forms asked for, the people by stored form.
    _actor: int | None = None
    _asked: set[str] = field(default_factory=set)
    _people: dict[str, list[int]] = field(default_factory=dict)

    def expect(self, actor: User, raws: Iterable[bytes]) -> None:
        """Look up at once the people ``actor`` may see in From, To and Cc of these messages
        (their headers only are read here), for ``people_by_address`` to answer each from."""
        variants: set[str] = set()
        for raw in raws:
            variants |= _header_variants(raw)
        asked = sorted(variants)
        self._actor, self._asked, self._people = actor.pk, set(asked), {}
        for start in range(0, len(asked), _ASK):
            for value, contact_id in _stored(actor, set(asked[start : start + _ASK])):
                self._people.setdefault(value, []).append(contact_id)

    def stored(self, actor: User, variants: set[str]) -> list[tuple[str, int]] | None:
        """What ``_stored(actor, variants)`` would answer, when ``expect`` asked for all of
        them on behalf of ``actor``; None otherwise."""
        if actor.pk != self._actor or not variants <= self._asked:
            return None
        rows = [(value, pk) for value in variants for pk in self._people.get(value, [])]
        return sorted(rows, key=lambda row: row[1])

    def colleagues(self) -> dict[str, list[int]]:
        """The active users' ids by lower-cased address."""
        if self._colleagues is None:
            found: dict[str, list[int]] = {}
            rows = _active_users().exclude(address="").order_by("pk").values_list("address", "pk")
            for address, pk in rows:
                found.setdefault(address, []).append(pk)
            self._colleagues = found
        return self._colleagues


def _colleague_ids(internal: set[str], batch: Batch | None) -> list[int]:
    if batch is not None:
        colleagues = batch.colleagues()
        return [pk for address in internal for pk in colleagues.get(address, [])]
    return list(_active_users().filter(address__in=internal).values_list("pk", flat=True))


def _activity_data(
    record: MailMessage,
    contact_ids: list[int],
    internal: set[str],
    level: str,
    batch: Batch | None = None,
) -> ActivityInput:
    subject, body = activity_text(record, level)
    users = sorted({str(pk) for pk in _colleague_ids(internal, batch)})
    return {
        "kind": "email",
        "direction": record.direction,
        "occurred_at": record.sent_at,
        "subject": subject,
        "body": body,
        "people": [*contact_ids],
        "users": [*users],
    }


def file_pending(batch: Batch) -> None:
    """Write the activities of a batch's messages (``mail_capture(batch=...)``): one
    ``activity_create_many`` per user whose mail they are, in the order they were captured.
    Call inside the batch's transaction."""
    levels: dict[int, str] = {}
    by_actor: dict[int, list[Pending]] = {}
    for item in batch.pending:
        by_actor.setdefault(item.actor.pk, []).append(item)
    # The timeline text names the participants and attachments: read for the batch at once.
    prefetch_related_objects([item.record for item in batch.pending], "participants", "attachments")
    for items in by_actor.values():
        data = []
        for item in items:
            owner = item.record.owner_id
            if owner not in levels:
                levels[owner] = level_of(item.record.owner)
            data.append(
                _activity_data(item.record, item.contact_ids, item.internal, levels[owner], batch)
            )
        activities = activity_create_many(actor=items[0].actor, items=data)
        records = []
        for item, activity in zip(items, activities, strict=True):
            item.record.activity = activity
            records.append(item.record)
        MailMessage.objects.bulk_update(records, ["activity"])
    batch.pending.clear()


def _file(actor: User, record: MailMessage, contact_ids: list[int], internal: set[str]) -> None:
    """Write (or widen) the message's activity on ``contact_ids``."""
    if record.activity_id is None:
        data = _activity_data(record, contact_ids, internal, level_of(record.owner))
        activity = activity_create(actor=actor, data=data)
        record.activity = activity
        record.save(update_fields=["activity"])
    else:
        current = Activity.objects.get(pk=record.activity_id)
        people = list(current.person_links.values_list("contact_id", flat=True))
        activity_update(
            actor=record.owner,
            activity=current,
            data={"people": [*people, *(c for c in contact_ids if c not in people)]},
        )


def file_address(*, actor: User, address: str, contact: Contact) -> int:
    """File the messages of ``actor`` that name ``address`` (nobody's until now) on ``contact``,
    the person just created for it; returns how many were filed."""
    address = address.strip().lower()
    filed = 0
    participants = MailParticipant.objects.filter(
        address=address, contact__isnull=True, internal=False, message__owner=actor
    ).select_related("message")
    for participant in participants:
        participant.contact = contact
        participant.save(update_fields=["contact"])
        message = participant.message
        _file(actor, message, [contact.pk], set())
        filed += 1
    return filed


def address_of(display: str, address: str) -> str:
    """``Name <address>`` for a header."""
    return str(Address(display_name=display, addr_spec=address))


def describe(result: Captured) -> dict[str, Any]:
    """A JSON-able summary of one capture (jobs, API, CLI)."""
    return {
        "message": result.message.pk if result.message else None,
        "duplicate": result.duplicate,
        "people": result.contact_ids,
        "unknown": result.unknown,
        "attachments_skipped": result.attachments_skipped,
        "bounced": result.bounced,
    }
