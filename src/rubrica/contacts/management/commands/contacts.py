"""`rubrica contacts list|show|add|edit|delete|restore`: people from the shell.

Reads start from the selectors (so `--as` sees exactly what that user sees in the web UI) and
writes go through contacts.services, like every other door, with the same rules: `--if-version`
is the service's ``expected_version``, and the duplicate warning is the service's too. `add` and
`edit` refuse a person who looks like someone already there (exit 5, the likely duplicates listed
on stderr) unless given `--allow-duplicate`; they never ask, so that scripts and pipes behave the
same as a terminal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import User
from rubrica.contacts.cli import filter_params, list_row, resolve_named_filters
from rubrica.contacts.models import Contact
from rubrica.contacts.types import ContactInput
from rubrica.core.models import Action, Visibility
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_INVALID,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
    invalid,
    parse_json_object,
)
from rubrica.organizations.selectors import visible_organization_ids

#: Collections that `--set kind=a,b` fills with plain values (addresses need --data).
SIMPLE_COLLECTIONS = ("emails", "phones", "urls", "profiles")

LIST_EPILOG = gettext_lazy(
    "filters (--filter key=value, repeatable):\n"
    "  q=TEXT  tag=NAME|ID  stage=NAME|ID  owner=USERNAME|ID  team=NAME|ID  organization=ID\n"
    "  city=TEXT  country=TEXT  has_email=true|false  has_phone=true|false\n"
    "  created_from/created_to/updated_from/updated_to=YYYY-MM-DD  cf_KEY=VALUE\n"
    "sort (write --sort=-name for descending): name -name email -email city -city\n"
    "  country -country created -created updated -updated\n"
    "\n"
    "examples:\n"
    "  rubrica contacts list --filter tag=VIP --filter city=Milano\n"
    "  rubrica contacts list --json --limit 200 --cursor NEXT_CURSOR_FROM_LAST_PAGE\n"
)
EDIT_EPILOG = gettext_lazy(
    "--set takes field=value and may be repeated. Fields: given_name, family_name, prefix,\n"
    "additional_name, suffix, display_name, nicknames, title, role, gender, birthday,\n"
    "anniversary, languages, time_zone, notes, source, stage, owner, team, visibility,\n"
    "tags (comma-separated), emails/phones/urls/profiles (comma-separated values, replacing\n"
    "the current ones), cf.KEY for a custom field. An empty value clears the field.\n"
    "Use --data JSON (or @file.json, or - for stdin) for addresses and labelled values.\n"
    "\n"
    "example:\n"
    "  rubrica contacts edit 42 --set title=CTO --set tags=VIP,Partner --set cf.size=12\n"
)


#: `add`/`edit` refused because the person looks like someone already there.
EXIT_DUPLICATES = 5
DUPLICATES_EPILOG = gettext_lazy(
    "  5  likely duplicates: nothing was saved; the people it looks like are listed on\n"
    "     stderr, and --allow-duplicate saves anyway"
)
ALLOW_DUPLICATE_HELP = gettext_lazy(
    "Save even when the person looks like someone already there (otherwise the command lists "
    "the likely duplicates, saves nothing and exits 5)."
)


def _person_not_found(pk: int) -> str:
    return _("no person with id %(id)s") % {"id": pk}


class Command(RubricaCommand):
    help = gettext_lazy("Work with people: list, show, add, edit, delete, restore.")

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        def sub(name: str, help_text: Any, epilog: Any = None, warns: bool = False) -> Any:
            codes = f"{EXIT_CODES_HELP}\n{DUPLICATES_EPILOG}" if warns else str(EXIT_CODES_HELP)
            sub_parser = actions.add_parser(
                name,
                help=help_text,
                description=help_text,
                formatter_class=HelpFormatter,
                epilog=f"{epilog}\n{codes}" if epilog else codes,
            )
            add_acting_user_argument(sub_parser)
            return sub_parser

        listing = sub("list", gettext_lazy("List people, filtered and sorted."), LIST_EPILOG)
        listing.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=gettext_lazy("Narrow the list (see below); repeat for several."),
        )
        listing.add_argument("--sort", default="name", help=gettext_lazy("Default: name."))
        listing.add_argument(
            "--limit", type=int, default=50, help=gettext_lazy("People per page, 1-200.")
        )
        listing.add_argument(
            "--cursor", help=gettext_lazy("Continue from a page (next_cursor of the last one).")
        )
        listing.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        show = sub("show", gettext_lazy("Show one person."))
        show.add_argument("id", type=int)
        show.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        add = sub("add", gettext_lazy("Add a person."), warns=True)
        add.add_argument("--given-name")
        add.add_argument("--family-name")
        add.add_argument("--display-name")
        add.add_argument("--title")
        add.add_argument("--notes")
        add.add_argument(
            "--email", action="append", default=[], help=gettext_lazy("Repeat for several.")
        )
        add.add_argument(
            "--phone", action="append", default=[], help=gettext_lazy("Repeat for several.")
        )
        add.add_argument(
            "--tag", action="append", default=[], help=gettext_lazy("Repeat for several.")
        )
        add.add_argument("--stage", help=gettext_lazy("Lifecycle stage, by name or id."))
        add.add_argument("--owner", help=gettext_lazy("Username of the owner (admins only)."))
        add.add_argument("--visibility", choices=Visibility.values)
        add.add_argument(
            "--data",
            metavar="JSON",
            help=gettext_lazy("All fields as a JSON object, @file.json, or - for stdin."),
        )
        add.add_argument("--allow-duplicate", action="store_true", help=ALLOW_DUPLICATE_HELP)
        add.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        edit = sub("edit", gettext_lazy("Change fields of a person."), EDIT_EPILOG, warns=True)
        edit.add_argument("id", type=int)
        edit.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help=gettext_lazy("Change one field (see below); repeat for several."),
        )
        edit.add_argument(
            "--data",
            metavar="JSON",
            help=gettext_lazy("Fields to change as a JSON object, @file.json, or - for stdin."),
        )
        edit.add_argument(
            "--if-version",
            type=int,
            metavar="N",
            help=gettext_lazy("Refuse (exit 4) if the person is no longer at this version."),
        )
        edit.add_argument("--allow-duplicate", action="store_true", help=ALLOW_DUPLICATE_HELP)
        edit.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        delete = sub("delete", gettext_lazy("Move a person to the Trash (restorable)."))
        delete.add_argument("id", type=int)

        restore = sub("restore", gettext_lazy("Take a person out of the Trash."))
        restore.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options.get("as_user"))
        handler = getattr(self, f"do_{options['action']}")
        handler(user, options)

    # list -------------------------------------------------------------------------------------

    def do_list(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.contacts.filters import ContactFilter
        from rubrica.contacts.selectors import contact_list

        params = filter_params(options["filter"])
        resolve_named_filters(params)
        params["sort"] = [options["sort"]]
        flt, errors = ContactFilter.parse(params)
        if errors:
            raise CliError([f"{k}: {v}" for k, v in sorted(errors.items())], EXIT_INVALID)
        if not 1 <= options["limit"] <= 200:
            raise invalid("limit", _("Choose a number from 1 to 200."))
        page = contact_list(user=user, flt=flt, cursor=options["cursor"], size=options["limit"])
        visible = visible_organization_ids(user, (c.organization_id for c in page.items))
        if options["json"]:
            self.out_json(
                {
                    "items": [list_row(contact, visible) for contact in page.items],
                    "next_cursor": page.next_cursor,
                    "prev_cursor": page.prev_cursor,
                }
            )
            return
        self.print_table(page.items, visible)
        if page.next_cursor:
            self.out(_("More: add --cursor %(cursor)s") % {"cursor": page.next_cursor})

    def print_table(self, contacts: list[Contact], visible: set[int]) -> None:
        from rich.table import Table

        console = self.console()
        if not contacts:
            console.print(_("No people match."))
            return
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        for heading in (
            _("ID"),
            _("Name"),
            _("Email"),
            _("Phone"),
            _("Organization"),
            _("City"),
            _("Stage"),
            _("Tags"),
        ):
            table.add_column(heading, overflow="fold", min_width=min(len(heading), 12))
        for contact in contacts:
            row = list_row(contact, visible)
            table.add_row(
                str(row["id"]),
                row["display_name"],
                row["email"],
                row["phone"],
                row["organization"] or "",
                row["city"],
                row["stage"] or "",
                ", ".join(row["tags"]),
            )
        console.print(table)

    # show -------------------------------------------------------------------------------------

    def do_show(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.contacts.selectors import contact_detail_qs

        contact = get_or_not_found(
            contact_detail_qs(user, Action.VIEW), options["id"], _person_not_found(options["id"])
        )
        self.print_contact(contact, user, as_json=options["json"])

    def print_contact(self, contact: Contact, user: User, *, as_json: bool) -> None:
        from rubrica.customfields.models import Entity
        from rubrica.customfields.protection import audit_read, field_access, shown_protected

        data = detail(contact, user)
        # a sensitive value shown is an audit entry, as on the page and in the API (ADR 0027)
        audit_read(user, contact, shown_protected(field_access(user, Entity.CONTACT), data), "cli")
        if as_json:
            self.out_json(data)
            return
        from rich.table import Table

        from rubrica.customfields.services import definitions_for

        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")

        def add(label: str, value: Any) -> None:
            if value not in ("", None, [], {}):
                table.add_row(label, str(value))

        add(_("ID"), data["id"])
        add(_("Name"), data["display_name"])
        add(_("Title"), data["title"])
        for aff in data["affiliations"]:
            parts = [aff["organization_name"], aff["title"], aff["department"]]
            add(_("Organization"), " · ".join(p for p in parts if p))
        for kind, label in (
            ("emails", _("Email")),
            ("phones", _("Phone")),
            ("urls", _("Web")),
            ("profiles", _("Profile")),
        ):
            for row in data[kind]:
                tail = f" ({row['label']})" if row["label"] else ""
                add(label, f"{row['value']}{tail}")
        for row in data.get("addresses", []):  # absent when protected (ADR 0027)
            parts = [row[p] for p in ("street", "city", "region", "postal_code", "country")]
            add(_("Address"), ", ".join(p for p in parts if p))
        add(_("Birthday"), data.get("birthday"))
        add(_("Stage"), data["stage"])
        add(_("Tags"), ", ".join(data["tags"]))
        labels = {d.key: d.label for d in definitions_for(Entity.CONTACT)}
        for key, value in data["custom_fields"].items():
            add(labels.get(key, key), ", ".join(value) if isinstance(value, list) else value)
        add(_("Owner"), data["owner"])
        add(_("Visibility"), contact.get_visibility_display())
        add(_("Notes"), data.get("notes"))
        add(_("Version"), data["version"])
        add(_("Updated"), timezone.localtime(contact.updated_at).strftime("%Y-%m-%d %H:%M"))
        self.console().print(table)

    # add / edit ------------------------------------------------------------------------------

    def do_add(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.contacts.selectors import contact_detail_qs
        from rubrica.contacts.services import contact_create

        data = parse_json_object(options["data"]) if options["data"] else {}
        for name in ("given_name", "family_name", "display_name", "title", "notes", "stage"):
            if options[name] is not None:
                data[name] = options[name]
        for name in ("owner", "visibility"):
            if options[name] is not None:
                data[name] = options[name]
        for flag, kind in (("email", "emails"), ("phone", "phones")):
            if options[flag]:
                existing = data.get(kind) or []
                if not isinstance(existing, list):
                    raise invalid(kind, _("Enter a list."))
                data[kind] = [*existing, *({"value": value} for value in options[flag])]
        if options["tag"]:
            existing_tags = data.get("tags") or []
            if not isinstance(existing_tags, list):
                raise invalid("tags", _("Enter a list."))
            data["tags"] = [*existing_tags, *options["tag"]]
        with _duplicates_refused():
            contact = contact_create(
                actor=user,
                data=cast(ContactInput, data),  # the flags and --data's JSON, cleaned there
                allow_duplicates=options["allow_duplicate"],
            )
        if options["json"]:
            self.print_contact(contact_detail_qs(user).get(pk=contact.pk), user, as_json=True)
            return
        self.out(
            _("Added %(name)s (id %(id)d).") % {"name": contact.display_name, "id": contact.pk}
        )

    def do_edit(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.contacts.selectors import contact_detail_qs
        from rubrica.contacts.services import contact_update

        contact = get_or_not_found(
            contact_detail_qs(user, Action.VIEW), options["id"], _person_not_found(options["id"])
        )
        data = parse_json_object(options["data"]) if options["data"] else {}
        for item in options["set"]:
            _apply_set(data, item)
        if not data:
            raise invalid("set", _("Give at least one --set field=value, or --data."))
        with _duplicates_refused():
            updated = contact_update(
                actor=user,
                contact=contact,
                data=cast(ContactInput, data),  # --set and --data's JSON, cleaned there
                expected_version=options["if_version"],
                allow_duplicates=options["allow_duplicate"],
            )
        if options["json"]:
            self.print_contact(contact_detail_qs(user).get(pk=updated.pk), user, as_json=True)
            return
        if updated.version == contact.version:
            self.out(_("Nothing changed."))
        else:
            self.out(
                _("Updated %(name)s (id %(id)d), now version %(version)d.")
                % {"name": updated.display_name, "id": updated.pk, "version": updated.version}
            )

    # delete / restore -------------------------------------------------------------------------

    def do_delete(self, user: User, options: dict[str, Any]) -> None:
        from django.conf import settings

        from rubrica.contacts.services import contact_delete

        pk = options["id"]
        contact = get_or_not_found(
            Contact.objects.restrict(user, Action.VIEW), pk, _person_not_found(pk)
        )
        contact_delete(actor=user, contact=contact)
        self.out(
            _("Moved %(name)s (id %(id)d) to the Trash.") % {"name": contact.display_name, "id": pk}
        )
        self.out(
            _(
                "Restore it with `rubrica contacts restore %(id)d` (or from the Trash in the web "
                "interface) within %(days)d days; after that it is purged for good."
            )
            % {"id": pk, "days": settings.RUBRICA_TRASH_RETENTION_DAYS}
        )

    def do_restore(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.contacts.services import contact_restore

        pk = options["id"]
        contact = get_or_not_found(
            Contact.all_objects.restrict(user, Action.VIEW), pk, _person_not_found(pk)
        )
        if contact.deleted_at is None:
            self.out(_("%(name)s is not in the Trash.") % {"name": contact.display_name})
            return
        contact_restore(actor=user, contact=contact)
        self.out(_("Restored %(name)s (id %(id)d).") % {"name": contact.display_name, "id": pk})


@contextlib.contextmanager
def _duplicates_refused() -> Iterator[None]:
    """The service's duplicate warning as this door shows it: the message, one line per likely
    duplicate (id, name, why) and how to save anyway, with exit code 5."""
    from rubrica.contacts.services import DuplicatesFound

    try:
        yield
    except DuplicatesFound as exc:
        lines = [*exc.messages]
        for candidate in exc.candidates:
            lines.append(
                _("likely duplicate: %(name)s (id %(id)d): %(reasons)s")
                % {
                    "name": candidate.display_name,
                    "id": candidate.pk,
                    "reasons": ", ".join(candidate.labels),
                }
            )
        lines.append(_("Add --allow-duplicate to save anyway."))
        raise CliError(lines, EXIT_DUPLICATES) from exc


def _apply_set(data: dict[str, Any], item: str) -> None:
    """Fold one ``field=value`` into the service input ``data``."""
    name, sep, value = item.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name:
        raise invalid("set", _("Write --set field=value, not %(item)r.") % {"item": item})
    value = value.strip()
    for prefix in ("cf.", "cf_", "custom_fields."):
        if name.startswith(prefix):
            key = name[len(prefix) :]
            custom = data.setdefault("custom_fields", {})
            if not isinstance(custom, dict):
                raise invalid("custom_fields", _("Enter a JSON object."))
            custom[key] = value or None
            return
    if name == "addresses":
        raise invalid("addresses", _("Use --data for addresses."))
    if name in SIMPLE_COLLECTIONS:
        data[name] = [{"value": part.strip()} for part in value.split(",") if part.strip()]
        return
    data[name] = value


def detail(contact: Contact, user: User) -> dict[str, Any]:
    """A person in the services' input shape plus the identifiers a script needs."""
    from rubrica.contacts.services import snapshot

    data: dict[str, Any] = {
        "id": contact.pk,
        "uid": contact.uid,
        "version": contact.version,
        "created_at": contact.created_at.isoformat(),
        "updated_at": contact.updated_at.isoformat(),
    }
    from rubrica.customfields.models import Entity
    from rubrica.customfields.protection import field_access, present

    data.update(present(field_access(user, Entity.CONTACT), snapshot(contact)))
    affiliations = list(contact.affiliations.all())
    visible = visible_organization_ids(user, (aff.organization_id for aff in affiliations))
    data["affiliations"] = [
        {
            "organization": aff.organization_id,
            "organization_name": aff.organization.name,
            "title": aff.title,
            "department": aff.department,
            "start_date": aff.start_date.isoformat() if aff.start_date else None,
            "end_date": aff.end_date.isoformat() if aff.end_date else None,
            "is_primary": aff.is_primary,
        }
        for aff in affiliations
        if aff.organization_id in visible
    ]
    return data
