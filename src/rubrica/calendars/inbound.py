"""iMIP replies arriving by e-mail: mail capture hands every ``text/calendar`` part to
:func:`itip_reply_part` (registered in ``CalendarsConfig.ready()`` through ``kits.inbound``), which
applies a ``METHOD:REPLY`` to the appointments of the calendars the mailbox's owner may change.
Only the sender's own answer is taken; any other calendar part (an invitation received, a
published event) is not a reply and is left alone."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr

from django.core.exceptions import ValidationError

from rubrica.calendars.ical import apply_itip_reply
from rubrica.calendars.models import Appointment, Calendar
from rubrica.core.models import Action
from rubrica.kits.inbound import InboundContext


def itip_reply_part(part: EmailMessage, context: InboundContext) -> None:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or b"REPLY" not in payload.upper():
        return
    sender = parseaddr(context.sender)[1] or context.sender
    writable = Calendar.objects.restrict(context.actor, Action.CHANGE)
    try:
        apply_itip_reply(
            ics=payload,
            sender=sender,
            within=Appointment.objects.filter(calendar__in=writable),
        )
    except ValidationError:
        return  # not a reply after all, or unreadable: the message is filed all the same
