"""The committed OpenAPI document: where it lives and how it is rendered.

The file is the API's contract: a change to it shows in review, and a test fails when the code
and the file differ (run ``make schema`` to rewrite it).
"""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA_PATH = Path(__file__).resolve().parent / "openapi.json"


def render_schema() -> str:
    """The document as committed: pretty-printed, keys sorted, one trailing newline."""
    from rubrica.api.api import api

    schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
