"""Knock on one door as one role about one record, and judge the answer."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.matrix.doors import Door
from tests.matrix.expect import EXPECT, FORBIDDEN, LOGIN, NOT_FOUND, OK, VISIBLE
from tests.matrix.world import MARK, World


def expected(door: Door, role: str, case: str) -> str:
    return EXPECT[door.rule][role][case.split("_")[0]]


def path_of(door: Door, world: World, case: str) -> str:
    if door.path is not None:
        return str(door.path(world, case))
    if door.door == "web":
        if door.kind:
            try:
                return reverse(door.target, args=[world.pk(door.kind, case)])
            except NoReverseMatch:  # the record travels in the body (quick log, bulk)
                pass
        return reverse(door.target)
    route = door.target
    if door.kind:
        route = re.sub(r"\{[a-z_]+\}", str(world.pk(door.kind, case)), route, count=1)
    return "/api/v1" + route


def client_for(door: Door, world: World, role: str) -> Client:
    """A client signed in as ``role`` for the web (signing in writes ``last_login``: done before
    the "nothing changed" snapshot)."""
    client = Client()
    if door.door == "web" and role != "anonymous":
        client.force_login(world.users[role])
    return client


def knock(client: Client, door: Door, world: World, role: str, case: str) -> Any:
    headers: dict[str, str] = {}
    if door.door == "api" and role != "anonymous":
        headers = world.tokens[role]
    path = path_of(door, world, case)
    data = door.data(world, case) if door.data is not None else None
    method = door.method.lower()
    if door.body == "json" and method != "get":
        return getattr(client, method)(path, data or {}, content_type="application/json", **headers)
    if method in ("patch", "put", "delete"):
        import json

        return getattr(client, method)(
            path, json.dumps(data or {}), content_type="application/json", **headers
        )
    return getattr(client, method)(path, data or {}, **headers)


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def judge(door: Door, role: str, case: str, response: Any) -> str | None:
    """None when the answer is the expected one, else what is wrong."""
    want = expected(door, role, case)
    status = response.status_code
    location = response.get("Location", "") if status in (301, 302, 303) else ""
    if want == LOGIN:
        if door.door == "web":
            ok = status == 302 and location.startswith(reverse("login"))
        else:
            ok = status == 401
    elif want == NOT_FOUND:
        ok = status == 404 or status in door.refusals
    elif want == FORBIDDEN:
        ok = status == 403 or status in door.refusals
    else:
        assert want == OK
        ok = status not in (401, 403, 404) and status < 500
        ok = ok and not location.startswith(reverse("login"))
    if not ok:
        return f"expected {want}, got {status} {location}".strip()
    if door.lists and want == OK:
        body = body_of(response)
        for hidden in sorted({"private", "team"} - VISIBLE[role]):
            if MARK[hidden] in body:
                return f"the answer shows a {hidden} record ({MARK[hidden]!r}) to {role}"
    return None
