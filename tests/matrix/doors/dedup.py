"""Duplicate pairs and merges (and their undo)."""

from __future__ import annotations

from tests.matrix.doors import api, web


def _merge_pair(w, c):
    return {"survivor": w.pk("contact", c), "merged": w.record("contact", "team_twin").pk}


web("dedup:list", rule="signed_in", lists=True)
web("dedup:dismiss", "POST", kind="pair", rule="change", refusals=(302,))
web("dedup:scan", "POST", rule="add", refusals=(302,))
web("merges:list", rule="signed_in", lists=True)
web(
    "merges:new",
    kind="contact",
    rule="view",
    path=lambda w, c: (
        f"/merges/new/?a={w.pk('contact', c)}&b={w.record('contact', 'team_twin').pk}"
    ),
)
web(
    "merges:new",
    "POST",
    kind="contact",
    rule="change",
    refusals=(200, 302, 422),
    path=lambda w, c: (
        f"/merges/new/?a={w.pk('contact', c)}&b={w.record('contact', 'team_twin').pk}"
    ),
    data=lambda w, c: {
        "a": w.pk("contact", c),
        "b": w.record("contact", "team_twin").pk,
        "survivor": "a",
    },
)
web("merges:undo", "POST", kind="merge", rule="change")

api("GET", "/duplicates", rule="signed_in", lists=True)
api("POST", "/duplicates/scan", rule="add")
api("POST", "/duplicates/{pair_id}/dismiss", kind="pair", rule="change")
api("POST", "/merges", kind="contact", rule="change", refusals=(200, 302, 422), data=_merge_pair)
api("GET", "/merges/{merge_id}", kind="merge", rule="view")
api("POST", "/merges/{merge_id}/undo", kind="merge", rule="change")
