"""Planner statistics for the case-insensitive city and country filters, on PostgreSQL only.

The people filter compares ``UPPER(country) = UPPER(value)`` (Django's ``iexact``), an expression
PostgreSQL keeps no statistics for: it guessed 0.5% of the people for any country, and for deep
pages of country=Italy (26% of 1M people) picked a bitmap scan and a sort of every older match,
190-270 ms, instead of walking the updated_at index, 10 ms (measured by bench/run.py). Statistics on
the expressions (PostgreSQL 14+) correct the estimate with no index to maintain; they fill at the
next ANALYZE. SQLite compares with LIKE and needs nothing.
"""

from django.db import migrations

STATISTICS = (("contact_country_ci_stats", "country"), ("contact_city_ci_stats", "city"))


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in STATISTICS:
        schema_editor.execute(
            f'CREATE STATISTICS IF NOT EXISTS {name} ON (UPPER("{column}"::text)) '
            "FROM contacts_contact"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_initial")]
    operations = [migrations.RunPython(create, drop)]
