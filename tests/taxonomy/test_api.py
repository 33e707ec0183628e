"""/api/v1/tags, /stages, /organization-kinds."""

from __future__ import annotations

import pytest

from rubrica.taxonomy.models import LifecycleStage, Tag
from rubrica.taxonomy.services import tag_get_or_create
from tests.api.conftest import JSON

pytestmark = pytest.mark.django_db

URL = "/api/v1/tags"


def test_member_creates_a_tag_an_administrator_renames_it(client, as_member, as_admin):
    created = client.post(URL, {"name": "  Key   account ", "color": "#112233"}, **_json(as_member))
    assert created.status_code == 201
    tag = Tag.objects.get()
    assert created.json() == {"id": tag.pk, "name": "Key account", "color": "#112233"}

    again = client.post(URL, {"name": "key ACCOUNT"}, **_json(as_member))
    assert again.status_code == 200
    assert again.json()["id"] == tag.pk
    assert Tag.objects.count() == 1

    etag = client.get(f"{URL}/{tag.pk}", **as_member)["ETag"]
    renamed = client.patch(
        f"{URL}/{tag.pk}", {"name": "Key"}, HTTP_IF_MATCH=etag, **_json(as_admin)
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Key"
    stale = client.patch(f"{URL}/{tag.pk}", {"name": "Old"}, HTTP_IF_MATCH=etag, **_json(as_admin))
    assert stale.status_code == 412
    assert Tag.objects.get().name == "Key"


def test_a_refusal_answers_before_a_stale_if_match(client, admin_user, as_member):
    """As for people (tests/api/test_write_protocol.py): the service checks the right first."""
    tag = tag_get_or_create(actor=admin_user, name="temp")

    response = client.delete(f"{URL}/{tag.pk}", HTTP_IF_MATCH='"stale"', **as_member)

    assert response.status_code == 403
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_a_stale_if_match_on_delete_answers_412_with_the_current_etag(client, admin_user, as_admin):
    tag = tag_get_or_create(actor=admin_user, name="temp")
    current = client.get(f"{URL}/{tag.pk}", **as_admin)["ETag"]

    response = client.delete(f"{URL}/{tag.pk}", HTTP_IF_MATCH='"stale"', **as_admin)

    assert response.status_code == 412
    assert response["ETag"] == current
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_bad_color_names_the_field(client, as_member):
    response = client.post(URL, {"name": "x", "color": "red"}, **_json(as_member))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"color"}
    assert not Tag.objects.exists()


def test_only_administrators_delete_tags(client, admin_user, as_member, as_admin):
    tag = tag_get_or_create(actor=admin_user, name="temp")
    assert client.delete(f"{URL}/{tag.pk}", **as_member).status_code == 403
    assert Tag.objects.filter(pk=tag.pk).exists()
    assert client.delete(f"{URL}/{tag.pk}", **as_admin).status_code == 204
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_a_member_cannot_rename_a_tag_and_nothing_changes(client, admin_user, as_member):
    """As on Settings → Tags, renaming is the administrators' (ADR 0033)."""
    tag = tag_get_or_create(actor=admin_user, name="stable", color="#112233")
    response = client.patch(
        f"{URL}/{tag.pk}", {"name": "changed", "color": "#445566"}, **_json(as_member)
    )
    assert response.status_code == 403
    fresh = Tag.objects.get(pk=tag.pk)
    assert (fresh.name, fresh.color) == ("stable", "#112233")


def test_viewer_cannot_rename_tags(client, admin_user, as_viewer):
    tag = tag_get_or_create(actor=admin_user, name="stable")
    response = client.patch(f"{URL}/{tag.pk}", {"name": "changed"}, **_json(as_viewer))
    assert response.status_code == 403
    assert Tag.objects.get(pk=tag.pk).name == "stable"


def test_tag_list_filters_by_prefix(client, admin_user, as_member):
    for name in ("alps", "beta", "alpha"):
        tag_get_or_create(actor=admin_user, name=name)
    body = client.get(URL, {"q": "al"}, **as_member).json()
    assert [item["name"] for item in body["items"]] == ["alpha", "alps"]


def test_stages_are_listed_in_order(client, as_member):
    body = client.get("/api/v1/stages", **as_member).json()
    expected = list(LifecycleStage.objects.values_list("name", flat=True))
    assert [item["name"] for item in body] == expected
    assert expected


def _json(headers: dict[str, str]) -> dict[str, str]:
    return {"content_type": JSON, **headers}
