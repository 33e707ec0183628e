"""The records the matrix asks about, built once per test module.

``owner`` (sales, team A) owns every record. For each kind there is a ``private`` one (the owner's
alone) and a ``team`` one (shared with team A), and where the kind has a Trash a
``private_trashed`` and a ``team_trashed`` one. Team A holds sales, read-only and the inactive
user; team B holds ``other_team``. Names carry markers (``Privatus``, ``Teamus``) so that a list,
a search or an export that shows a record it should not is caught by its text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile

from tests.factories import TeamFactory, UserFactory
from tests.matrix.roles import ROLES, give_role

#: The id nobody has: a guessed id (sequential ids are the neighbours of the real records).
MISSING_ID = 987_654

MARK = {"private": "Privatus", "team": "Teamus"}

#: Every kind and case the world builds; ``case`` names the ownership, ``_trashed`` the Trash.
CASES = ("private", "team")


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    teams: dict[str, Any] = field(default_factory=dict)
    #: kind -> case -> record ("private", "team", "private_trashed", "team_trashed").
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Reference data for the settings pages: tag, stage, kind, outcome, field.
    ref: dict[str, Any] = field(default_factory=dict)
    #: role -> API request headers (a bearer token); none for inactive and anonymous.
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Every table as built (``snapshot.snapshot()``): each test starts from it, since each
    #: rolls back what it did; a refused case compares against it once, after its request.
    baseline: dict[str, list[Any]] = field(default_factory=dict)

    def record(self, kind: str, case: str) -> Any:
        return self.records[kind][case]

    def pk(self, kind: str, case: str) -> int:
        """The id a door is asked with: the record's, or ``MISSING_ID`` for ``missing``."""
        if case == "missing":
            return MISSING_ID
        return int(self.records[kind][case].pk)


def _vis(world: World, case: str) -> dict[str, Any]:
    if case == "private":
        return {"visibility": "private", "team": world.teams["a"].pk}
    return {"visibility": "team", "team": world.teams["a"].pk}


def build_world() -> World:
    from rubrica.accounts.services import token_create

    world = World()
    team_a = TeamFactory(name="Matrix A")
    team_b = TeamFactory(name="Matrix B")
    world.teams = {"a": team_a, "b": team_b}
    owner = UserFactory(username="mx_owner")
    give_role(owner, "sales")
    team_a.members.add(owner)
    world.users["owner"] = owner
    for role in ROLES:
        if role == "anonymous":
            continue
        user = UserFactory(username=f"mx_{role}")
        give_role(user, {"other_team": "sales", "inactive": "sales"}.get(role, role))
        if role == "administrator":
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        (team_b if role == "other_team" else team_a).members.add(user)
        world.users[role] = user
        _token, raw = token_create(actor=user, user=user, name="matrix")
        world.tokens[role] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    inactive = world.users["inactive"]
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    for builder in BUILDERS:
        builder(world, owner)
    from tests.matrix.snapshot import snapshot

    world.baseline = snapshot()
    return world


# Builders: one per kind, each through the services -------------------------------------------


def _contacts(world: World, owner: Any) -> None:
    from rubrica.contacts.services import contact_create, contact_delete

    rows: dict[str, Any] = {}
    for case in CASES:
        for suffix in ("", "_trashed", "_twin"):
            data: Any = {"given_name": MARK[case], "family_name": f"Matrix{suffix.strip('_')}"}
            data["emails"] = [{"value": f"{case}{suffix}@matrix.example", "label": "work"}]
            rows[case + suffix] = contact_create(actor=owner, data={**data, **_vis(world, case)})
        rows[case + "_trashed"] = contact_delete(actor=owner, contact=rows[case + "_trashed"])
    world.records["contact"] = rows


