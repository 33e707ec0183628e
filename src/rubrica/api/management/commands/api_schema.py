"""``manage.py api_schema [--check]``: write (or check) the committed OpenAPI document."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rubrica.api.schema_file import SCHEMA_PATH, render_schema


class Command(BaseCommand):
    help = "Write the REST API's OpenAPI document to src/rubrica/api/openapi.json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail when the committed document is out of date.",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        rendered = render_schema()
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if check:
            if current != rendered:
                raise CommandError(
                    f"{SCHEMA_PATH} is out of date with the API code: run `make schema`."
                )
            self.stdout.write("The OpenAPI document is up to date.")
            return
        if current == rendered:
            self.stdout.write(f"{SCHEMA_PATH} is already up to date.")
            return
        SCHEMA_PATH.write_text(rendered, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {SCHEMA_PATH}."))
