"""Imports map consent columns (ADR 0032): yes/no or granted/withdrawn, recorded with the
import as source; a value that is neither refuses the row naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from rubrica.contacts.models import ConsentSource, ConsentState, Contact
from rubrica.contacts.services import contact_consent_set
from tests.dataio.import_helpers import outcomes, run_import
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_root(settings: Any, tmp_path: Any) -> None:
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


CSV = (
    "First Name,Last Name,E-mail Address,Email Consent,SMS Consent\r\n"
    "Ada,Lovelace,ada@example.com,yes,no\r\n"
    "Grace,Hopper,grace@example.com,,\r\n"
    "Alan,Turing,alan@example.com,maybe,\r\n"
)


def test_consent_columns_are_mapped_and_recorded_as_imported(member):
    job = run_import(member, CSV, "people.csv")

    # an unreadable consent cell costs that answer, not the person (ADR 0050)
    assert outcomes(job) == [(2, "created"), (3, "created"), (4, "created")]
    ada = Contact.objects.get(given_name="Ada")
    assert (ada.email_consent, ada.sms_consent) == (ConsentState.GRANTED, ConsentState.WITHDRAWN)
    assert ada.email_consent_source == ConsentSource.IMPORT
    assert ada.email_consent_at is not None
    grace = Contact.objects.get(given_name="Grace")
    assert (grace.email_consent, grace.email_consent_at) == (ConsentState.UNKNOWN, None)
    alan = Contact.objects.get(given_name="Alan")
    assert alan.email_consent == ConsentState.UNKNOWN  # no answer recorded from the bad cell
    assert "maybe" in alan.notes  # the value kept, as other set-aside values are
    from rubrica.dataio.models import ImportRow

    assert "email_consent" in ImportRow.objects.get(job=job, line=4).message


def test_an_import_that_updates_someone_keeps_their_consent_when_the_cell_is_empty(member):
    ada = make_contact(
        member, given_name="Ada", family_name="Lovelace", emails=[{"value": "ada@example.com"}]
    )
    contact_consent_set(actor=member, contact=ada, channel="email", state="granted")

    run_import(
        member,
        "First Name,Last Name,E-mail Address,Email Consent\r\nAda,Lovelace,ada@example.com,\r\n",
        "people.csv",
        on_duplicate="update",
        match="email",
    )

    ada.refresh_from_db()
    assert ada.email_consent == ConsentState.GRANTED
    assert ada.email_consent_source == ConsentSource.USER
