"""Generic pages of an owned record (``core.models.OwnedRecord``), in the manner of NetBox's
``generic.ObjectListView/ObjectView/ObjectEditView/ObjectDeleteView``: the list, the columns
choice, the record's page, add/edit, delete (to the Trash) and restore. A domain configures one
subclass per page with its model, selectors, services, forms and templates, and overrides a hook
where its page does more (the people list's organization filter and scopes, the person form's
photo and duplicate warning); ``as_view()`` in its urls.

The rules are those of every page: reads through ``restrict()`` (a record the user may not see is
a 404; one they may see but not change is a 403), writes through the services, which own the
version check (the form's ``version`` is ``expected_version``: a 409 with the page's conflict
message) and the permissions (a 403 with the service's reason, nothing changed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views import View

from rubrica.core.models import Action, OwnedRecord
from rubrica.core.pagination import Page
from rubrica.core.services import ConflictError
from rubrica.kits.web.access import AuthedRequest, can, require, require_can_create
from rubrica.kits.web.lists import (
    PAGE_SIZES,
    Column,
    chosen_columns,
    custom_columns,
    filters_active,
    header_cells,
    labelled_errors,
    page_size,
    safe_next,
    save_columns,
    wants_partial,
)
from rubrica.kits.web.templatetags.rubrica_web import custom_values
from rubrica.kits.web.trash import RecordService, delete_record, restore_record


@method_decorator(login_required, name="dispatch")
class RecordView(View):
    """A page of one kind of owned record; every page requires a logged-in user."""

    model: ClassVar[type[OwnedRecord]]
    #: The URL namespace of the record's pages ("contacts"): ``<namespace>:list`` etc.
    namespace: ClassVar[str]
    #: The record's name in the templates' context and the services' keyword ("contact").
    record_name: ClassVar[str] = "object"
    request: AuthedRequest


# List ----------------------------------------------------------------------------------------


class ObjectListView(RecordView):
    """The filtered, sorted, keyset-paged list with chosen columns and an htmx partial."""

    http_method_names: ClassVar[list[str]] = ["get"]  # type: ignore[misc]
    #: ``parse(params) -> (filter, {parameter: message})`` (a ``core.filters`` filter class).
    filter_class: ClassVar[Any]
    #: ``list_selector(user=, flt=, cursor=, size=) -> Page``.
    list_selector: ClassVar[Callable[..., Page[Any]]]
    filter_form_class: ClassVar[type[Form]]
    columns: ClassVar[tuple[Column, ...]]
    name_column: ClassVar[Column]
    default_columns: ClassVar[tuple[str, ...]]
    #: Where the chosen columns are kept in the session.
    columns_session_key: ClassVar[str]
    #: ``custom_fields() -> definitions`` of the record's custom fields (those marked
    #: ``show_in_list`` may be columns); from customfields, which the kit may not import.
    custom_fields: ClassVar[Callable[[], list[Any]]]
    template_name: ClassVar[str]
    partial_template_name: ClassVar[str]

    @classmethod
    def list_definitions(cls) -> list[Any]:
        return [definition for definition in cls.custom_fields() if definition.show_in_list]

    @classmethod
    def available_columns(cls, definitions: list[Any]) -> list[Column]:
        return [*cls.columns, *custom_columns(definitions)]

    def parse_filter(self, request: AuthedRequest) -> tuple[Any, dict[str, str]]:
        """The list filter from the query and ``{parameter: message}`` errors."""
        flt, errors = self.filter_class.parse(request.GET)
        return flt, errors

    def list_page(
        self, request: AuthedRequest, flt: Any, cursor: str | None, size: int
    ) -> Page[Any]:
        return type(self).list_selector(user=request.user, flt=flt, cursor=cursor, size=size)

    def filter_form(self, request: AuthedRequest, definitions: list[Any]) -> Form:
        return self.filter_form_class(request.GET, definitions=definitions)  # type: ignore[call-arg]

    def extra_context(self, request: AuthedRequest, flt: Any, page: Page[Any]) -> dict[str, Any]:
        """What the page's templates show beyond the list itself."""
        return {}

    def get(self, request: AuthedRequest) -> HttpResponse:
        definitions = self.list_definitions()
        available = self.available_columns(definitions)
        # The user's own defaults (personal settings, set on the request by the accounts
        # middleware): columns when none were picked in this session, the sort when none is asked.
        own_columns = (getattr(request, "list_columns", None) or {}).get(self.namespace)
        own_sort = (getattr(request, "list_sort", None) or {}).get(self.namespace)
        if own_sort and "sort" not in request.GET:
            params = request.GET.copy()
            params["sort"] = own_sort
            request.GET = params  # type: ignore[assignment]
        columns = chosen_columns(
            request, self.columns_session_key, available, own_columns or self.default_columns
        )
        flt, errors = self.parse_filter(request)
        size = page_size(request)
        cursor = request.GET.get("cursor") or None
        try:
            page = self.list_page(request, flt, cursor, size)
        except ValidationError as exc:  # a cursor that is not this list's
            errors.update({key: "; ".join(value) for key, value in exc.message_dict.items()})
            page = self.list_page(request, flt, None, size)
        partial = wants_partial(request, "results")
        context: dict[str, Any] = {
            "page": page,
            "columns": columns,
            "available_columns": available,
            "chosen_keys": [column.key for column in columns],
            "name_column": self.name_column,
            "header_cells": header_cells([self.name_column, *columns], flt.sort),
            "sort": flt.sort,
            "size": size,
            "page_sizes": PAGE_SIZES,
            "filtered": filters_active(request.GET),
            "can_write": not request.user.is_read_only,
            "partial": partial,
        }
        context.update(self.extra_context(request, flt, page))
        form = self.filter_form(request, definitions)
        context["filter_form"] = form
        context["filter_errors"] = labelled_errors(form, errors)
        template = self.partial_template_name if partial else self.template_name
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response


