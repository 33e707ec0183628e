"""`rubrica share`: add, list and remove a record's shares as the acting user; refusals exit
with the documented codes and change nothing."""

from __future__ import annotations

import json

import pytest

from rubrica.sharing.models import RecordShare
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_share_add_list_and_remove_from_the_shell(rubrica, member, other_member, sales):
    ada = make_contact(other_member, visibility="private")

    code, out, err = rubrica(
        "share",
        "add",
        "contacts",
        str(ada.pk),
        "--user",
        "member",
        "--level",
        "write",
        "--as",
        "other",
    )
    assert (code, err) == (0, "")
    assert "Shared with member." in out
    code, out, _err = rubrica(
        "share", "add", "contacts", str(ada.pk), "--team", "sales", "--as", "other"
    )
    assert code == 0

    code, out, _err = rubrica("share", "list", "contacts", str(ada.pk), "--json", "--as", "member")
    rows = json.loads(out)
    assert code == 0
    assert [(r["grantee_type"], r["grantee"], r["level"]) for r in rows] == [
        ("user", "member", "write"),
        ("team", "Sales", "read"),
    ]

    code, out, _err = rubrica(
        "share", "remove", "contacts", str(ada.pk), str(rows[0]["id"]), "--as", "other"
    )
    assert code == 0
    assert list(RecordShare.objects.values_list("team_id", flat=True)) == [sales.pk]


def test_share_refusals_exit_with_their_codes_and_change_nothing(
    rubrica, member, other_member, viewer
):
    ada = make_contact(other_member, visibility="private")
    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    rubrica("share", "add", "contacts", str(ada.pk), "--user", "viewer", "--as", "other")
    before = list(RecordShare.objects.values_list("pk", "user_id", "level"))

    unseen = rubrica(
        "share", "add", "contacts", str(hidden.pk), "--user", "member", "--as", "viewer"
    )
    denied = rubrica("share", "add", "contacts", str(ada.pk), "--user", "member", "--as", "viewer")
    bad = rubrica("share", "add", "contacts", str(ada.pk), "--user", "nobody", "--as", "other")
    owner = rubrica("share", "add", "contacts", str(ada.pk), "--user", "other", "--as", "other")

    assert unseen[0] == 1
    assert denied[0] == 3
    assert bad[0] == 2 and "user:" in bad[2]
    assert owner[0] == 2 and "user:" in owner[2]
    assert list(RecordShare.objects.values_list("pk", "user_id", "level")) == before
