"""Imports (and their revert) and exports."""

from __future__ import annotations

from django.urls import reverse

from tests.matrix.doors import api, web

DRAFT = lambda name: lambda w, c: reverse(f"dataio:{name}", args=["a" * 32])  # noqa: E731

web("dataio:import_upload", rule="add")
web(
    "dataio:import_mapping",
    rule="view",
    kind="import",
    cases=("missing",),
    path=DRAFT("import_mapping"),
)
web(
    "dataio:import_preview",
    rule="view",
    kind="import",
    cases=("missing",),
    path=DRAFT("import_preview"),
)
web("dataio:import_report", kind="import", rule="job_act")
web("dataio:import_rows", kind="import", rule="job_act")
web("dataio:import_revert", "POST", kind="import", rule="job_act")
web("dataio:export_create", rule="signed_in")
web(
    "dataio:export_create",
    "POST",
    rule="export",
    data=lambda w, c: {"format": "csv", "scope": "all"},
)
web(
    "dataio:export_create",
    "POST",
    rule="export",
    label="web POST dataio:export_create (organizations)",
    data=lambda w, c: {"entity": "organizations", "format": "csv"},
)
web("dataio:export_download", kind="export", rule="job_act")
web("dataio:contact_vcard", kind="contact")

api("POST", "/imports", rule="add", refusals=(422,), body="multipart", data=lambda w, c: {})
api("GET", "/imports/{job_id}", kind="import", rule="job_view")
api("GET", "/imports/{job_id}/report", kind="import", rule="job_act")
api("POST", "/imports/{job_id}/revert", kind="import", rule="job_act")
api(
    "POST",
    "/exports",
    rule="export",
    data=lambda w, c: {"format": "csv", "selection": {"filters": {}}},
)
api(
    "POST",
    "/exports",
    rule="export",
    label="api POST /exports (organizations)",
    data=lambda w, c: {
        "entity": "organizations",
        "format": "xlsx",
        "selection": {"ids": [w.record("organization", "team").pk]},
    },
)
api("GET", "/exports/{job_id}", kind="export", rule="job_view")
api("GET", "/exports/{job_id}/download", kind="export", rule="job_act")