class ObjectColumnsView(RecordView):
    """Remember which columns of ``list_view``'s list this person shows (in the session)."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    list_view: ClassVar[type[ObjectListView]]

    def post(self, request: AuthedRequest) -> HttpResponse:
        lister = self.list_view
        save_columns(
            request,
            lister.columns_session_key,
            lister.available_columns(lister.list_definitions()),
        )
        return redirect(safe_next(request, reverse(f"{self.namespace}:list")))


# One record ----------------------------------------------------------------------------------


class ObjectMixin(RecordView):
    """How a page reads one record: ``get_queryset`` (restricted to what the user may view)."""

    def get_queryset(self, request: AuthedRequest) -> QuerySet[Any]:
        return self.model.objects.restrict(request.user, Action.VIEW)

    def get_object(self, request: AuthedRequest, pk: int) -> Any:
        return get_object_or_404(self.get_queryset(request), pk=pk)


class ObjectView(ObjectMixin):
    """A record's page: the record, its custom field values and what the user may do."""

    http_method_names: ClassVar[list[str]] = ["get"]  # type: ignore[misc]
    template_name: ClassVar[str]
    #: ``custom_fields() -> definitions`` of the record's custom fields.
    custom_fields: ClassVar[Callable[[], list[Any]]]

    def extra_context(self, request: AuthedRequest, record: Any) -> dict[str, Any]:
        return {}

    def get_context(self, request: AuthedRequest, record: Any) -> dict[str, Any]:
        definitions = type(self).custom_fields()
        return {
            self.record_name: record,
            "custom_values": custom_values(definitions, record.custom_fields),
            "can_change": can(request.user, record, Action.CHANGE),
            "can_delete": can(request.user, record, Action.DELETE),
            **self.extra_context(request, record),
        }

    def get(self, request: AuthedRequest, pk: int) -> HttpResponse:
        record = self.get_object(request, pk)
        return render(request, self.template_name, self.get_context(request, record))


