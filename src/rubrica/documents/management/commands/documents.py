"""`rubrica documents list|add|get`: a record's documents from the shell.

Records and documents are read through restrict() (an id the acting user may not see is "not
found", exit 1); `add` goes through documents.services, so the size cap and the sniffed type
apply exactly as on the web page (exit 2 naming the file); `get` writes the stored bytes to a
file or to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.core.models import Action
from rubrica.documents.attachables import attachable_kind, attachable_kinds
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
    get_or_not_found,
    invalid,
)

if TYPE_CHECKING:
    from rubrica.accounts.models import User
    from rubrica.documents.models import Document

EPILOG = gettext_lazy(
    "examples:\n"
    "  rubrica documents add contact 12 contract.pdf --title 'Signed contract'\n"
    "  rubrica documents list contact 12 --json\n"
    "  rubrica documents get 7 -o contract.pdf\n"
    "  rubrica documents get 7 --version 1 > first.pdf\n"
)


def document_row(document: Document) -> dict[str, Any]:
    version = document.current
    record = document.record
    return {
        "id": document.pk,
        "title": document.title,
        "record": str(record) if record is not None else None,
        "version": version.number if version else None,
        "file_name": version.original_name if version else None,
        "size": version.size if version else None,
        "content_type": version.content_type if version else None,
        "sha256": version.sha256 if version else None,
        "uploaded_at": version.uploaded_at.isoformat() if version else None,
    }


class Command(RubricaCommand):
    help = gettext_lazy("Documents attached to people and organizations: list, add, get.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        kinds = [kind.key for kind in attachable_kinds()]

        def sub(name: str, help_text: Any) -> Any:
            sub_parser = actions.add_parser(
                name,
                help=help_text,
                description=help_text,
                formatter_class=HelpFormatter,
                epilog=f"{EPILOG}\n{EXIT_CODES_HELP}",
            )
            add_acting_user_argument(sub_parser)
            return sub_parser

        listing = sub("list", gettext_lazy("List the documents of a record, newest first."))
        listing.add_argument("kind", choices=kinds)
        listing.add_argument("id", type=int)
        listing.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        add = sub("add", gettext_lazy("Attach a file to a record."))
        add.add_argument("kind", choices=kinds)
        add.add_argument("id", type=int)
        add.add_argument("path", help=gettext_lazy("The file to attach."))
        add.add_argument("--title", default="", help=gettext_lazy("Default: the file's name."))
        add.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

        get = sub("get", gettext_lazy("Write a document's file (its current version)."))
        get.add_argument("document", type=int, metavar="DOCUMENT_ID")
        get.add_argument("--version", type=int, help=gettext_lazy("An earlier version's number."))
        get.add_argument(
            "-o", "--output", help=gettext_lazy("Write to this file (default: standard output).")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options.get("as_user"))
        getattr(self, f"do_{options['action']}")(user, options)

    def _record(self, user: User, kind_key: str, pk: int) -> Any:
        kind = attachable_kind(kind_key)
        queryset = kind.model.objects.restrict(user, Action.VIEW)  # type: ignore[attr-defined]
        return get_or_not_found(
            queryset, pk, _("no %(kind)s with id %(id)s") % {"kind": kind_key, "id": pk}
        )

    def do_list(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.documents.selectors import documents_of

        record = self._record(user, options["kind"], options["id"])
        rows = [document_row(document) for document in documents_of(user, record)[:1000]]
        if options["json"]:
            self.out_json(rows)
            return
        if not rows:
            self.out(_("No documents."))
            return
        for row in rows:
            self.out(
                f"{row['id']}\t{row['title']}\tv{row['version']}\t{row['file_name']}\t"
                f"{row['content_type']}\t{row['size']}"
            )

    def do_add(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.documents.services import document_create

        record = self._record(user, options["kind"], options["id"])
        path = Path(options["path"])
        if not path.is_file():
            raise invalid("path", _("%(path)s is not a readable file.") % {"path": path})
        with path.open("rb") as handle:
            document = document_create(
                actor=user,
                record=record,
                upload=handle,
                title=options["title"],
                filename=path.name,
            )
        if options["json"]:
            self.out_json(document_row(document))
        else:
            self.out(
                _("Attached %(title)s as document %(id)s.")
                % {"title": document.title, "id": document.pk}
            )

    def do_get(self, user: User, options: dict[str, Any]) -> None:
        from rubrica.documents.models import Document
        from rubrica.documents.storage import documents_storage

        document = get_or_not_found(
            Document.objects.restrict(user, Action.VIEW),
            options["document"],
            _("no document with id %(id)s") % {"id": options["document"]},
        )
        number = options.get("version")
        version = (
            document.current if number is None else document.versions.filter(number=number).first()
        )
        if version is None:
            raise invalid("version", _("This document has no version %(n)s.") % {"n": number})
        with documents_storage().open(version.stored_name, "rb") as source:
            if options.get("output"):
                with open(options["output"], "wb") as target:
                    for chunk in source.chunks():
                        target.write(chunk)
            else:
                out = sys.stdout.buffer
                for chunk in source.chunks():
                    out.write(chunk)
                out.flush()
