"""PostgreSQL: a trigram index over the documents' text with every word start marked, so that
1–2 character terms (word prefixes) are served by an index instead of a scan of every document.
See rubrica.search.backends.WORD_STARTS."""

from django.db import migrations

from rubrica.search.backends import WORD_STARTS


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX search_document_starts_trgm ON search_searchdocument "
            f"USING gin (({WORD_STARTS}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_document_starts_trgm")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_vocabulary")]

    operations = [migrations.RunPython(create, drop)]