def _organizations(world: World, owner: Any) -> None:
    from rubrica.organizations.services import organization_create, organization_delete

    rows: dict[str, Any] = {}
    for case in CASES:
        for suffix in ("", "_trashed"):
            data: Any = {"name": f"{MARK[case]} Matrix{suffix} Ltd", **_vis(world, case)}
            rows[case + suffix] = organization_create(actor=owner, data=data)
        rows[case + "_trashed"] = organization_delete(
            actor=owner, organization=rows[case + "_trashed"]
        )
    world.records["organization"] = rows


def _affiliations(world: World, owner: Any) -> None:
    from rubrica.organizations.services import affiliation_create

    world.records["affiliation"] = {
        case: affiliation_create(
            actor=owner,
            contact=world.record("contact", case),
            organization=world.record("organization", case),
            data={"title": f"{MARK[case]} engineer"},
        )
        for case in CASES
    }


def _activities(world: World, owner: Any) -> None:
    from rubrica.activities.services import activity_create, activity_delete

    rows: dict[str, Any] = {}
    for case in CASES:
        for suffix in ("", "_trashed"):
            rows[case + suffix] = activity_create(
                actor=owner,
                data={
                    "kind": "note",
                    "subject": f"{MARK[case]} Matrix note",
                    "body": "Matrix",
                    "private": case == "private",
                    "people": [world.record("contact", case).pk],
                },
            )
        rows[case + "_trashed"] = activity_delete(actor=owner, activity=rows[case + "_trashed"])
    world.records["activity"] = rows


def _tasks(world: World, owner: Any) -> None:
    from rubrica.tasks.services import task_create, task_delete

    rows: dict[str, Any] = {}
    for case in CASES:
        for suffix in ("", "_trashed"):
            rows[case + suffix] = task_create(
                actor=owner,
                data={"title": f"{MARK[case]} Matrix task", **_vis(world, case)},  # type: ignore[typeddict-item]
            )
        rows[case + "_trashed"] = task_delete(actor=owner, task=rows[case + "_trashed"])
    world.records["task"] = rows


def _documents(world: World, owner: Any) -> None:
    from rubrica.documents.services import document_create, document_delete

    rows: dict[str, Any] = {}
    for case in CASES:
        for suffix in ("", "_trashed"):
            rows[case + suffix] = document_create(
                actor=owner,
                record=world.record("contact", case),
                upload=ContentFile(b"Matrix notes\n", name="notes.txt"),
                title=f"{MARK[case]} Matrix file",
                # A team document follows its person: shared with everyone who sees them.
                visibility="private" if case == "private" else "everyone",
            )
        rows[case + "_trashed"] = document_delete(actor=owner, document=rows[case + "_trashed"])
    world.records["document"] = rows


def _segments(world: World, owner: Any) -> None:
    from rubrica.segments.services import segment_add_members, segment_create

    rows: dict[str, Any] = {}
    for case in CASES:
        rows[case] = segment_create(
            actor=owner,
            data={"name": f"{MARK[case]} Matrix segment", "kind": "static", **_vis(world, case)},  # type: ignore[typeddict-item]
        )
        segment_add_members(
            actor=owner, segment=rows[case], contacts=[world.record("contact", case)]
        )
    world.records["segment"] = rows


def _calendars(world: World, owner: Any) -> None:
    from rubrica.calendars.services import appointment_create, calendar_create

    calendars: dict[str, Any] = {}
    appointments: dict[str, Any] = {}
    for case in CASES:
        calendars[case] = calendar_create(
            actor=owner,
            data={"name": f"{MARK[case]} Matrix calendar", **_vis(world, case)},  # type: ignore[typeddict-item]
        )
        appointments[case] = appointment_create(
            actor=owner,
            data={
                "title": f"{MARK[case]} Matrix meeting",
                "calendar": calendars[case].pk,
                "start": "2026-12-10T10:00:00+00:00",
                "end": "2026-12-10T11:00:00+00:00",
            },
        )
    world.records["calendar"] = calendars
    world.records["appointment"] = appointments


