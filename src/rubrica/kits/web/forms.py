"""Form helpers shared by the people and organization pages.

Forms here only translate what a browser posts into the data dict a service takes, and put the
service's ``ValidationError.message_dict`` back next to the right input. They hold no rules of
their own: the services decide what is valid, so the web, the API and importers agree.

Repeated rows (emails, phones, addresses...) use a plain indexed naming scheme,
``<kind>-<n>-<field>`` plus one ``<kind>-preferred`` radio, so a page works without JavaScript
(one blank row is always offered) and a small script can add rows from a ``<template>``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rubrica.core import formats

#: A row number in posted field names ("phones-3-value"): ASCII digits, at most 3.
ROW_INDEX = re.compile(r"[0-9]{1,3}")

#: Suggestions offered for the label of a row (people may type anything).
LABEL_SUGGESTIONS: dict[str, tuple[Promise | str, ...]] = {
    "emails": (_("work"), _("home"), _("other")),
    "phones": (_("mobile"), _("work"), _("home"), _("fax"), _("other")),
    "addresses": (_("work"), _("home"), _("other")),
    "urls": (_("website"), _("blog"), _("other")),
    "profiles": ("LinkedIn", "X", "WeChat", "Weibo", "Mastodon", "GitHub", "Telegram"),
}


def split_commas(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``: how lists (tags, nicknames...) are typed."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def join_commas(values: Iterable[Any] | None) -> str:
    return ", ".join(str(value) for value in values or [])


# Repeated rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InputSpec:
    name: str
    label: Promise
    input_type: str = "text"
    width: str = "col-12 col-md"
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectionSpec:
    """One kind of repeated row: its service key, headings and inputs."""

    kind: str
    title: Promise
    add_label: Promise
    inputs: tuple[InputSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.inputs)


def _label_input() -> InputSpec:
    return InputSpec("label", _("Label"), width="col-12 col-md-3")


EMAILS = CollectionSpec(
    "emails",
    _("Emails"),
    _("Add email"),
    (_label_input(), InputSpec("value", _("Email"), "email", attrs={"autocomplete": "off"})),
)
PHONES = CollectionSpec(
    "phones",
    _("Phones"),
    _("Add phone"),
    (_label_input(), InputSpec("value", _("Phone"), "tel", attrs={"autocomplete": "off"})),
)
URLS = CollectionSpec(
    "urls",
    _("Web addresses"),
    _("Add web address"),
    (_label_input(), InputSpec("value", _("Web address"), attrs={"inputmode": "url"})),
)
PROFILES = CollectionSpec(
    "profiles",
    _("IM and social profiles"),
    _("Add profile"),
    (
        InputSpec("label", _("Service"), width="col-12 col-md-3"),
        InputSpec("value", _("Handle or address")),
    ),
)
ADDRESSES = CollectionSpec(
    "addresses",
    _("Addresses"),
    _("Add address"),
    (
        _label_input(),
        InputSpec("street", _("Street"), width="col-12 col-md-9"),
        InputSpec("extended", _("Extended address"), width="col-12 col-md-6"),
        InputSpec("po_box", _("PO box"), width="col-12 col-md-6"),
        InputSpec("postal_code", _("Postal code"), width="col-6 col-md-3"),
        InputSpec("city", _("City"), width="col-6 col-md-5"),
        InputSpec("region", _("Region"), width="col-12 col-md-4"),
        InputSpec("country", _("Country"), width="col-12 col-md-6"),
    ),
)


@dataclass
class Row:
    """One row of a collection as rendered: its inputs with values and errors."""

    spec: CollectionSpec
    index: str
    values: dict[str, str]
    is_preferred: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)
    row_errors: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"{self.spec.kind}-{self.index}"

    @property
    def inputs(self) -> list[dict[str, Any]]:
        out = []
        for spec in self.spec.inputs:
            name = f"{self.prefix}-{spec.name}"
            out.append(
                {
                    "name": name,
                    "id": f"id_{name}",
                    "label": spec.label,
                    "type": spec.input_type,
                    "width": spec.width,
                    "attrs": spec.attrs,
                    "value": self.values.get(spec.name, ""),
                    "errors": self.errors.get(spec.name, []),
                    "list": f"labels-{self.spec.kind}" if spec.name == "label" else "",
                }
            )
        return out

    @property
    def has_errors(self) -> bool:
        return bool(self.row_errors or any(self.errors.values()))


class Collection:
    """The rows of one kind, parsed from a POST or built from a snapshot."""

    def __init__(self, spec: CollectionSpec, rows: list[dict[str, Any]]) -> None:
        self.spec = spec
        self.rows = [
            Row(
                spec,
                str(index),
                {name: _text(row.get(name)) for name in spec.names},
                bool(row.get("is_preferred")),
            )
            for index, row in enumerate(rows)
        ]
        self.errors: list[str] = []

    @classmethod
    def from_post(cls, spec: CollectionSpec, post: Mapping[str, Any]) -> Collection:
        """Rows from ``<kind>-<n>-<field>`` keys in index order; rows left blank are dropped."""
        indexes: set[int] = set()
        start = f"{spec.kind}-"
        for key in post:
            if not key.startswith(start):
                continue
            parts = key.split("-")
            if len(parts) == 3 and ROW_INDEX.fullmatch(parts[1]) and parts[2] in spec.names:
                indexes.add(int(parts[1]))
        preferred = str(post.get(f"{spec.kind}-preferred", ""))
        rows: list[dict[str, Any]] = []
        for index in sorted(indexes)[:100]:
            values = {name: _text(post.get(f"{spec.kind}-{index}-{name}")) for name in spec.names}
            if not any(value.strip() for value in values.values()):
                continue
            rows.append({**values, "is_preferred": preferred == str(index)})
        return cls(spec, rows)

    def data(self) -> list[dict[str, Any]]:
        """The rows in the service input shape (position i is what ``<kind>.i`` errors name)."""
        return [
            {
                **{name: row.values[name].strip() for name in self.spec.names},
                "is_preferred": row.is_preferred,
            }
            for row in self.rows
        ]

    def add_error(self, index: int | None, name: str | None, messages: Sequence[str]) -> None:
        if index is None or not 0 <= index < len(self.rows):
            self.errors.extend(messages)
            return
        row = self.rows[index]
        if name in self.spec.names:
            row.errors.setdefault(name, []).extend(messages)
        else:
            row.row_errors.extend(messages)

    @property
    def display_rows(self) -> list[Row]:
        """The rows plus one blank one, so a second phone can be added without JavaScript."""
        blank = Row(self.spec, str(len(self.rows)), {name: "" for name in self.spec.names})
        return [*self.rows, blank]

    @property
    def template_row(self) -> Row:
        return Row(self.spec, "__prefix__", {name: "" for name in self.spec.names})

    @property
    def label_suggestions(self) -> tuple[Promise | str, ...]:
        return LABEL_SUGGESTIONS.get(self.spec.kind, ())

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or any(row.has_errors for row in self.rows))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def set_choices(form: forms.Form, name: str, choices: Sequence[tuple[Any, Any]]) -> None:
    """Fill the choices of a ChoiceField at run time (stages, kinds, users... come from the
    database)."""
    form_field = form.fields[name]
    assert isinstance(form_field, forms.ChoiceField)
    form_field.choices = list(choices)


# Filter panels -----------------------------------------------------------------------------

YES_NO = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


# Dates: the browser's picker, or Jalali typing (ADR 0040) -----------------------------------


class LocalDateInput(forms.DateInput):
    """A day: the browser's date picker (ISO value), or, for a user whose date style is the
    Persian calendar, a text box showing and taking a Jalali date ("۱۴۰۳/۰۱/۱۵"; Latin digits
    too). A value that is not a full date (a year-less birthday "--04-15") is shown as stored.
    Forms built on :class:`BootstrapMixin` or :class:`ServiceForm` turn what is typed into the
    Gregorian ISO date before their fields clean it (:func:`read_jalali_dates`)."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, picker: bool = True) -> None:
        """``picker=False``: a text box in every style (a birthday may have no year)."""
        super().__init__(attrs, format="%Y-%m-%d")
        self.picker = picker

    def format_value(self, value: Any) -> str | None:
        if formats.active_style() == formats.JALALI and value:
            day = value if isinstance(value, dt.date) else _iso_day(str(value))
            if day is not None:
                return formats.jalali_input(day)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if formats.active_style() == formats.JALALI:
            widget["type"] = "text"
            widget["attrs"] = {
                **widget["attrs"],
                "placeholder": formats.jalali_input(dt.date(2024, 4, 3)),
                "dir": "ltr",
                "data-calendar": "jalali",
            }
            widget["attrs"].pop("type", None)
        else:
            widget["type"] = "date" if self.picker else "text"
        return context


