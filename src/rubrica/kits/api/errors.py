"""Every error the API answers is an RFC 9457 problem document (``application/problem+json``).

The services raise Django's ``ValidationError`` (field keys such as ``emails.0.value``),
``PermissionDenied`` and ``ConflictError``; django-ninja raises its own ``ValidationError`` for
bodies and parameters of the wrong shape. This module turns each of them into one problem shape
(type, title, status, detail, and ``errors: {field: message}`` for 422) so that a client handles
errors in one place, and so that no bad input ever reaches a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from rubrica.core.services import ConflictError

logger = logging.getLogger("rubrica.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:rubrica:problem:"


class CsrfFailed(Exception):
    """A request authenticated by the session cookie came without a valid CSRF token."""


class PreconditionFailed(Exception):
    """The client's If-Match names a version that is no longer the current one."""

    def __init__(self, current_etag: str) -> None:
        super().__init__(current_etag)
        self.current_etag = current_etag


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """A problem document; ``extra``: members of its own kind (RFC 9457 extension members)."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = dict(errors)
    body.update(extra or {})
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def validation_problem(errors: Mapping[str, str]) -> HttpResponse:
    return problem(
        422,
        "validation",
        _("Invalid input"),
        _("Some values are not valid; see errors."),
        errors=errors,
    )


def field_errors(exc: DjangoValidationError) -> dict[str, str]:
    """``{field: first message}`` from a Django ValidationError, dict-shaped or not."""
    if hasattr(exc, "error_dict"):
        return {
            field: messages[0] if messages else "" for field, messages in exc.message_dict.items()
        }
    messages = exc.messages
    return {NON_FIELD_ERRORS: messages[0] if messages else _("This value is not valid.")}


# pydantic error types -> translated messages; others keep pydantic's English text.
_PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("This field is required."),
    "extra_forbidden": gettext_noop("Unknown field."),
    "string_type": gettext_noop("Enter text."),
    "int_type": gettext_noop("Enter a whole number."),
    "int_parsing": gettext_noop("Enter a whole number."),
    "int_from_float": gettext_noop("Enter a whole number."),
    "bool_type": gettext_noop("Enter true or false."),
    "bool_parsing": gettext_noop("Enter true or false."),
    "list_type": gettext_noop("Enter a list."),
    "dict_type": gettext_noop("Enter an object."),
    "model_type": gettext_noop("Enter an object."),
    "model_attributes_type": gettext_noop("Enter an object."),
    "date_type": gettext_noop("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_noop("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_noop("Enter a date as YYYY-MM-DD."),
    "string_pattern_mismatch": gettext_noop("This value does not have the expected format."),
}


def _pydantic_message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in _PYDANTIC_MESSAGES:
        return _(_PYDANTIC_MESSAGES[kind])
    if kind == "literal_error":
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length", "")}
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a value of at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt", ""))}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a value of at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt", ""))}
    return str(error.get("msg", _("This value is not valid.")))


def _field_name(loc: Sequence[Any], body_params: set[str]) -> str:
    """``("body", "payload", "emails", 0, "value")`` -> ``emails.0.value``.

    The first element is where the value came from (body, query, path); for a body the next one
    is the handler's parameter name, which means nothing to the client.
    """
    parts = list(loc)
    source = parts.pop(0) if parts else ""
    if source == "body" and parts and str(parts[0]) in body_params:
        parts.pop(0)
    # pydantic names union members ("str", "int", "function-after[...]"): not field names
    parts = [p for p in parts if not (isinstance(p, str) and _is_type_tag(p))]
    if not parts:
        return "body" if source == "body" else NON_FIELD_ERRORS
    return ".".join(str(part) for part in parts)


_TYPE_NAMES = {"str", "int", "bool", "float", "list", "dict", "none"}


def _is_type_tag(part: str) -> bool:
    return "[" in part or part in _TYPE_NAMES or part.startswith("constrained-")


BODY_PARAMS = {"payload"}


def ninja_validation_errors(exc: NinjaValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors:
        name = _field_name(error.get("loc", ()), BODY_PARAMS)
        errors.setdefault(name, _pydantic_message(error))
    return errors


def install(api: NinjaAPI) -> None:
    """Register the problem-document handlers on ``api``."""

    def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return validation_problem(ninja_validation_errors(exc))

    def on_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return validation_problem(field_errors(exc))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            return problem(
                401,
                "unauthenticated",
                _("Authentication required"),
                _("Send a valid API token (Authorization: Bearer rbk_...) or log in."),
                headers={"WWW-Authenticate": 'Bearer realm="rubrica"'},
            )
        if exc.status_code == 400 and exc.__cause__ is not None:
            # ninja wraps any failure of the body parser in a 400; it means malformed JSON.
            return validation_problem({"body": _("The request body is not valid JSON.")})
        return problem(exc.status_code, "http-error", _("Error"), str(exc))

    def on_csrf(request: HttpRequest, exc: CsrfFailed) -> HttpResponse:
        return problem(
            403,
            "csrf",
            _("Forbidden"),
            _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie value."),
        )

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(404, "not-found", _("Not found"), _("There is no such record."))

    def on_permission(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or _("You may not do this.")
        return problem(403, "permission-denied", _("Forbidden"), detail)

    def on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        return problem(
            412,
            "precondition-failed",
            _("Precondition failed"),
            str(exc),
            headers={"ETag": f'"{exc.current_version}"'},
        )

    def on_precondition(request: HttpRequest, exc: PreconditionFailed) -> HttpResponse:
        return problem(
            412,
            "precondition-failed",
            _("Precondition failed"),
            _("This record was changed by someone else meanwhile."),
            headers={"ETag": exc.current_etag},
        )

    def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(
            413, "payload-too-large", _("Payload too large"), _("The request body is too large.")
        )

    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return problem(400, "bad-request", _("Bad request"), _("The request was refused."))

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        return problem(
            500,
            "server-error",
            _("Server error"),
            _("Something went wrong on our side; the error was logged."),
        )

    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        Exception: on_unexpected,
        NinjaValidationError: on_ninja_validation,
        DjangoValidationError: on_validation,
        HttpError: on_http_error,
        CsrfFailed: on_csrf,
        Http404: on_not_found,
        ObjectDoesNotExist: on_not_found,
        PermissionDenied: on_permission,
        ConflictError: on_conflict,
        PreconditionFailed: on_precondition,
        RequestDataTooBig: on_too_big,
        TooManyFieldsSent: on_too_big,
        SuspiciousOperation: on_suspicious,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)
