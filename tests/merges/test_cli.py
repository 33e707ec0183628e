"""The CLI glue (rubrica.merges.cli) that `rubrica dedup merge|undo` uses.

Tested through the module's own ``add_subcommands`` + ``handle`` on a parser like the dedup
command's (parent options --as/--json, then the action), since the two share the same code."""

from __future__ import annotations

import argparse
import json
from io import StringIO

import pytest

from rubrica.contacts.models import Contact
from rubrica.kits.cli.base import (
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_PERMISSION,
    CliError,
    RubricaCommand,
)
from rubrica.merges import cli
from rubrica.merges.models import Merge
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def run(*argv: str) -> str:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as", dest="as_user")
    parser.add_argument("--json", action="store_true")
    cli.add_subcommands(parser.add_subparsers(dest="action", required=True))
    options = vars(parser.parse_args(argv))
    out = StringIO()
    cmd = RubricaCommand(stdout=out, stderr=StringIO())
    cli.handle(options["action"], options, cmd)
    return out.getvalue()


def test_merge_prints_what_it_did_and_how_to_undo(member):
    ada = make_contact(member, title="Mathematician")
    twin = make_contact(member, title="Countess", given_name="Augusta")
    out = run("--as", "member", "merge", str(ada.pk), str(twin.pk), "--keep", "title=b")
    merge = Merge.objects.get()
    assert out == (
        f"Merged #{twin.pk} Augusta Lovelace into #{ada.pk} Ada Lovelace (merge {merge.pk}).\n"
        f"Undo with: rubrica dedup undo {merge.pk}\n"
    )
    ada.refresh_from_db()
    assert ada.title == "Countess"


def test_merge_json_before_or_after_the_action(member):
    ada = make_contact(member)
    twin = make_contact(member)
    body = json.loads(run("merge", str(ada.pk), str(twin.pk), "--as", "member", "--json"))
    assert (body["survivor"], body["merged"], body["actor"]) == (ada.pk, twin.pk, "member")
    other = make_contact(member)
    third = make_contact(member)
    body = json.loads(run("--json", "--as", "member", "merge", str(other.pk), str(third.pk)))
    assert body["merged"] == third.pk


def test_undo_without_id_undoes_the_actors_latest_merge(member):
    ada = make_contact(member)
    first = make_contact(member)
    second = make_contact(member)
    run("--as", "member", "merge", str(ada.pk), str(first.pk))
    run("--as", "member", "merge", str(ada.pk), str(second.pk))
    out = run("--as", "member", "undo")
    assert "are separate" in out
    assert Contact.objects.filter(pk=second.pk).exists()
    assert not Contact.objects.filter(pk=first.pk).exists()
    run("--as", "member", "undo")
    assert Contact.objects.filter(pk=first.pk).exists()
    with pytest.raises(CliError) as exc:
        run("--as", "member", "undo")
    assert (exc.value.returncode, exc.value.lines) == (
        EXIT_NOT_FOUND,
        ["You have no merge to undo."],
    )


def test_undo_by_id_and_twice_is_invalid(member):
    ada = make_contact(member)
    twin = make_contact(member)
    run("--as", "member", "merge", str(ada.pk), str(twin.pk))
    merge = Merge.objects.get()
    run("--as", "member", "undo", str(merge.pk))
    with pytest.raises(CliError) as exc:
        run("--as", "member", "undo", str(merge.pk))
    assert (exc.value.returncode, exc.value.lines) == (
        EXIT_INVALID,
        ["This merge was already undone."],
    )


def test_unknown_people_merges_and_bad_keep_have_exit_codes(member, other_member):
    ada = make_contact(member, visibility="private")
    mine = make_contact(other_member)
    with pytest.raises(CliError) as exc:
        run("--as", "other", "merge", str(mine.pk), str(ada.pk))
    assert (exc.value.returncode, exc.value.lines) == (
        EXIT_NOT_FOUND,
        [f"no person with id {ada.pk}"],
    )
    with pytest.raises(CliError) as exc:
        run("--as", "other", "merge", str(mine.pk), "x")
    assert exc.value.returncode == EXIT_INVALID
    with pytest.raises(CliError) as exc:
        run("--as", "other", "merge", str(mine.pk), str(mine.pk), "--keep", "title=c")
    assert exc.value.lines == ["keep: write FIELD=a, FIELD=b or notes=both, not 'title=c'."]
    with pytest.raises(CliError) as exc:
        run("--as", "other", "undo", "999")
    assert exc.value.returncode == EXIT_NOT_FOUND
    assert Merge.objects.count() == 0


def test_a_viewer_is_refused_with_exit_3_and_nothing_changes(member, viewer):
    ada = make_contact(member)
    twin = make_contact(member)
    with pytest.raises(CliError) as exc:
        run("--as", "viewer", "merge", str(ada.pk), str(twin.pk))
    assert exc.value.returncode == EXIT_PERMISSION
    assert Merge.objects.count() == 0
    assert Contact.objects.filter(pk=twin.pk).exists()


def test_invalid_choices_exit_2(member):
    ada = make_contact(member)
    with pytest.raises(CliError) as exc:
        run("--as", "member", "merge", str(ada.pk), str(ada.pk))
    assert (exc.value.returncode, exc.value.lines) == (
        EXIT_INVALID,
        ["merged: A person cannot be merged with itself."],
    )