def _iso_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 and text[4] == "-" else None
    except ValueError:
        return None


DATE = LocalDateInput()
#: How a ``datetime-local`` input writes its value.
LOCAL_DATETIME = "%Y-%m-%dT%H:%M"
#: The wall-clock moment the Jalali examples show (naive: a time as typed, in no zone).
EXAMPLE_MOMENT = dt.datetime.combine(dt.date(2024, 4, 3), dt.time(14, 30))


class LocalDateTimeInput(forms.DateTimeInput):
    """A day and a time: the browser's ``datetime-local`` picker (``2026-12-05T14:30``), or, for a
    user whose date style is the Persian calendar, a text box showing and taking a Jalali date
    and a time ("۱۴۰۳/۰۱/۱۵ ۱۴:۳۰"). As for :class:`LocalDateInput`, the forms turn what is typed
    into the ISO value before their fields clean it."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=LOCAL_DATETIME)

    def format_value(self, value: Any) -> str | None:
        return jalali_datetime_value(value) or super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["type"] = datetime_input_type()
        if widget["type"] == "text":
            widget["attrs"] = {**widget["attrs"], **jalali_datetime_attrs()}
        return context


def datetime_input_type() -> str:
    """``datetime-local``, or ``text`` for a Jalali user (who types the day in Jalali)."""
    return "text" if formats.active_style() == formats.JALALI else "datetime-local"


def jalali_datetime_attrs() -> dict[str, str]:
    """The attributes of a Jalali date-and-time text box: an example, left to right."""
    example = formats.jalali_datetime_input(EXAMPLE_MOMENT)
    return {"placeholder": example, "dir": "ltr", "data-calendar": "jalali"}


def jalali_datetime_value(value: Any) -> str | None:
    """For a Jalali user, ``value`` (a datetime or its ISO text) as they type it; else None."""
    if formats.active_style() != formats.JALALI or not value:
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return formats.jalali_datetime_input(value)


def typed_datetime(text: str) -> str:
    """What a date-and-time input sent, as the ISO text the services read: a Jalali user's
    "۱۴۰۳/۰۱/۱۵ ۱۴:۳۰" becomes "2024-04-03T14:30"; anything else, a Jalali day that does not
    exist included, is given back as typed for the field's own check to refuse."""
    try:
        moment = formats.parse_jalali_datetime(text)
    except ValueError:
        return text
    return moment.strftime(LOCAL_DATETIME) if moment is not None else text


