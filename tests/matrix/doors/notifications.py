"""Notifications: each person's own."""

from __future__ import annotations

from tests.matrix.doors import api, web

web("notifications:list", rule="signed_in", lists=True)
web("notifications:badge", rule="signed_in")
web("notifications:read_all", "POST", rule="signed_in")
web("notifications:read", "POST", kind="notification", rule="own_strict")
web("notifications:preferences", rule="signed_in")
web("notifications:preferences", "POST", rule="signed_in", data=lambda w, c: {})
api("GET", "/notifications", rule="signed_in", lists=True)
api("POST", "/notifications/read-all", rule="signed_in")
api("POST", "/notifications/{notification_id}/read", kind="notification", rule="own_strict")
