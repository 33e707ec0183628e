"""Tasks in the browser: My tasks (overdue, today, upcoming in the user's time zone), the team
view, a task's page, the form, complete, Trash, bulk complete / reassign, and the panel on the
pages of people and organizations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from rubrica.accounts.models import User
from rubrica.activities.models import Activity
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction, Target
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.services import ConflictError
from rubrica.kits.web.access import AuthedRequest, can, require, require_can_create
from rubrica.kits.web.forms import add_service_errors, error_text
from rubrica.kits.web.lists import safe_next
from rubrica.organizations.models import Organization
from rubrica.tasks import selectors, services
from rubrica.tasks.export import csv_rows
from rubrica.tasks.forms import TaskForm
from rubrica.tasks.models import Status, Task

#: Rows per bucket of My tasks; the rest is one click away (the team view of oneself).
MINE_PER_BUCKET = 25

CONFLICT = gettext_lazy("This task was changed by someone else meanwhile: reload it and try again.")


def _task(request: AuthedRequest, pk: int) -> Task:
    task: Task = get_object_or_404(
        Task.objects.restrict(request.user).select_related("assignee", "owner"), pk=pk
    )
    return task


@login_required
def my_tasks(request: AuthedRequest) -> HttpResponse:
    buckets = selectors.my_tasks(request.user, limit=MINE_PER_BUCKET)
    context = {
        "buckets": [
            ("overdue", _("Overdue"), buckets.overdue, buckets.overdue_count),
            ("today", _("Today"), buckets.today, buckets.today_count),
            ("upcoming", _("Upcoming"), buckets.upcoming, buckets.upcoming_count),
            ("undated", _("No due date"), selectors.undated(request.user), None),
        ],
        "today": buckets.today_date,
        "users": User.objects.filter(is_active=True).order_by("username"),
        "section": "tasks",
    }
    return render(request, "tasks/mine.html", context)


@login_required
def team_tasks(request: AuthedRequest) -> HttpResponse:
    assignee = None
    raw = request.GET.get("assignee", "")
    rows: list[Task] = []
    if raw.isdigit():
        assignee = get_object_or_404(User, pk=int(raw))
        rows = list(
            selectors.open_tasks(request.user, assignee=assignee)
            .select_related("assignee")
            .order_by(*selectors.ORDER)[:200]
        )
    context = {
        "summary": selectors.team_summary(request.user),
        "assignee": assignee,
        "tasks": rows,
        "users": User.objects.filter(is_active=True).order_by("username"),
        "section": "tasks",
    }
    return render(request, "tasks/team.html", context)


@login_required
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    context = {
        "task": task,
        "people": Contact.objects.restrict(request.user).filter(tasks=task),
        "organizations": Organization.objects.restrict(request.user).filter(tasks=task),
        "can_change": can(request.user, task, Action.CHANGE),
        "activity": Activity.objects.restrict(request.user).filter(follow_up_tasks=task).first(),
        "due": services.due_text(task, request.user),
        "section": "tasks",
    }
    return render(request, "tasks/detail.html", context)


def _links_from(request: AuthedRequest) -> dict[str, Any]:
    """``?person=``/``?organization=`` of the "add task" link of a record's panel, or
    ``?activity=``: a follow-up task of an activity the user may see (else 404)."""
    initial: dict[str, Any] = {}
    if request.GET.get("activity", "").isdigit():
        activity = get_object_or_404(
            Activity.objects.restrict(request.user), pk=int(request.GET["activity"])
        )
        data = services.follow_up_data(actor=request.user, activity=activity)
        data["people"] = ",".join(str(pk) for pk in data["people"])
        data["organizations"] = ",".join(str(pk) for pk in data["organizations"])
        return data
    if request.GET.get("person", "").isdigit():
        initial["people"] = request.GET["person"]
    if request.GET.get("organization", "").isdigit():
        initial["organizations"] = request.GET["organization"]
    return initial


def _save(request: AuthedRequest, form: TaskForm, task: Task | None) -> tuple[Task | None, int]:
    if not form.is_valid():
        return None, 400
    try:
        if task is None:
            return services.task_create(actor=request.user, data=form.to_data()), 200
        return (
            services.task_update(
                actor=request.user,
                task=task,
                data=form.to_data(),
                expected_version=form.cleaned_data["version"],
            ),
            200,
        )
    except ConflictError:
        form.add_error(None, str(CONFLICT))
        return None, 409
    except ValidationError as exc:
        if "due_at" in getattr(exc, "error_dict", {}):
            exc.error_dict["due_date"] = exc.error_dict.pop("due_at")
        add_service_errors(form, exc)
        return None, 400
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You may not do this."))
        return None, 403


@login_required
def task_create_view(request: AuthedRequest) -> HttpResponse:
    require_can_create(request.user, Task)
    if request.method == "POST":
        form = TaskForm(request.POST, user=request.user)
        created, status = _save(request, form, None)
        if created is not None:
            messages.success(request, _("The task was added."))
            return redirect(safe_next(request, created.get_absolute_url()))
    else:
        form = TaskForm(user=request.user, initial=_links_from(request))
        status = 200
    context = {"form": form, "task": None, "next": request.GET.get("next", ""), "section": "tasks"}
    return render(request, "tasks/form.html", context, status=status)


@login_required
def task_edit_view(request: AuthedRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    require(request.user, task, Action.CHANGE)
    if request.method == "POST":
        form = TaskForm(request.POST, user=request.user, task=task)
        saved, status = _save(request, form, task)
        if saved is not None:
            messages.success(request, _("The task was saved."))
            return redirect(saved)
    else:
        form = TaskForm(user=request.user, task=task)
        status = 200
    context = {"form": form, "task": task, "next": "", "section": "tasks"}
    return render(request, "tasks/form.html", context, status=status)


@login_required
@require_POST
def task_complete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    require(request.user, task, Action.CHANGE)
    version = request.POST.get("version", "")
    try:
        _done, following = services.task_complete(
            actor=request.user,
            task=task,
            expected_version=int(version) if version.isdigit() else None,
        )
    except ConflictError:
        messages.error(request, str(CONFLICT))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if following is not None:
            messages.success(request, _("Done. The next one is planned."))
        else:
            messages.success(request, _("Done."))
    return redirect(safe_next(request, reverse("tasks:mine")))


@login_required
@require_POST
def task_delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    require(request.user, task, Action.DELETE)
    services.task_delete(actor=request.user, task=task)
    messages.success(request, _("The task is in the Trash."))
    return redirect("tasks:mine")


@login_required
@require_POST
def task_restore_view(request: AuthedRequest, pk: int) -> HttpResponse:
    task: Task = get_object_or_404(Task.trash.restrict(request.user, Action.DELETE), pk=pk)
    services.task_restore(actor=request.user, task=task)
    messages.success(request, _("The task was restored."))
    return redirect(task)


@login_required
@require_POST
def task_bulk_view(request: AuthedRequest) -> HttpResponse:
    """Complete or reassign the ticked tasks. The ids are checked through ``restrict`` by the
    services: an id one may not change is reported as not found and left alone."""
    ids = request.POST.getlist("ids")
    action = request.POST.get("action")
    try:
        if action == "complete":
            result = services.tasks_bulk_complete(actor=request.user, ids=ids)
        elif action == "reassign":
            result = services.tasks_bulk_reassign(
                actor=request.user, ids=ids, assignee=request.POST.get("assignee", "")
            )
        else:
            raise ValidationError({"action": _("Choose complete or reassign.")})
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(safe_next(request, reverse("tasks:mine")))
    messages.success(
        request,
        ngettext("%(n)d task changed.", "%(n)d tasks changed.", len(result.changed))
        % {"n": len(result.changed)},
    )
    if result.skipped:
        messages.warning(
            request,
            ngettext(
                "%(n)d task left unchanged.", "%(n)d tasks left unchanged.", len(result.skipped)
            )
            % {"n": len(result.skipped)},
        )
    return redirect(safe_next(request, reverse("tasks:mine")))


@login_required
def task_export_view(request: AuthedRequest) -> StreamingHttpResponse:
    """CSV of the tasks the user may see (``?mine=1``: assigned to them; ``?status=open|done|
    cancelled``)."""
    rows = Task.objects.restrict(request.user)
    if request.GET.get("mine") == "1":
        rows = rows.filter(assignee=request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        rows = rows.filter(status=status)
    audit.record(
        request.user,
        AuditAction.LIST_EXPORT,
        Target("tasks.task", "", "tasks.csv"),
        {
            "mine": request.GET.get("mine") == "1",
            "status": status if status in Status.values else "",
        },
    )
    response = StreamingHttpResponse(
        csv_rows(request.user, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="tasks.csv"'
    return response


def record_panel(request: HttpRequest, record: Any) -> Mapping[str, Any] | None:
    """The "Tasks" panel of a person's or organization's page: its open tasks the user may see,
    and "Add task" (linked to the record) for those who may create one."""
    user = request.user
    if not isinstance(user, User):
        return None
    rows = list(selectors.tasks_of(user, record)[:20])
    param = "person" if isinstance(record, Contact) else "organization"
    return {
        "tasks": rows,
        "add_url": f"{reverse('tasks:new')}?{param}={record.pk}&next={record.get_absolute_url()}",
        "can_add": not user.is_read_only,
        "record": record,
        "open_status": Status.OPEN,
    }