class ObjectEditView(ObjectMixin):
    """Add (no ``pk``) or edit a record: GET shows the form, POST saves through the services.

    ``form_class(data?, files?, user=, <record_name>=record)`` is a
    ``kits.web.forms.ServiceForm`` (``to_data()``, ``apply_service_errors()``,
    ``mark_invalid()``). ``save()`` calls ``create(actor=, data=)`` or
    ``update(actor=, <record_name>=, data=, expected_version=)``; a subclass overrides it
    to do more in the same request. Errors in ``handled_errors`` (caught before the service's
    ValidationError) go to ``respond_to``, which answers the request itself."""

    http_method_names: ClassVar[list[str]] = ["get", "post"]  # type: ignore[misc]
    form_class: ClassVar[type[Any]]
    template_name: ClassVar[str]
    create: ClassVar[Callable[..., Any]]
    update: ClassVar[Callable[..., Any]]
    conflict_message: ClassVar[str | Promise]
    handled_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def get_form(self, request: AuthedRequest, record: Any, *, bound: bool) -> Any:
        kwargs: dict[str, Any] = {"user": request.user}
        if record is not None:
            kwargs[self.record_name] = record
        if bound:
            return self.form_class(request.POST, request.FILES, **kwargs)
        return self.form_class(**kwargs)

    def form_context(
        self, request: AuthedRequest, form: Any, record: Any, *, failed: bool = False
    ) -> dict[str, Any]:
        """The form page's context; ``failed``: shown again after a refused save."""
        context: dict[str, Any] = {"form": form, **self.form_extra_context(request)}
        if record is not None:
            context[self.record_name] = record
        return context

    def form_extra_context(self, request: AuthedRequest) -> dict[str, Any]:
        return {}

    def save(self, request: AuthedRequest, form: Any, record: Any) -> Any:
        create, update = type(self).create, type(self).update
        if record is None:
            return create(actor=request.user, data=form.to_data())
        return update(
            actor=request.user,
            data=form.to_data(),
            expected_version=form.cleaned_data["version"],
            **{self.record_name: record},
        )

    def respond_to(
        self, request: AuthedRequest, form: Any, record: Any, exc: Exception
    ) -> HttpResponse:
        raise exc

    def saved(self, request: AuthedRequest, record: Any, saved: Any) -> HttpResponse:
        """After a save: the message and the record's page."""
        text = _("%(name)s was added.") if record is None else _("%(name)s was saved.")
        messages.success(request, text % {"name": str(saved)})
        return redirect(saved)

    def _record(self, request: AuthedRequest, pk: int | None) -> Any:
        if pk is None:
            require_can_create(request.user)
            return None
        record = self.get_object(request, pk)
        require(request.user, record, Action.CHANGE)
        return record

    def get(self, request: AuthedRequest, pk: int | None = None) -> HttpResponse:
        record = self._record(request, pk)
        form = self.get_form(request, record, bound=False)
        return render(request, self.template_name, self.form_context(request, form, record))

    def post(self, request: AuthedRequest, pk: int | None = None) -> HttpResponse:
        record = self._record(request, pk)
        form = self.get_form(request, record, bound=True)
        status = 400
        if form.is_valid():
            try:
                saved = self.save(request, form, record)
            except self.handled_errors as exc:
                return self.respond_to(request, form, record, exc)
            except ConflictError:
                form.add_error(None, str(self.conflict_message))
                status = 409
            except ValidationError as exc:
                form.apply_service_errors(exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not do this."))
                status = 403
            else:
                return self.saved(request, record, saved)
        form.mark_invalid()
        context = self.form_context(request, form, record, failed=True)
        return render(request, self.template_name, context, status=status)


# Trash ---------------------------------------------------------------------------------------


class ObjectDeleteView(RecordView):
    """GET asks for confirmation; POST moves the record to the Trash through ``delete(actor=,
    <record_name>=)`` and offers Undo (``kits.web.trash.delete_record``)."""

    http_method_names: ClassVar[list[str]] = ["get", "post"]  # type: ignore[misc]
    delete: ClassVar[Callable[..., Any]]

    def get(self, request: AuthedRequest, pk: int) -> HttpResponse:
        return delete_record(
            request, pk, model=self.model, namespace=self.namespace, delete=self._service()
        )

    post = get

    def _service(self) -> RecordService:
        delete, kwarg = type(self).delete, self.record_name
        return lambda actor, record: delete(actor=actor, **{kwarg: record})


class ObjectRestoreView(RecordView):
    """Take a record out of the Trash through ``restore(actor=, <record_name>=)`` (the Undo
    button posts here; ``kits.web.trash.restore_record``)."""

    http_method_names: ClassVar[list[str]] = ["post"]  # type: ignore[misc]
    restore: ClassVar[Callable[..., Any]]

    def post(self, request: AuthedRequest, pk: int) -> HttpResponse:
        restore, kwarg = type(self).restore, self.record_name
        return restore_record(
            request,
            pk,
            model=self.model,
            restore=lambda actor, record: restore(actor=actor, **{kwarg: record}),
        )
