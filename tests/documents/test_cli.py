"""`rubrica documents add|list|get`: the same checks as the other doors, exit codes of the house."""

from __future__ import annotations

import json

import pytest

from rubrica.documents.models import Document
from tests.documents.conftest import HTML, PDF
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_add_list_and_get(rubrica, member, tmp_path):
    contact = make_contact(member)
    source = tmp_path / "Contract.pdf"
    source.write_bytes(PDF)
    code, out, err = rubrica(
        "documents", "add", "contact", str(contact.pk), str(source), "--as", "member", "--json"
    )
    assert (code, err) == (0, "")
    added = json.loads(out)
    assert (added["title"], added["content_type"], added["version"]) == (
        "Contract.pdf",
        "application/pdf",
        1,
    )
    code, out, _err = rubrica("documents", "list", "contact", str(contact.pk), "--as", "member")
    assert code == 0
    assert out.startswith(f"{added['id']}\tContract.pdf\tv1\tContract.pdf\tapplication/pdf\t")
    target = tmp_path / "copy.pdf"
    code, _out, _err = rubrica(
        "documents", "get", str(added["id"]), "-o", str(target), "--as", "member"
    )
    assert code == 0
    assert target.read_bytes() == PDF


def test_a_refused_file_exits_2_naming_it(rubrica, member, tmp_path):
    contact = make_contact(member)
    source = tmp_path / "fake.pdf"
    source.write_bytes(HTML)
    code, _out, err = rubrica(
        "documents", "add", "contact", str(contact.pk), str(source), "--as", "member"
    )
    assert code == 2
    assert "fake.pdf" in err and "text/html" in err
    assert Document.all_objects.count() == 0


def test_someone_elses_private_person_is_not_found(rubrica, member, other_member, tmp_path):
    contact = make_contact(member, visibility="private")
    source = tmp_path / "a.pdf"
    source.write_bytes(PDF)
    code, _out, err = rubrica(
        "documents", "add", "contact", str(contact.pk), str(source), "--as", "other"
    )
    assert code == 1
    assert f"no contact with id {contact.pk}" in err
    assert Document.all_objects.count() == 0
