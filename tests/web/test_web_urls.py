"""The door mounts each app's settings pages in the one "settings" namespace at fixed paths."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("settings:index", [], "/settings/"),
        ("settings:users", [], "/settings/users/"),
        ("settings:password_change", [], "/settings/password/"),
        ("settings:fields", [], "/settings/fields/"),
        ("settings:field_create", ["contact"], "/settings/fields/contact/new/"),
        ("settings:field_delete", [3], "/settings/fields/3/delete/"),
        ("settings:tags", [], "/settings/lists/tags/"),
        ("settings:stage_move", [3], "/settings/lists/stages/3/move/"),
        ("settings:kind_delete", [3], "/settings/lists/kinds/3/delete/"),
    ],
)
def test_settings_pages_keep_their_paths_and_namespace(name, args, path):
    assert reverse(name, args=args) == path
    assert resolve(path).namespace == "settings"
    assert resolve(path).view_name == name
