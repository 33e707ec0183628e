"""What the JSON export carries beside each person: their timeline (activities), tasks, the
appointments they are invited to (with their calendar and their answer), the metadata of their
documents (not the files) and the e-mail filed on them, each as the exporting user may see it (a
colleague's message cut to what its owner lets colleagues see: ADR 0024, 0038).

Read per chunk of people (a few queries each, whatever the chunk's size), through each model's
``restrict(viewer, "view")``: a private activity, appointment or document of someone else is
left out, as on the person's page (an appointment the viewer sees only as busy time is not
exported at all: its times alone say nothing of the person). The importer reads the timeline
back (``activities``: created again with their UID, ADR 0047); tasks, appointments, documents
and mail it does not (``jsonio.NOT_DATA``): they describe what happened at the exporting site,
and recreating them needs records of their own (calendars, files, mailboxes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rubrica.accounts.models import User
from rubrica.activities.models import Activity, ActivityPerson
from rubrica.calendars.models import Appointment, Attendee
from rubrica.core.models import Action
from rubrica.documents.models import Document
from rubrica.mail import selectors
from rubrica.mail.models import MailMessage, MailParticipant
from rubrica.tasks.models import Task

KEYS = ("activities", "tasks", "appointments", "documents", "mail")


def related_of(viewer: User, contact_ids: Sequence[int]) -> dict[int, dict[str, list[Any]]]:
    """``{contact id: {"activities": [...], "tasks": [...], "appointments": [...],
    "documents": [...], "mail": [...]}}``; every person of ``contact_ids`` has the five lists
    (empty when nothing is visible)."""
    out: dict[int, dict[str, list[Any]]] = {pk: {key: [] for key in KEYS} for pk in contact_ids}
    if not contact_ids:
        return out
    visible = Activity.objects.restrict(viewer, Action.VIEW)
    links = (
        ActivityPerson.objects.filter(contact_id__in=contact_ids, activity__in=visible)
        .select_related("activity", "activity__outcome", "activity__owner")
        .order_by("contact_id", "occurred_at", "activity_id")
    )
    for link in links:
        a = link.activity
        out[link.contact_id]["activities"].append(
            {
                "uid": str(a.uid),
                "kind": a.kind,
                "direction": a.direction,
                "occurred_at": a.occurred_at,
                "duration_minutes": a.duration_minutes,
                "outcome": a.outcome.name if a.outcome_id and a.outcome else None,
                "subject": a.subject,
                "body": a.body,
                "private": a.private,
                "owner": a.owner.get_username() if a.owner_id and a.owner else None,
            }
        )
    through = Task.people.through
    task_links = through.objects.filter(
        contact_id__in=contact_ids, task__in=Task.objects.restrict(viewer, Action.VIEW)
    ).select_related("task", "task__assignee")
    for row in task_links.order_by("contact_id", "task__created_at", "task_id"):
        t = row.task
        out[row.contact_id]["tasks"].append(
            {
                "uid": str(t.uid),
                "title": t.title,
                "description": t.description,
                "status": t.status,
                "priority": t.priority,
                "due_date": t.due_date.isoformat() if t.due_date else None,
                "due_at": t.due_at,
                "time_zone": t.time_zone,
                "assignee": t.assignee.get_username(),
                "recurrence": t.recurrence,
                "completed_at": t.completed_at,
            }
        )
    invitations = (
        Attendee.objects.filter(
            contact_id__in=contact_ids,
            appointment__in=Appointment.objects.restrict(viewer, Action.VIEW),
        )
        .select_related("appointment", "appointment__calendar", "appointment__organizer")
        .order_by("contact_id", "appointment__start", "appointment_id")
    )
    for invited in invitations:
        m = invited.appointment
        assert invited.contact_id is not None  # filtered on it
        out[invited.contact_id]["appointments"].append(
            {
                "uid": m.ical_uid,
                "calendar": {"uid": str(m.calendar.uid), "name": m.calendar.name},
                "title": m.title,
                "description": m.description,
                "location": m.location,
                "start": m.start,
                "end": m.end,
                "all_day": m.all_day,
                "time_zone": m.time_zone,
                "recurrence": m.rrule,
                "exdates": list(m.exdates),
                "recurrence_id": m.recurrence_id,
                "private": m.private,
                "organizer": m.organizer.get_username() if m.organizer else m.organizer_email,
                "rsvp": invited.rsvp,
            }
        )
    documents = (
        Document.objects.restrict(viewer, Action.VIEW)
        .filter(contact_id__in=contact_ids)
        .select_related("current")
        .order_by("contact_id", "created_at", "id")
    )
    for d in documents:
        v = d.current
        assert d.contact_id is not None  # filtered on it
        out[d.contact_id]["documents"].append(
            {
                "uid": str(d.uid),
                "title": d.title,
                "file_name": v.original_name if v else None,
                "content_type": v.content_type if v else None,
                "size": v.size if v else None,
                "sha256": v.sha256 if v else None,
                "version": v.number if v else None,
                "created_at": d.created_at,
            }
        )
    _mail(viewer, contact_ids, out)
    return out


def _mail(viewer: User, contact_ids: Sequence[int], out: dict[int, dict[str, list[Any]]]) -> None:
    """The messages filed on these people that ``viewer`` may see, oldest first, each cut to the
    level its owner lets ``viewer`` see (``mail.selectors``: subject and text may be empty)."""
    filed = (
        MailParticipant.objects.filter(
            contact_id__in=contact_ids, message__in=selectors.messages_visible(viewer)
        )
        .values_list("message_id", "contact_id")
        .distinct()
    )
    people_of: dict[int, list[int]] = {}
    for message_id, contact_id in filed:
        people = people_of.setdefault(message_id, [])
        if contact_id not in people:
            people.append(contact_id)
    if not people_of:
        return
    messages = MailMessage.objects.filter(pk__in=list(people_of)).order_by("sent_at", "id")
    for view in selectors.message_views(viewer, messages, limit=len(people_of)):
        row = {
            "message_id": view.message_id,
            "thread": view.thread_key,
            "owner": view.owner,
            "direction": view.direction,
            "from": view.sender,
            "to": view.to,
            "cc": view.cc,
            "sent_at": view.sent_at,
            "level": view.level,
            "subject": view.subject,
            "body": view.body,
            "attachments": view.attachments,
        }
        for contact_id in people_of[view.pk]:
            out[contact_id]["mail"].append(row)
