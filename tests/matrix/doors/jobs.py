"""Jobs: import and export jobs follow the imports/exports grant (ADR 0033): their team sees
them, their contents and actions need all, "team, private included" or being the owner."""

from __future__ import annotations

from tests.matrix.doors import api, web

web("jobs:list", rule="signed_in", lists=True)
web("jobs:detail", kind="import", rule="job_view")
web("jobs:cancel", "POST", kind="import", rule="job_act")
web("jobs:resume", "POST", kind="import", rule="job_act")
web("jobs:download", kind="export", rule="job_act")
api("GET", "/jobs", rule="signed_in", lists=True)
api("GET", "/jobs/{job_id}", kind="import", rule="job_view")
api("POST", "/jobs/{job_id}/cancel", kind="import", rule="job_act")
api("POST", "/jobs/{job_id}/resume", kind="import", rule="job_act")
api("GET", "/jobs/{job_id}/download", kind="export", rule="job_act")
