"""Settings pages for tags, lifecycle stages and organization kinds."""

from __future__ import annotations

from django.urls import reverse

from rubrica.taxonomy.models import LifecycleStage, OrganizationKind, Tag
from rubrica.taxonomy.services import tag_get_or_create
from tests.factories import make_contact

HOSTILE = '<script>alert("x")</script>'


def test_hostile_tag_name_is_escaped_on_every_tag_page(admin_client, admin_user):
    tag = tag_get_or_create(actor=admin_user, name=HOSTILE, color="#ff0000")

    pages = [
        admin_client.get(reverse("settings:tags")),
        admin_client.get(reverse("settings:tag_edit", args=[tag.pk])),
        admin_client.get(reverse("settings:tag_delete", args=[tag.pk])),
    ]

    for response in pages:
        body = response.content.decode()
        assert HOSTILE not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_admin_adds_a_tag_with_a_colour(admin_client):
    response = admin_client.post(reverse("settings:tags"), {"name": "VIP", "color": "#1A2B3C"})

    assert response.status_code == 302
    tag = Tag.objects.get(name="VIP")
    assert tag.color == "#1A2B3C"


def test_adding_an_existing_tag_name_shows_an_error(admin_client, admin_user):
    tag_get_or_create(actor=admin_user, name="VIP")

    response = admin_client.post(reverse("settings:tags"), {"name": "vip", "color": "#000000"})

    assert response.status_code == 200
    assert "A tag with this name already exists." in response.content.decode()
    assert Tag.objects.count() == 1


def test_admin_renames_and_recolours_a_tag(admin_client, admin_user):
    tag = tag_get_or_create(actor=admin_user, name="vip")

    response = admin_client.post(
        reverse("settings:tag_edit", args=[tag.pk]), {"name": "VIP", "color": "#00ff00"}
    )

    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("VIP", "#00ff00")


def test_bad_colour_is_refused(admin_client, admin_user):
    tag = tag_get_or_create(actor=admin_user, name="vip")

    response = admin_client.post(
        reverse("settings:tag_edit", args=[tag.pk]), {"name": "vip", "color": "red;x:y"}
    )

    assert response.context["form"].errors["color"] == ["Use a colour like #1a2b3c."]
    tag.refresh_from_db()
    assert tag.color == "#6c757d"


def test_admin_deletes_a_tag_after_confirming(admin_client, admin_user):
    tag = tag_get_or_create(actor=admin_user, name="old")

    assert admin_client.get(reverse("settings:tag_delete", args=[tag.pk])).status_code == 200
    response = admin_client.post(reverse("settings:tag_delete", args=[tag.pk]))

    assert response.status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_member_cannot_rename_or_delete_tags(member_client, admin_user):
    tag = tag_get_or_create(actor=admin_user, name="vip")

    rename = member_client.post(
        reverse("settings:tag_edit", args=[tag.pk]), {"name": "VIP!", "color": "#000000"}
    )
    delete = member_client.post(reverse("settings:tag_delete", args=[tag.pk]))

    assert (rename.status_code, delete.status_code) == (403, 403)
    tag.refresh_from_db()
    assert tag.name == "vip"


def test_admin_adds_renames_and_moves_a_stage(admin_client):
    admin_client.post(reverse("settings:stages"), {"name": "Churned", "position": ""})
    stage = LifecycleStage.objects.get(name="Churned")
    assert stage.position == LifecycleStage.objects.count() - 1

    admin_client.post(
        reverse("settings:stage_edit", args=[stage.pk]), {"name": "Lost", "position": "0"}
    )
    stage.refresh_from_db()
    assert stage.name == "Lost"

    lead = LifecycleStage.objects.get(name="Lead")
    admin_client.post(reverse("settings:stage_move", args=[lead.pk]), {"direction": "up"})
    assert list(LifecycleStage.objects.values_list("name", flat=True))[:2] == ["Lead", "Lost"]


def test_duplicate_stage_name_error_is_shown(admin_client):
    response = admin_client.post(reverse("settings:stages"), {"name": "lead"})

    assert response.status_code == 200
    assert "This name is already in the list." in response.content.decode()
    assert LifecycleStage.objects.filter(name__iexact="lead").count() == 1


def test_deleting_a_stage_in_use_is_refused_with_a_message(admin_client, admin_user):
    stage = LifecycleStage.objects.get(name="Customer")
    make_contact(admin_user, stage="Customer")

    response = admin_client.post(reverse("settings:stage_delete", args=[stage.pk]), follow=True)

    assert response.status_code == 200
    assert "cannot be deleted" in response.content.decode()
    assert LifecycleStage.objects.filter(pk=stage.pk).exists()


def test_deleting_an_unused_kind_after_confirming(admin_client):
    kind = OrganizationKind.objects.get(name="Other")

    assert admin_client.get(reverse("settings:kind_delete", args=[kind.pk])).status_code == 200
    response = admin_client.post(reverse("settings:kind_delete", args=[kind.pk]))

    assert response.status_code == 302
    assert not OrganizationKind.objects.filter(pk=kind.pk).exists()


def test_member_cannot_change_the_lists(member_client):
    stage = LifecycleStage.objects.get(name="Lead")
    before = list(LifecycleStage.objects.values_list("pk", "name", "position"))

    responses = [
        member_client.post(reverse("settings:stages"), {"name": "Churned"}),
        member_client.post(reverse("settings:stage_edit", args=[stage.pk]), {"name": "X"}),
        member_client.post(reverse("settings:stage_move", args=[stage.pk]), {"direction": "down"}),
        member_client.post(reverse("settings:stage_delete", args=[stage.pk])),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert list(LifecycleStage.objects.values_list("pk", "name", "position")) == before