def read_jalali_dates(form: forms.BaseForm) -> dict[str, str]:
    """For a Jalali user, replace each typed Jalali date of ``form``'s :class:`LocalDateInput`
    fields by its Gregorian ISO date in ``form.data``; returns field -> typed text of those that
    are no date of the Persian calendar (the caller reports them, naming the field)."""
    if not form.is_bound or formats.active_style() != formats.JALALI:
        return {}
    data = form.data.copy()  # type: ignore[attr-defined]  # a QueryDict or a dict
    wrong: dict[str, str] = {}
    for name, form_field in form.fields.items():
        if not isinstance(form_field.widget, LocalDateInput | LocalDateTimeInput):
            continue
        key = form.add_prefix(name)
        typed = str(data.get(key) or "")
        try:
            if isinstance(form_field.widget, LocalDateTimeInput):
                moment = formats.parse_jalali_datetime(typed)
                if moment is not None:
                    data[key] = moment.strftime(LOCAL_DATETIME)
                continue
            day = formats.parse_jalali(typed)
        except ValueError:
            wrong[name] = typed
            continue
        if day is not None:
            data[key] = day.isoformat()
    form.data = data
    return wrong


def report_jalali_errors(form: forms.BaseForm, wrong: Mapping[str, str]) -> None:
    for name, typed in wrong.items():
        if name not in form.fields:
            continue
        form.errors.pop(name, None)
        if form.cleaned_data is not None:
            form.cleaned_data.pop(name, None)
        label = form.fields[name].label or name
        if isinstance(form.fields[name].widget, LocalDateTimeInput):
            message = _(
                "%(field)s: %(value)s is not a date and time of the Persian calendar; type it "
                "as year/month/day hour:minute, for example %(example)s."
            ) % {
                "field": label,
                "value": typed,
                "example": formats.jalali_datetime_input(EXAMPLE_MOMENT),
            }
        else:
            message = _(
                "%(field)s: %(value)s is not a date of the Persian calendar; type it as "
                "year/month/day, for example %(example)s."
            ) % {
                "field": label,
                "value": typed,
                "example": formats.jalali_input(dt.date(2024, 4, 3)),
            }
        form.add_error(name, message)


