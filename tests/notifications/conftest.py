from __future__ import annotations

from typing import Any

import pytest

from rubrica.notifications import registry
from rubrica.notifications.registry import Channel, NotificationKind


@pytest.fixture
def scratch(monkeypatch: Any) -> None:
    """Registrations made by a test are forgotten after it; two test kinds are known."""
    monkeypatch.setattr(registry, "_KINDS", dict(registry._KINDS))
    monkeypatch.setattr(registry, "_SCHEDULES", {})
    registry.register_kind(NotificationKind(key="test.ping", label="Ping"))
    registry.register_kind(NotificationKind(key="test.optin", label="Opt-in", default_channels=()))
    registry.register_kind(
        NotificationKind(key="test.app", label="App only", default_channels=(Channel.IN_APP,))
    )
