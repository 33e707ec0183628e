"""The data-quality report and its cleanings."""

from __future__ import annotations

from tests.matrix.doors import api, web

web("quality:report", rule="signed_in")
web("quality:invalid_phones", rule="signed_in", lists=True)
web("quality:invalid_emails", rule="signed_in", lists=True)
web("quality:refresh", "POST", rule="signed_in")
web(
    "quality:clean",
    "POST",
    rule="add",
    data=lambda w, c: {"action": "trim"},
)
web("quality:undo", "POST", kind="import", rule="own", cases=("missing",), refusals=(403,))
api("GET", "/quality/report", rule="signed_in")
api(
    "GET",
    "/quality/cleanings/{action}/preview",
    rule="signed_in",
    path=lambda w, c: "/api/v1/quality/cleanings/trim/preview",
)
api(
    "POST",
    "/quality/cleanings/{action}",
    rule="add",
    path=lambda w, c: "/api/v1/quality/cleanings/trim",
)
api("POST", "/quality/cleanings/undo/{job_id}", kind="import", rule="own", cases=("missing",))
