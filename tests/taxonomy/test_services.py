"""taxonomy.services: stages and kinds (save, reorder, delete refused while in use)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.contacts.services import contact_delete
from rubrica.taxonomy import services
from rubrica.taxonomy.models import LifecycleStage, OrganizationKind, Tag
from tests.factories import make_contact, make_organization


def test_stage_save_adds_at_the_end_and_refuses_duplicate_names(admin_user):
    last = LifecycleStage.objects.order_by("-position").first()

    stage = services.stage_save(actor=admin_user, data={"name": "  Churned  "})

    assert (stage.name, stage.position) == ("Churned", last.position + 1)
    with pytest.raises(ValidationError) as info:
        services.stage_save(actor=admin_user, data={"name": "churned"})
    assert info.value.message_dict == {"name": ["This name is already in the list."]}
    assert LifecycleStage.objects.filter(name__iexact="churned").count() == 1


def test_stage_save_renames_and_checks_position(admin_user):
    stage = LifecycleStage.objects.get(name="Lead")

    with pytest.raises(ValidationError) as info:
        services.stage_save(actor=admin_user, stage=stage, data={"name": "", "position": "x"})

    assert set(info.value.message_dict) == {"name", "position"}
    assert LifecycleStage.objects.get(pk=stage.pk).name == "Lead"

    services.stage_save(actor=admin_user, stage=stage, data={"name": "Cold lead", "position": 9})

    stage.refresh_from_db()
    assert (stage.name, stage.position) == ("Cold lead", 9)


def test_stage_save_by_member_is_refused(member):
    with pytest.raises(PermissionDenied):
        services.stage_save(actor=member, data={"name": "Churned"})

    assert not LifecycleStage.objects.filter(name="Churned").exists()


def test_stage_move_swaps_with_neighbour(admin_user):
    names = list(LifecycleStage.objects.values_list("name", flat=True))
    assert names[:2] == ["Lead", "Prospect"]

    services.stage_move(
        actor=admin_user, stage=LifecycleStage.objects.get(name="Prospect"), offset=-1
    )

    assert list(LifecycleStage.objects.values_list("name", flat=True))[:2] == ["Prospect", "Lead"]
    positions = list(LifecycleStage.objects.values_list("position", flat=True))
    assert positions == list(range(len(names)))


def test_stage_delete_refused_while_a_person_is_at_that_stage(admin_user):
    stage = LifecycleStage.objects.get(name="Customer")
    make_contact(admin_user, stage="Customer")

    with pytest.raises(ValidationError) as info:
        services.stage_delete(actor=admin_user, stage=stage)

    assert "Move them to another stage first" in info.value.messages[0]
    assert LifecycleStage.objects.filter(pk=stage.pk).exists()


def test_stage_delete_refused_while_a_person_in_the_trash_is_at_that_stage(admin_user):
    stage = LifecycleStage.objects.get(name="Customer")
    contact = make_contact(admin_user, stage="Customer")
    contact_delete(actor=admin_user, contact=contact)

    with pytest.raises(ValidationError):
        services.stage_delete(actor=admin_user, stage=stage)

    assert LifecycleStage.objects.filter(pk=stage.pk).exists()


def test_stage_delete_removes_an_unused_stage(admin_user):
    stage = LifecycleStage.objects.get(name="VIP")

    services.stage_delete(actor=admin_user, stage=stage)

    assert not LifecycleStage.objects.filter(pk=stage.pk).exists()


def test_kind_delete_refused_while_an_organization_has_that_kind(admin_user):
    kind = OrganizationKind.objects.get(name="Partner")
    make_organization(admin_user, kind="Partner")

    with pytest.raises(ValidationError) as info:
        services.kind_delete(actor=admin_user, kind=kind)

    assert "Change their kind first" in info.value.messages[0]
    assert OrganizationKind.objects.filter(pk=kind.pk).exists()


def test_stage_delete_turns_a_late_protected_error_into_a_message(admin_user, monkeypatch):
    # A person may take the stage between the EXISTS check and the delete.
    stage = LifecycleStage.objects.get(name="Customer")
    make_contact(admin_user, stage="Customer")
    monkeypatch.setattr(services, "_in_use", lambda instance: False)

    with pytest.raises(ValidationError) as info:
        services.stage_delete(actor=admin_user, stage=stage)

    assert "Move them to another stage first" in info.value.messages[0]
    assert LifecycleStage.objects.filter(pk=stage.pk).exists()


@pytest.mark.parametrize(
    "first, second",
    [
        ("ÉCOLE", "école"),
        ("Società", "SOCIETÀ"),
        ("STRASSE", "straße"),
        ("straße", "STRASSE"),  # an ASCII name finds the one written with ß
        ("ﬁnance", "FINANCE"),  # and with a ligature
    ],
)
def test_tag_names_match_regardless_of_case_in_any_script(member, admin_user, first, second):
    tag = services.tag_get_or_create(actor=member, name=first)

    assert services.tag_get_or_create(actor=member, name=f"  {second} ") == tag
    assert Tag.objects.count() == 1
    other = services.tag_get_or_create(actor=member, name="Ecole")  # another word: no accent
    assert other != tag
    with pytest.raises(ValidationError):
        services.tag_update(actor=admin_user, tag=other, name=second)
    assert Tag.objects.get(pk=other.pk).name == "Ecole"


def test_choice_names_clash_regardless_of_case_in_any_script(admin_user):
    services.stage_save(actor=admin_user, data={"name": "Qualificação"})

    with pytest.raises(ValidationError) as info:
        services.stage_save(actor=admin_user, data={"name": "QUALIFICAÇÃO"})

    assert info.value.message_dict == {"name": ["This name is already in the list."]}
    assert not LifecycleStage.objects.filter(name="QUALIFICAÇÃO").exists()


# Tags: the service locks the row and runs the door's precondition on it -----------------------


class Stale(Exception):
    pass


def refuse(seen: list[tuple[str, str]]):
    """A precondition that records the row it was shown, then refuses (like a stale If-Match)."""

    def check(current: Tag) -> None:
        seen.append((current.name, current.color))
        raise Stale

    return check


def test_tag_update_refused_by_its_precondition_changes_nothing(admin_user):
    tag = services.tag_get_or_create(actor=admin_user, name="Client", color="#111111")
    stale_copy = Tag.objects.get(pk=tag.pk)
    services.tag_update(actor=admin_user, tag=tag, name="Customer")
    seen: list[tuple[str, str]] = []

    with pytest.raises(Stale):
        services.tag_update(
            actor=admin_user,
            tag=stale_copy,
            name="Late",
            color="#222222",
            precondition=refuse(seen),
        )

    assert seen == [("Customer", "#111111")]  # the current row, not the caller's stale copy
    fresh = Tag.objects.get(pk=tag.pk)
    assert (fresh.name, fresh.color) == ("Customer", "#111111")


def test_tag_update_saves_the_current_row_when_its_precondition_passes(admin_user):
    tag = services.tag_get_or_create(actor=admin_user, name="Client", color="#111111")
    stale_copy = Tag.objects.get(pk=tag.pk)
    services.tag_update(actor=admin_user, tag=tag, name="Customer")
    seen: list[str] = []

    saved = services.tag_update(
        actor=admin_user,
        tag=stale_copy,
        color="#222222",
        precondition=lambda t: seen.append(t.name),
    )

    assert seen == ["Customer"]
    fresh = Tag.objects.get(pk=tag.pk)
    assert (fresh.name, fresh.color) == (saved.name, saved.color) == ("Customer", "#222222")


def test_tag_delete_refused_by_its_precondition_deletes_nothing(admin_user, member):
    tag = services.tag_get_or_create(actor=admin_user, name="Client")
    contact = make_contact(member, given_name="Ada", tags=["Client"])
    seen: list[tuple[str, str]] = []

    with pytest.raises(Stale):
        services.tag_delete(actor=admin_user, tag=tag, precondition=refuse(seen))

    assert seen == [("Client", tag.color)]
    assert Tag.objects.filter(pk=tag.pk).exists()
    assert list(contact.tags.values_list("name", flat=True)) == ["Client"]


def test_tag_refusals_answer_before_the_precondition(member, viewer):
    """Who may not write learns that, not whether their copy is current."""
    tag = services.tag_get_or_create(actor=member, name="Client")
    seen: list[tuple[str, str]] = []

    with pytest.raises(PermissionDenied):
        services.tag_update(actor=viewer, tag=tag, name="Mine", precondition=refuse(seen))
    with pytest.raises(PermissionDenied):
        services.tag_update(actor=member, tag=tag, name="Mine", precondition=refuse(seen))
    with pytest.raises(PermissionDenied):
        services.tag_delete(actor=member, tag=tag, precondition=refuse(seen))

    assert seen == []
    assert Tag.objects.get(pk=tag.pk).name == "Client"
