"""Double opt-in (ADR 0035): a user who may change a person sends them a confirmation link by
e-mail (``confirmation_send``); opening it and pressing the button (``confirmation_accept``) sets
their e-mail consent, in general or for a purpose, with the source "double opt-in".

The link carries a token signed with Django's signing (``SECRET_KEY``, a salt of its own), valid
for ``MAX_AGE``: the person, the address it was sent to, the purpose (empty: general) and the user
who sent it, as whom the consent is recorded (their right to change the person is asked again;
the history says who asked and the source says how the person answered). The link confirms only
while that address is still one of the person's, and never for an erased person. The message is
transactional (it asks for consent), so it is sent at once and not through the consent-checked
mail queue; a person who opted out of e-mail is not sent one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.contacts.models import ConsentPurpose, ConsentSource, ConsentState, Contact
from rubrica.contacts.services import contact_consent_set, contact_purpose_consent_set
from rubrica.core.models import Action
from rubrica.core.services import ensure_can
from rubrica.privacy.models import Erasure

SALT = "rubrica.privacy.double-optin"
MAX_AGE = dt.timedelta(days=7)
SENT_ACTION = "privacy.optin_sent"
CONFIRMED_ACTION = "privacy.optin_confirmed"


def confirmation_send(
    *, actor: User, contact: Contact, purpose: ConsentPurpose | None, base_url: str
) -> str:
    """E-mail ``contact`` a link confirming their consent (for ``purpose``, or e-mail in
    general); returns the link. Needs the right to change the person and an address; refused
    to a person who opted out of e-mail. Audited with the person's id, never the address."""
    ensure_can(actor, contact, Action.CHANGE)
    address = contact.primary_email
    if not address:
        raise ValidationError({"email": _("This person has no e-mail address.")})
    if contact.email_consent == ConsentState.WITHDRAWN:
        raise ValidationError({"email": _("This person opted out of e-mail.")})
    token = signing.dumps(
        {"c": contact.pk, "e": address.lower(), "p": purpose.key if purpose else "", "u": actor.pk},
        salt=SALT,
        compress=True,
    )
    link = base_url.rstrip("/") + reverse("privacy:optin", args=[token])
    what = purpose.name if purpose else _("e-mail")
    send_mail(
        subject=_("Please confirm: %(what)s") % {"what": what},
        message=_(
            "Hello,\n\nplease confirm that you agree to receive %(what)s from us by opening this "
            "link and pressing the button (valid for %(days)d days):\n\n%(link)s\n\n"
            "If you did not ask for this, ignore this message."
        )
        % {"what": what, "days": MAX_AGE.days, "link": link},
        from_email=actor.email or settings.DEFAULT_FROM_EMAIL,
        recipient_list=[address],
    )
    audit.record(
        actor,
        SENT_ACTION,
        details={"person_id": contact.pk, "purpose": purpose.key if purpose else ""},
    )
    return link


@dataclass(frozen=True)
class Invitation:
    contact: Contact
    purpose: ConsentPurpose | None
    sender: User
    address: str


def confirmation_read(token: str) -> Invitation:
    """What a link asks to confirm; ValidationError when it is forged, expired, or no longer
    applies (the person erased or in the Trash, the address gone, the purpose deleted)."""
    invalid = ValidationError({"token": _("This link is not valid or has expired.")})
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature as exc:
        raise invalid from exc
    contact = Contact.objects.filter(pk=data.get("c")).first()
    sender = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if contact is None or sender is None or Erasure.objects.filter(contact_id=contact.pk).exists():
        raise invalid
    address = str(data.get("e") or "")
    if address not in {e.lower() for e in contact.emails.values_list("value", flat=True)}:
        raise invalid
    purpose = None
    if data.get("p"):
        purpose = ConsentPurpose.objects.filter(key=data["p"]).first()
        if purpose is None:
            raise invalid
    return Invitation(contact=contact, purpose=purpose, sender=sender, address=address)


@transaction.atomic
def confirmation_accept(token: str) -> Invitation:
    """Record the consent the link asks for, with the source "double opt-in", as the user who
    sent it (refused if they may no longer change the person). Confirming twice changes
    nothing more."""
    invitation = confirmation_read(token)
    try:
        if invitation.purpose is not None:
            contact_purpose_consent_set(
                actor=invitation.sender,
                contact=invitation.contact,
                purpose=invitation.purpose,
                channel="email",
                state=ConsentState.GRANTED,
                source=ConsentSource.DOUBLE_OPT_IN,
            )
        else:
            contact_consent_set(
                actor=invitation.sender,
                contact=invitation.contact,
                channel="email",
                state=ConsentState.GRANTED,
                source=ConsentSource.DOUBLE_OPT_IN,
            )
    except PermissionDenied as exc:
        raise ValidationError({"token": _("This link is not valid or has expired.")}) from exc
    audit.record(
        invitation.sender,
        CONFIRMED_ACTION,
        details={
            "person_id": invitation.contact.pk,
            "purpose": invitation.purpose.key if invitation.purpose else "",
        },
    )
    return invitation
