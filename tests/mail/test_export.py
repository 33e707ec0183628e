"""The JSON export carries the e-mail filed on each person, as the exporting user may see it:
everything of their own mail, a colleague's cut to the level the colleague chose, a message the
exporting user may not see left out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rubrica.dataio.exporting import export_start
from rubrica.jobs.models import JobStatus
from rubrica.jobs.services import job_run
from rubrica.mail.capture import mail_capture
from rubrica.mail.models import MailPreference
from tests.factories import make_contact
from tests.mail.conftest import make_message

pytestmark = pytest.mark.django_db


def _export(actor: Any) -> dict[str, Any]:
    job = job_run(
        export_start(actor=actor, format="json", selection={"filters": {}}, enqueue=False).pk
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.open("rb") as handle:
        return json.loads(handle.read())


def _person(data: dict[str, Any]) -> dict[str, Any]:
    (person,) = data["contacts"]
    return person


def test_the_json_export_carries_the_mail_filed_on_each_person(member, other_member):
    make_contact(member, given_name="Ada", emails=[{"value": "ada@example.com"}])
    mail_capture(actor=member, raw=make_message(subject="Engines", body="The numbers."))

    mine = _person(_export(member))["mail"]
    assert [(m["subject"], m["body"], m["level"]) for m in mine] == [
        ("Engines", "The numbers.", "full")
    ]
    assert mine[0]["from"] == "ada@example.com" and mine[0]["owner"] == "member"

    # A colleague who sees Ada sees what member lets colleagues see: the subject by default.
    theirs = _person(_export(other_member))["mail"]
    assert [(m["subject"], m["body"], m["level"]) for m in theirs] == [("Engines", "", "subject")]

    MailPreference.objects.create(user=member, level="metadata")
    theirs = _person(_export(other_member))["mail"]
    assert [(m["subject"], m["body"], m["from"]) for m in theirs] == [("", "", "ada@example.com")]


def test_a_message_the_exporting_user_may_not_see_is_left_out(member, other_member):
    make_contact(
        member, given_name="Ada", visibility="private", emails=[{"value": "ada@example.com"}]
    )
    make_contact(
        other_member, given_name="Ada", visibility="private", emails=[{"value": "ada@example.com"}]
    )
    mail_capture(actor=member, raw=make_message())

    assert len(_person(_export(member))["mail"]) == 1
    # other_member sees only their own Ada, on whom member's message was not filed.
    assert _person(_export(other_member))["mail"] == []
