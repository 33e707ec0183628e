"""Merging two people moves their tasks to the kept person; undoing the merge moves them back."""

from __future__ import annotations

import pytest

from rubrica.merges.services import contact_merge, contact_unmerge
from rubrica.tasks.services import task_create
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_tasks_follow_a_merge_and_its_undo(member) -> None:
    ada = make_contact(member)
    twin = make_contact(member)
    about_twin = task_create(actor=member, data={"title": "Call twin", "people": [twin.pk]})
    about_both = task_create(actor=member, data={"title": "Meet both", "people": [ada.pk, twin.pk]})
    merge = contact_merge(actor=member, survivor=ada, merged=twin)
    assert list(about_twin.people.all()) == [ada]
    assert list(about_both.people.all()) == [ada]
    contact_unmerge(actor=member, merge=merge)
    assert list(about_twin.people.all()) == [twin]
    assert set(about_both.people.all()) == {ada, twin}
