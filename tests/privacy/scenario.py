"""A person with something in every place Rubrica keeps data about people, for the export and
erasure tests: fields, photo, history, a timeline of their own and one shared, a task, an
appointment, a document, mail, a duplicate pair, a merge."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rubrica.accounts.models import User
from rubrica.activities.models import Activity
from rubrica.activities.services import activity_create
from rubrica.calendars.models import Appointment
from rubrica.calendars.services import appointment_create
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_set_photo, contact_update
from rubrica.customfields.services import definition_save
from rubrica.dedup.models import DuplicatePair
from rubrica.documents.models import Document
from rubrica.documents.services import document_create
from rubrica.mail.capture import mail_capture
from rubrica.merges.services import contact_merge
from rubrica.tasks.models import Task
from rubrica.tasks.services import task_create
from tests.documents.conftest import png_bytes
from tests.factories import make_contact

FAMILY = "Lovelace"
EMAIL = "ada.lovelace@analytical.example"
PHONE_E164 = "+442079460018"
PHONE_TYPED = "+44 20 7946 0018"
#: What must be found nowhere after the erasure.
NEEDLES = (FAMILY.lower(), EMAIL, PHONE_E164, PHONE_TYPED)


@dataclass
class World:
    ada: Contact
    grace: Contact
    own_activity: Activity
    shared_activity: Activity
    task: Task
    appointment: Appointment
    document: Document


def build(admin: User) -> World:
    definition_save(
        actor=admin,
        data={"entity": "contact", "key": "backup_mail", "label": "Backup", "field_type": "text"},
    )
    ada = make_contact(
        admin,
        given_name="Ada",
        family_name=FAMILY,
        emails=[{"value": EMAIL}],
        phones=[{"value": PHONE_TYPED}],
        addresses=[{"street": "12 St James's Square", "city": "London", "country": "GB"}],
        notes=f"Met Ada {FAMILY} at the Royal Society.",
        tags=["analyst"],
        email_consent="granted",
        custom_fields={"backup_mail": f"home of {FAMILY}"},
    )
    ada = contact_update(actor=admin, contact=ada, data={"title": "Countess of Lovelace"})
    ada = contact_set_photo(
        actor=admin,
        contact=ada,
        photo=SimpleUploadedFile("ada.png", png_bytes(), content_type="image/png"),
    )
    grace = make_contact(admin, given_name="Grace", family_name="Hopper")
    now = timezone.now()
    own = activity_create(
        actor=admin,
        data={
            "kind": "call",
            "occurred_at": now - dt.timedelta(days=2),
            "subject": f"Call with Ada {FAMILY}",
            "body": f"Ada {FAMILY} will write back from {EMAIL}.",
            "people": [ada.pk],
        },
    )
    shared = activity_create(
        actor=admin,
        data={
            "kind": "meeting",
            "occurred_at": now - dt.timedelta(days=1),
            "subject": f"Lunch with Grace and Ada {FAMILY}",
            "body": f"Grace will call Ada on {PHONE_TYPED}.",
            "people": [ada.pk, grace.pk],
        },
    )
    task = task_create(
        actor=admin,
        data={"title": f"Send Ada {FAMILY} the notes", "people": [ada.pk, grace.pk]},
    )
    appointment = appointment_create(
        actor=admin,
        data={
            "title": f"Review with Ada {FAMILY}",
            "start": now + dt.timedelta(days=3),
            "end": now + dt.timedelta(days=3, hours=1),
            "people": [ada.pk],
        },
    )
    document = document_create(
        actor=admin,
        record=ada,
        upload=SimpleUploadedFile(
            f"{FAMILY}-notes.txt", f"Notes on Ada {FAMILY}\n".encode(), content_type="text/plain"
        ),
        title=f"{FAMILY} notes",
    )
    raw = (
        f"From: Ada {FAMILY} <{EMAIL}>\r\n"
        f"To: {admin.email}\r\n"
        f"Subject: Notes from Ada {FAMILY}\r\n"
        "Message-ID: <notes-1@analytical.example>\r\n"
        "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        "\r\n"
        f"Here are my notes. -- Ada {FAMILY}, {PHONE_TYPED}\r\n"
    ).encode()
    mail_capture(actor=admin, raw=raw)
    twin = make_contact(admin, given_name="Augusta", family_name="King")
    DuplicatePair.objects.create(
        contact_a=ada,
        contact_b=grace,
        score=0.9,
        reasons=[{"field": "email", "value": EMAIL}],
        found_at=now,
    )
    contact_merge(actor=admin, survivor=ada, merged=twin)
    return World(
        ada=Contact.objects.get(pk=ada.pk),
        grace=grace,
        own_activity=own,
        shared_activity=shared,
        task=task,
        appointment=appointment,
        document=document,
    )