def _duplicates(world: World, owner: Any) -> None:
    from django.utils import timezone

    from rubrica.dedup.models import DuplicatePair

    rows = {}
    for case in CASES:
        a, b = world.record("contact", case), world.record("contact", case + "_twin")
        rows[case] = DuplicatePair.objects.create(
            contact_a=a, contact_b=b, score=0.9, reasons=["name"], found_at=timezone.now()
        )
    world.records["pair"] = rows


def _jobs(world: World, owner: Any) -> None:
    from rubrica.dataio.exporting import export_start
    from rubrica.dataio.imports.services import import_start
    from rubrica.dataio.imports.uploads import store_upload
    from rubrica.jobs.services import job_run

    imports: dict[str, Any] = {}
    exports: dict[str, Any] = {}
    for case in CASES:
        card = (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Imported;Neutral;;;\r\nFN:Neutral Imported\r\n"
            "END:VCARD\r\n"
        )
        upload = store_upload(actor=owner, stream=io.BytesIO(card.encode()), filename="p.vcf")
        job = import_start(actor=owner, upload=upload, options={}, enqueue=False)
        imports[case] = job_run(job.pk)
        job = export_start(actor=owner, format="csv", selection={"filters": {}}, enqueue=False)
        exports[case] = job_run(job.pk)
    world.records["import"] = imports
    world.records["export"] = exports


def _merges(world: World, owner: Any) -> None:
    from rubrica.contacts.services import contact_create
    from rubrica.merges.services import contact_merge

    rows = {}
    for case in CASES:
        survivor = contact_create(
            actor=owner,
            data={"given_name": MARK[case], "family_name": "Merged", **_vis(world, case)},  # type: ignore[typeddict-item]
        )
        merged = contact_create(
            actor=owner,
            data={"given_name": MARK[case], "family_name": "Merged", **_vis(world, case)},  # type: ignore[typeddict-item]
        )
        result = contact_merge(actor=owner, survivor=survivor, merged=merged)
        rows[case] = getattr(result, "merge", result)
    world.records["merge"] = rows


def _notifications(world: World, owner: Any) -> None:
    from rubrica.notifications.models import Notification

    world.records["notification"] = {
        case: Notification.objects.create(
            recipient=owner, kind="matrix", title=f"{MARK[case]} Matrix", url="/"
        )
        for case in CASES
    }


def _reference(world: World, owner: Any) -> None:
    from rubrica.activities.models import Outcome
    from rubrica.customfields.services import definition_save
    from rubrica.taxonomy.models import LifecycleStage, OrganizationKind
    from rubrica.taxonomy.services import kind_save, stage_save, tag_get_or_create

    admin = world.users["administrator"]
    world.ref["tag"] = tag_get_or_create(actor=admin, name="matrix-tag")
    world.ref["stage"] = LifecycleStage.objects.first() or stage_save(
        actor=admin, data={"name": "Lead"}
    )
    world.ref["kind"] = OrganizationKind.objects.first() or kind_save(
        actor=admin, data={"name": "Customer"}
    )
    world.ref["outcome"] = Outcome.objects.first()
    world.ref["field"] = definition_save(
        actor=admin,
        definition=None,
        data={
            "entity": "contact",
            "key": "matrix_size",
            "label": "Matrix size",
            "field_type": "text",
        },
    )


def _photos(world: World, owner: Any) -> None:
    from PIL import Image

    from rubrica.contacts.services import contact_set_photo

    for case in CASES:
        out = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 10, 10)).save(out, "PNG")
        contact = world.record("contact", case)
        world.records["contact"][case] = contact_set_photo(
            actor=owner, contact=contact, photo=ContentFile(out.getvalue(), name="p.png")
        )


BUILDERS = [
    _reference,
    _contacts,
    _photos,
    _organizations,
    _affiliations,
    _activities,
    _tasks,
    _documents,
    _segments,
    _calendars,
    _duplicates,
    _jobs,
    _merges,
    _notifications,
]
