"""`rubrica dedup merge A B` and `rubrica dedup undo`, through the dedup command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from rubrica.contacts.models import Contact
from rubrica.kits.cli.base import EXIT_INVALID, EXIT_PERMISSION, CliError
from rubrica.merges.models import Merge
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def dedup(*args: str) -> str:
    out = StringIO()
    call_command("dedup", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_dedup_merge_then_undo(member):
    ada = make_contact(member, title="Mathematician")
    twin = make_contact(member, title="Countess")
    out = dedup("--as", "member", "merge", str(ada.pk), str(twin.pk), "--keep", "title=b")
    merge = Merge.objects.get()
    assert f"Undo with: rubrica dedup undo {merge.pk}" in out
    assert Contact.objects.get(pk=ada.pk).title == "Countess"
    assert not Contact.objects.filter(pk=twin.pk).exists()
    body = json.loads(dedup("--as", "member", "--json", "undo"))
    assert (body["id"], body["undone_by"]) == (merge.pk, "member")
    assert Contact.objects.get(pk=ada.pk).title == "Mathematician"
    assert Contact.objects.filter(pk=twin.pk).exists()


def test_dedup_merge_refusals_have_exit_codes(member, viewer):
    ada = make_contact(member)
    twin = make_contact(member)
    with pytest.raises(CliError) as exc:
        dedup("--as", "viewer", "merge", str(ada.pk), str(twin.pk))
    assert exc.value.returncode == EXIT_PERMISSION
    with pytest.raises(CliError) as exc:
        dedup("--as", "member", "merge", str(ada.pk), str(ada.pk))
    assert exc.value.returncode == EXIT_INVALID
    assert Merge.objects.count() == 0
