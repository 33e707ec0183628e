"""SQLite through pysqlite3, whose wheel bundles a current SQLite (see ADR 0001)."""
