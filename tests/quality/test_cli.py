"""`rubrica quality`: the report as JSON, a preview that changes nothing, --apply, undo, and a
viewer refused with exit code 3."""

from __future__ import annotations

import json

import pytest

from rubrica.contacts.models import Contact
from rubrica.jobs.models import Job
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_report_as_json(rubrica, member):
    make_contact(member, given_name="Ada", emails=[{"value": "ada@example.org"}])
    make_contact(member, given_name="Bob")

    code, out, _err = rubrica("quality", "report", "--json", "--as", "member")

    assert code == 0
    data = json.loads(out)
    assert data["people"] == 2
    email = next(row for row in data["people_completeness"] if row["field"] == "email")
    assert email == {"field": "email", "count": 1, "total": 2, "percent": 50}


def test_clean_previews_by_default_and_applies_with_apply(rubrica, member):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI")

    code, out, _err = rubrica("quality", "clean", "capitalize", "--json", "--as", "member")

    assert code == 0
    assert json.loads(out)["people"] == 1
    assert Contact.objects.get(pk=mario.pk).given_name == "MARIO"
    assert Job.objects.count() == 0

    code, out, _err = rubrica("quality", "clean", "capitalize", "--apply", "--as", "member")

    assert code == 0
    assert "changed: 1" in out
    assert Contact.objects.get(pk=mario.pk).given_name == "Mario"

    job = Job.objects.get()
    code, out, _err = rubrica("quality", "undo", str(job.pk), "--as", "member")

    assert code == 0
    assert "restored: 1" in out
    assert Contact.objects.get(pk=mario.pk).given_name == "MARIO"


def test_a_viewer_cannot_apply_a_cleaning(rubrica, member, viewer):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI")

    code, _out, err = rubrica("quality", "clean", "capitalize", "--apply", "--as", "viewer")

    assert code == 3
    assert "error:" in err
    assert Job.objects.count() == 0
    assert Contact.objects.get(pk=mario.pk).given_name == "MARIO"
