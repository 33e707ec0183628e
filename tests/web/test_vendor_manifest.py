"""The vendored front-end assets match MANIFEST.json and the pins in package.json.

Plain file reads only: no Django, no node_modules. Refresh the assets with
``make assets`` (see docs/assets.md) if this fails after changing package.json.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR_DIR = ROOT / "src" / "rubrica" / "web" / "static" / "vendor"
MANIFEST_PATH = VENDOR_DIR / "MANIFEST.json"
PACKAGE_JSON = ROOT / "package.json"
ENTRY_KEYS = {"package", "version", "path", "sha256"}


def _load_manifest() -> list[dict[str, Any]]:
    data = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, list), "MANIFEST.json must be a list"
    return data


MANIFEST = _load_manifest()


def _entry_id(entry: dict[str, Any]) -> str:
    return str(entry.get("path", "?"))


def test_manifest_is_not_empty() -> None:
    assert MANIFEST


def test_manifest_paths_are_unique() -> None:
    paths = [entry["path"] for entry in MANIFEST]
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize("entry", MANIFEST, ids=_entry_id)
def test_entry_file_exists_with_recorded_sha256(entry: dict[str, Any]) -> None:
    assert set(entry) == ENTRY_KEYS
    rel = PurePosixPath(entry["path"])
    assert not rel.is_absolute() and ".." not in rel.parts, rel
    file = VENDOR_DIR.joinpath(*rel.parts)
    assert file.is_file(), f"{rel} listed in MANIFEST.json but missing"
    assert hashlib.sha256(file.read_bytes()).hexdigest() == entry["sha256"], rel


def test_every_vendored_file_is_listed() -> None:
    on_disk = {
        file.relative_to(VENDOR_DIR).as_posix()
        for file in VENDOR_DIR.rglob("*")
        if file.is_file() and file != MANIFEST_PATH
    }
    listed = {entry["path"] for entry in MANIFEST}
    assert on_disk == listed


def test_versions_match_package_json_pins() -> None:
    pins = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["dependencies"]
    for entry in MANIFEST:
        assert entry["package"] in pins, f"{entry['package']} not in package.json"
        assert entry["version"] == pins[entry["package"]], entry["path"]


def test_no_source_map_references() -> None:
    # The .map files are not vendored; a dangling reference breaks manifest storage.
    for entry in MANIFEST:
        if entry["path"].endswith((".css", ".js")):
            data = (VENDOR_DIR / entry["path"]).read_bytes()
            assert b"sourceMappingURL" not in data, entry["path"]


def test_icon_fonts_resolve_relative_to_stylesheet() -> None:
    css_path = VENDOR_DIR / "bootstrap-icons" / "bootstrap-icons.min.css"
    css = css_path.read_text(encoding="utf-8")
    for font in ("bootstrap-icons.woff2", "bootstrap-icons.woff"):
        assert f'url("fonts/{font}' in css or f'url("./fonts/{font}' in css, font
        assert (css_path.parent / "fonts" / font).is_file(), font
