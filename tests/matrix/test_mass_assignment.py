"""Mass assignment: ``owner``, ``team``, ``visibility`` and ``id`` sent to every write of a shared
record. Only the owner or an administrator moves a record's owner, team or visibility (ADR 0003);
nobody changes an id, and nobody creates a record in another person's name or over another's id.
Whatever the door answers (a refusal, a field error, or ignoring the field), the stored record
keeps them, and the door never answers a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.matrix.world import MISSING_ID, World

#: kind -> (API path of one record, web edit URL name or None)
WRITES = {
    "contact": ("/api/v1/contacts/{}", "contacts:edit"),
    "organization": ("/api/v1/organizations/{}", "organizations:edit"),
    "task": ("/api/v1/tasks/{}", "tasks:edit"),
    "segment": ("/api/v1/segments/{}", "segments:edit"),
    "calendar": ("/api/v1/calendars/{}", None),
}
#: Who tries: sales may change the team's record but is not its owner; read-only may change
#: nothing; the other team does not see it.
ROLES = ("sales", "read_only", "other_team")


def _fields(world: World) -> dict[str, Any]:
    return {
        "owner": world.users["sales"].pk,
        "team": world.teams["b"].pk,
        "visibility": "everyone",
        "id": MISSING_ID,
    }


def _stored(model: Any, pk: int) -> tuple[Any, ...]:
    return tuple(
        model._base_manager.filter(pk=pk)
        .values_list("pk", "owner_id", "team_id", "visibility")
        .get()
    )


CASES = [
    pytest.param(kind, name, door, role, id=f"{door} {kind}.{name}-{role}")
    for kind in WRITES
    for name in ("owner", "team", "visibility", "id")
    for door in ("api", "web")
    for role in ROLES
    if door == "api" or WRITES[kind][1]
]


@pytest.mark.parametrize(("kind", "name", "door", "role"), CASES)
def test_no_one_but_the_owner_moves_a_shared_record(world, db, kind, name, door, role) -> None:
    record = world.record(kind, "team")
    model = type(record)
    before = _stored(model, record.pk)
    value = _fields(world)[name]
    client = Client()
    if door == "api":
        path = WRITES[kind][0].format(record.pk)
        response = client.patch(
            path, json.dumps({name: value}), content_type="application/json", **world.tokens[role]
        )
    else:
        client.force_login(world.users[role])
        response = client.post(reverse(WRITES[kind][1], args=[record.pk]), {name: value})
    assert response.status_code < 500
    assert _stored(model, record.pk) == before
    assert not model._base_manager.filter(pk=MISSING_ID).exists()


CREATES = {
    "contact": ("/api/v1/contacts", {"given_name": "Fresh"}),
    "organization": ("/api/v1/organizations", {"name": "Fresh Ltd"}),
    "task": ("/api/v1/tasks", {"title": "Fresh task"}),
    "segment": ("/api/v1/segments", {"name": "Fresh segment", "kind": "static"}),
}


@pytest.mark.parametrize("kind", list(CREATES))
@pytest.mark.parametrize("name", ["owner", "id"])
def test_a_new_record_is_never_made_in_another_name_or_over_another_id(
    world, db, kind, name
) -> None:
    record = world.record(kind, "private")
    model = type(record)
    before = _stored(model, record.pk)
    count = model._base_manager.count()
    path, body = CREATES[kind]
    value = world.users["owner"].pk if name == "owner" else record.pk
    response = Client().post(
        path, {**body, name: value}, content_type="application/json", **world.tokens["sales"]
    )
    assert response.status_code < 500
    assert _stored(model, record.pk) == before
    if response.status_code == 201:
        created = model._base_manager.exclude(pk=record.pk).order_by("-pk").first()
        assert model._base_manager.count() == count + 1
        assert created.owner_id == world.users["sales"].pk
