"""The REST API under /api/v1: one NinjaAPI mounting the router of each app (``<app>/api.py``,
ADR 0010); this package keeps only what is door-wide: the assembly, authentication (auth.py) and
the committed schema (schema_file.py, ``manage.py api_schema``).

Handlers only translate (input schema -> service call -> output data); permissions, validation and
history live in the services and selectors, like for every other door. Every error is a problem
document (rubrica.kits.api.errors). The OpenAPI document is committed (src/rubrica/api/openapi.json,
written by ``manage.py api_schema``) and a test fails when the code and the file differ.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.operation import Operation
from ninja.parser import Parser

from rubrica.accounts import api as accounts_api
from rubrica.accounts import api_roles as roles_api
from rubrica.accounts.scopes import ADMIN, AREAS
from rubrica.accounts.services import MissingScope
from rubrica.activities import api as activities_api
from rubrica.api.auth import AUTH, auth_for
from rubrica.calendars import api as calendars_api
from rubrica.contacts import api as contacts
from rubrica.customfields import api as customfields
from rubrica.dataio import api as dataio
from rubrica.dedup import api as duplicates
from rubrica.documents import api as documents_api
from rubrica.jobs import api as jobs
from rubrica.kits.api import errors
from rubrica.kits.api.errors import PROBLEM_CONTENT_TYPE
from rubrica.mail import api as mail_api
from rubrica.merges import api as merges
from rubrica.notifications import api as notifications_api
from rubrica.organizations import api as organizations
from rubrica.organizations import api_affiliations as affiliations
from rubrica.privacy import api as privacy_api
from rubrica.quality import api as quality_api
from rubrica.search import api as search
from rubrica.segments import api as segments
from rubrica.sharing import api as sharing_api
from rubrica.tasks import api as tasks_api
from rubrica.taxonomy import api as taxonomy

DESCRIPTION = """\
Rubrica's REST API: people, organizations, affiliations, tags and custom fields.

**Authentication**: an API token as `Authorization: Bearer rbk_...`, or the browser session
(unsafe methods then need the `X-CSRFToken` header). A token needs the scope of the operation's
area (`contacts:read` for a GET under /contacts, `contacts:write` for a change; `read`/`write`
alone cover every area); a missing one answers 403 of type `missing-scope` naming it.

**Errors** are RFC 9457 problem documents (`application/problem+json`); a 422 carries
`errors: {field: message}` with paths such as `emails.0.value`.

**Concurrency**: reading one record returns an `ETag`; send it back as `If-Match` when changing
or deleting it, and a stale one answers 412 without changing anything.

**Lists** are keyset-paginated: `{"items": [...], "next_cursor": ..., "prev_cursor": ...}`;
pass a cursor back as `?cursor=` with the same filters, and `limit` (at most 200).
"""


#: The operationIds published while the routers lived in rubrica/api/ (ninja names an operation
#: ``<module>_<function>``). Generated clients name their methods after them, so a router that
#: moved into its app (ADR 0010) keeps the ids of its old module; a router added since gets
#: ninja's default (``rubrica_<app>_api_<function>``, like rubrica.quality.api).
PUBLISHED_OPERATION_IDS = {
    "rubrica.contacts.api": "rubrica_api_contacts",
    "rubrica.organizations.api": "rubrica_api_organizations",
    "rubrica.organizations.api_affiliations": "rubrica_api_affiliations",
    "rubrica.customfields.api": "rubrica_api_customfields",
    "rubrica.taxonomy.api": "rubrica_api_taxonomy",
    "rubrica.segments.api": "rubrica_api_segments",
    "rubrica.search.api": "rubrica_api_search",
    "rubrica.jobs.api": "rubrica_api_jobs",
    "rubrica.dedup.api": "rubrica_api_duplicates",
    "rubrica.merges.api": "rubrica_api_merges",
    "rubrica.dataio.api": "rubrica_api_dataio",
}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class JsonParser(Parser):
    """Strict JSON: NaN and Infinity (which json.loads accepts by default) are refused."""

    def parse_body(self, request: HttpRequest) -> Any:
        value = json.loads(request.body, parse_constant=_refuse_constant)
        try:  # lone surrogates ("\ud800") parse but cannot be stored
            json.dumps(value, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ValueError("the body contains text that is not valid Unicode") from None
        return value


class RubricaAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The published id of an operation of a router that moved (PUBLISHED_OPERATION_IDS)."""
        prefix = PUBLISHED_OPERATION_IDS.get(operation.view_func.__module__)
        if prefix is None:
            return super().get_openapi_operation_id(operation)
        return f"{prefix}_{operation.view_func.__name__}"

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """ninja labels every response application/json; errors are problem documents."""
        schema = super().get_openapi_schema(**kwargs)
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


api = RubricaAPI(
    title="Rubrica",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    parser=JsonParser(),
)
errors.install(api)


@api.exception_handler(MissingScope)
def on_missing_scope(request: HttpRequest, exc: MissingScope) -> HttpResponse:
    """A token without the scope of the operation's area: 403 naming the scope (ADR 0036)."""
    return errors.problem(
        403, "missing-scope", _("Forbidden"), str(exc), extra={"scope": exc.scope}
    )


def mount(prefix: str, router: Router, area: str) -> None:
    """Mount an app's router for the tokens of one area (``accounts.scopes.AREAS`` or
    ``admin``): every operation of it needs ``<area>:read`` or ``<area>:write`` from a token. The
    one way a router is added: a router mounted otherwise refuses tokens and fails
    tests/api/test_token_scopes.py."""
    if area != ADMIN and area not in AREAS:
        raise ValueError(f"unknown API area {area!r}")
    api.add_router(prefix, router, auth=auth_for(area))


mount("/contacts", contacts.router, "contacts")
mount("/organizations", organizations.router, "organizations")
mount("/affiliations", affiliations.router, "organizations")
mount("/custom-fields", customfields.router, "custom-fields")
mount("/segments", segments.router, "segments")
mount("/", search.router, "search")
mount("/", taxonomy.router, "tags")
mount("/jobs", jobs.router, "jobs")
mount("/duplicates", duplicates.router, "contacts")
mount("/merges", merges.router, "contacts")
mount("/imports", dataio.imports, "imports")
mount("/exports", dataio.exports, "exports")
mount("/quality", quality_api.router, "quality")
mount("/documents", documents_api.router, "documents")
mount("/tasks", tasks_api.router, "tasks")
mount("/notifications", notifications_api.router, "notifications")
mount("/activities", activities_api.router, "activities")
mount("/calendars", calendars_api.router, "calendars")
mount("/appointments", calendars_api.appointments, "calendars")
mount("/mail", mail_api.router, "mail")
mount("/me", accounts_api.me_router, "account")
mount("/team", accounts_api.team_router, ADMIN)
mount("/", roles_api.router, ADMIN)
mount("/", sharing_api.router, "sharing")
mount("/", privacy_api.router, "contacts")

fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    "/{path:rest}",
    auth=None,
    include_in_schema=False,
)
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Unknown URLs under /api/v1 answer a problem document too, not an HTML page."""
    return errors.problem(404, "not-found", _("Not found"), _("There is no such resource."))


api.add_router("", fallback)
