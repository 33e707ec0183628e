"""`rubrica log`: log an activity from the shell, list a timeline; bad input exits 2 naming the
field and saves nothing."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rubrica.activities.models import Activity
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("log", *args, stdout=out)
    return out.getvalue()


def test_log_a_call_and_list_the_timeline(member):
    ada = make_contact(member)
    run("call", "--person", str(ada.pk), "--outcome", "no-answer", "Tried", "--as", "member")
    activity = Activity.objects.get()
    assert (activity.kind, activity.outcome.name, activity.body) == ("call", "No answer", "Tried")
    listing = json.loads(run("list", "--person", str(ada.pk), "--json", "--as", "member"))
    assert [item["id"] for item in listing["items"]] == [activity.pk]
    assert "No answer" in run("list", "--person", str(ada.pk), "--as", "member")


def test_bad_input_names_the_field_and_saves_nothing(member):
    ada = make_contact(member)
    with pytest.raises(CommandError) as caught:
        run("call", "--person", str(ada.pk), "--outcome", "maybe", "--as", "member")
    assert caught.value.returncode == 2
    assert any(line.startswith("outcome:") for line in caught.value.lines)
    assert not Activity.all_objects.exists()


def test_a_person_one_may_not_see_is_not_found(member, other_member):
    hidden = make_contact(other_member, visibility="private")
    with pytest.raises(CommandError) as caught:
        run("list", "--person", str(hidden.pk), "--as", "member")
    assert caught.value.returncode == 1
