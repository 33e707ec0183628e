from django.db import migrations, models

COLUMNS = "name, email, phone, org, tag, other"
NEW = ", ".join(f"new.{c.strip()}" for c in COLUMNS.split(","))
OLD = ", ".join(f"old.{c.strip()}" for c in COLUMNS.split(","))
FTS_TABLES = {
    "search_fts_trigram": "tokenize='trigram'",
    "search_fts_word": "tokenize='unicode61 remove_diacritics 2', prefix='1 2'",
}


def sqlite_statements():
    for table, options in FTS_TABLES.items():
        yield (
            f"CREATE VIRTUAL TABLE {table} USING fts5({COLUMNS}, "
            f"content='search_searchdocument', content_rowid='id', {options})"
        )
        yield (
            f"CREATE TRIGGER {table}_ai AFTER INSERT ON search_searchdocument BEGIN "
            f"INSERT INTO {table}(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END"
        )
        yield (
            f"CREATE TRIGGER {table}_ad AFTER DELETE ON search_searchdocument BEGIN "
            f"INSERT INTO {table}({table}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); END"
        )
        yield (
            f"CREATE TRIGGER {table}_au AFTER UPDATE ON search_searchdocument BEGIN "
            f"INSERT INTO {table}({table}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); "
            f"INSERT INTO {table}(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END"
        )


def create_engine_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in sqlite_statements():
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX search_document_body_trgm ON search_searchdocument "
            "USING gin (body gin_trgm_ops)"
        )


def drop_engine_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in FTS_TABLES:
            for suffix in ("ai", "ad", "au"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_document_body_trgm")


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("contact", "person"), ("organization", "organization")], max_length=16, verbose_name="kind")),
                ("record_id", models.BigIntegerField(verbose_name="record id")),
                ("name", models.TextField(blank=True, verbose_name="names")),
                ("email", models.TextField(blank=True, verbose_name="emails")),
                ("phone", models.TextField(blank=True, verbose_name="phones")),
                ("org", models.TextField(blank=True, verbose_name="organization, title, place")),
                ("tag", models.TextField(blank=True, verbose_name="tags")),
                ("other", models.TextField(blank=True, verbose_name="notes and custom fields")),
                ("body", models.TextField(blank=True, verbose_name="all text")),
            ],
            options={
                "verbose_name": "search document",
                "verbose_name_plural": "search documents",
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "record_id"), name="search_document_unique")
                ],
            },
        ),
        migrations.RunPython(create_engine_indexes, drop_engine_indexes),
    ]