class JalaliEntryMixin:
    """Jalali typing in every :class:`LocalDateInput` of the form (see there)."""

    def full_clean(self) -> None:
        wrong = read_jalali_dates(self)  # type: ignore[arg-type]
        super().full_clean()  # type: ignore[misc]
        report_jalali_errors(self, wrong)  # type: ignore[arg-type]


def style_filter_form(form: forms.Form) -> None:
    for form_field in form.fields.values():
        if isinstance(form_field.widget, forms.Select):
            form_field.widget.attrs["class"] = "form-select form-select-sm"
        else:
            form_field.widget.attrs["class"] = "form-control form-control-sm"


# Settings forms --------------------------------------------------------------------------------


class BootstrapMixin(JalaliEntryMixin):
    """Give every widget the Bootstrap 5 class it needs, so templates can render fields plainly."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            widget = form_field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif getattr(widget, "input_type", "") == "color":
                css = "form-control form-control-color"
            else:
                css = "form-control"
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{existing} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        """Also mark the inputs of fields with errors, which is how Bootstrap shows them."""
        super().add_error(field, error)  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: known keys to their field, others (and
    ``__all__``) to the form as a whole."""
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            field = key if key in form.fields else None
            for message in messages:
                form.add_error(field, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def error_text(exc: ValidationError) -> str:
    """All messages of a ValidationError as one line, for a flash message."""
    return " ".join(exc.messages)


# The base form -----------------------------------------------------------------------------


class ServiceForm(JalaliEntryMixin, forms.Form):
    """A form whose ``is_valid`` only checks the shape of the input; the service validates the
    content and ``apply_service_errors`` shows its verdict field by field."""

    #: service key -> form field, where the names differ
    error_aliases: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collections: dict[str, Collection] = {}

    # building -------------------------------------------------------------------------------

    def add_collections(
        self, specs: Sequence[CollectionSpec], initial: Mapping[str, Any] | None
    ) -> None:
        for spec in specs:
            if self.is_bound:
                self.collections[spec.kind] = Collection.from_post(spec, self.data)
            else:
                self.collections[spec.kind] = Collection(
                    spec, list((initial or {}).get(spec.kind) or [])
                )

    def style(self) -> None:
        """Bootstrap classes on every widget (errors add ``is-invalid`` later)."""
        for bound in self:
            widget = bound.field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{existing} {css}".strip()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    # translating ----------------------------------------------------------------------------

    def collections_data(self) -> dict[str, list[dict[str, Any]]]:
        return {kind: collection.data() for kind, collection in self.collections.items()}

    # errors ---------------------------------------------------------------------------------

    def apply_service_errors(self, exc: ValidationError) -> None:
        """Put each message of ``exc`` next to the input it names; what names no input goes to
        the top of the form, prefixed with the key so it is never silently lost."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            self.mark_invalid()
            return
        for key, messages in exc.message_dict.items():
            self._place(key, messages)
        self.mark_invalid()

    def _place(self, key: str, messages: list[str]) -> None:
        head, _dot, rest = key.partition(".")
        if head in self.collections:
            index_text, _dot, name = rest.partition(".")
            index = int(index_text) if index_text.isascii() and index_text.isdigit() else None
            self.collections[head].add_error(index, name or None, messages)
            return
        if head == "custom_fields" and f"cf_{rest}" in self.fields:
            target: str | None = f"cf_{rest}"
        elif key == "__all__":
            target = None
        else:
            name = self.error_aliases.get(head, head)
            target = name if name in self.fields else None
            if target is None:
                messages = [f"{key}: {message}" for message in messages]
        for message in messages:
            self.add_error(target, message)

    @property
    def collection_errors(self) -> bool:
        return any(collection.has_errors for collection in self.collections.values())
