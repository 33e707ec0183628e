"""Copy pinned front-end assets from node_modules into the Django static tree.

Run after ``npm ci --ignore-scripts`` (``make assets`` does both). The result under
``src/rubrica/web/static/vendor/`` is committed, so installing or running Rubrica never
needs Node. See docs/assets.md.

Source-map comments are stripped from the copied CSS/JS because the ``.map`` files are
not vendored and whitenoise's manifest storage fails on references to missing files.
A ``MANIFEST.json`` recording package, version, path and sha256 of every vendored file
is written next to the assets and checked by ``tests/web/test_vendor_manifest.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR_DIR = ROOT / "src" / "rubrica" / "web" / "static" / "vendor"
PACKAGE_JSON = ROOT / "package.json"
MANIFEST_NAME = "MANIFEST.json"


@dataclass(frozen=True)
class Asset:
    package: str
    source: str  # relative to node_modules/<package>/
    dest: str  # relative to the vendor directory


ASSETS: tuple[Asset, ...] = (
    Asset("bootstrap", "dist/css/bootstrap.min.css", "bootstrap/css/bootstrap.min.css"),
    Asset("bootstrap", "dist/css/bootstrap.rtl.min.css", "bootstrap/css/bootstrap.rtl.min.css"),
    Asset("bootstrap", "dist/js/bootstrap.bundle.min.js", "bootstrap/js/bootstrap.bundle.min.js"),
    # The icons stylesheet refers to url("fonts/bootstrap-icons.woff2?..."), so the
    # fonts/ directory must stay beside it.
    Asset(
        "bootstrap-icons",
        "font/bootstrap-icons.min.css",
        "bootstrap-icons/bootstrap-icons.min.css",
    ),
    Asset(
        "bootstrap-icons",
        "font/fonts/bootstrap-icons.woff2",
        "bootstrap-icons/fonts/bootstrap-icons.woff2",
    ),
    Asset(
        "bootstrap-icons",
        "font/fonts/bootstrap-icons.woff",
        "bootstrap-icons/fonts/bootstrap-icons.woff",
    ),
    Asset("htmx.org", "dist/htmx.min.js", "htmx/htmx.min.js"),
    Asset(
        "@event-calendar/build",
        "dist/event-calendar.min.js",
        "event-calendar/event-calendar.min.js",
    ),
    Asset(
        "@event-calendar/build",
        "dist/event-calendar.min.css",
        "event-calendar/event-calendar.min.css",
    ),
    # Only the browser tests load it (the WCAG colour-contrast check, ADR 0021); no page does.
    Asset("axe-core", "axe.min.js", "axe-core/axe.min.js"),
)

TEXT_SUFFIXES = frozenset({".css", ".js"})

# A whole line that is only a source-map comment, in CSS (/*# ... */) or JS (//# ...)
# form; the legacy "@" marker is accepted too.
_SOURCEMAP_LINE = re.compile(
    rb"^[ \t]*(?:/\*[#@][ \t]*sourceMappingURL=[^\r\n]*?\*/|//[#@][ \t]*sourceMappingURL=[^\r\n]*)"
    rb"[ \t]*(?:\r\n|\n|\r)?$",
    re.MULTILINE,
)


class VendorError(Exception):
    """Raised when node_modules does not match what package.json pins."""


def strip_source_maps(data: bytes) -> bytes:
    """Remove source-map comment lines; fail if a reference survives elsewhere."""
    stripped = _SOURCEMAP_LINE.sub(b"", data)
    if b"sourceMappingURL" in stripped:
        raise VendorError("sourceMappingURL found outside a standalone comment line")
    return stripped


def read_pins(package_json: Path) -> dict[str, str]:
    data = json.loads(package_json.read_text(encoding="utf-8"))
    deps = data.get("dependencies", {})
    if not isinstance(deps, dict):
        raise VendorError(f"{package_json}: 'dependencies' is not an object")
    return {str(name): str(version) for name, version in deps.items()}


def installed_version(node_modules: Path, package: str) -> str:
    manifest = node_modules / package / "package.json"
    if not manifest.is_file():
        raise VendorError(f"{manifest} missing; run `npm ci --ignore-scripts` first")
    version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    if not isinstance(version, str):
        raise VendorError(f"{manifest}: no version field")
    return version


def vendor(node_modules: Path, vendor_dir: Path, package_json: Path) -> list[dict[str, str]]:
    pins = read_pins(package_json)
    versions: dict[str, str] = {}
    for package in sorted({asset.package for asset in ASSETS}):
        version = installed_version(node_modules, package)
        pinned = pins.get(package)
        if pinned != version:
            raise VendorError(
                f"{package}: installed {version} but package.json pins {pinned!r}; "
                "run `npm ci --ignore-scripts`"
            )
        versions[package] = version

    # Read everything before touching the destination so a failure leaves it intact.
    contents: dict[str, bytes] = {}
    for asset in ASSETS:
        source = node_modules / asset.package / asset.source
        if not source.is_file():
            raise VendorError(f"{source} missing")
        data = source.read_bytes()
        if source.suffix in TEXT_SUFFIXES:
            data = strip_source_maps(data)
        contents[asset.dest] = data

    # The vendor directory is fully owned by this script: rebuild it from scratch so
    # stale files from older versions do not linger.
    if vendor_dir.exists():
        shutil.rmtree(vendor_dir)
    entries: list[dict[str, str]] = []
    for asset in ASSETS:
        data = contents[asset.dest]
        target = vendor_dir / asset.dest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        entries.append(
            {
                "package": asset.package,
                "version": versions[asset.package],
                "path": asset.dest,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    entries.sort(key=lambda entry: entry["path"])
    manifest_text = json.dumps(entries, indent=2) + "\n"
    (vendor_dir / MANIFEST_NAME).write_text(manifest_text, encoding="utf-8")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--node-modules", type=Path, default=NODE_MODULES)
    parser.add_argument("--dest", type=Path, default=VENDOR_DIR)
    parser.add_argument("--package-json", type=Path, default=PACKAGE_JSON)
    args = parser.parse_args(argv)
    try:
        entries = vendor(args.node_modules, args.dest, args.package_json)
    except VendorError as exc:
        print(f"vendor_assets: error: {exc}", file=sys.stderr)
        return 1
    for entry in entries:
        print(f"{entry['package']}@{entry['version']}  {entry['path']}")
    print(f"wrote {len(entries)} files and {MANIFEST_NAME} to {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
