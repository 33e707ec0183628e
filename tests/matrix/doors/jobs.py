"""Jobs: a person's own; administrators see everyone's."""

from __future__ import annotations

from tests.matrix.doors import api, web

web("jobs:list", rule="signed_in", lists=True)
web("jobs:detail", kind="import", rule="own")
web("jobs:cancel", "POST", kind="import", rule="own")
web("jobs:resume", "POST", kind="import", rule="own")
web("jobs:download", kind="export", rule="own")
api("GET", "/jobs", rule="signed_in", lists=True)
api("GET", "/jobs/{job_id}", kind="import", rule="own")
api("POST", "/jobs/{job_id}/cancel", kind="import", rule="own")
api("POST", "/jobs/{job_id}/resume", kind="import", rule="own")
api("GET", "/jobs/{job_id}/download", kind="export", rule="own")
