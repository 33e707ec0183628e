"""The house rules that import-linter cannot state: no app reaches into another app's private
names (``_clean``, ``_tag``...), whether imported by name or read off an imported module."""

from __future__ import annotations

import ast
from pathlib import Path

import rubrica

SRC = Path(rubrica.__file__).parent

#: Django's public API that happens to start with an underscore.
DJANGO_PUBLIC = {"_meta", "_default_manager", "_base_manager", "_state"}

#: Breaches being removed (issue 12); this set only ever shrinks, and must end empty.
KNOWN: set[str] = set()


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_of(path: Path) -> str:
    relative = path.relative_to(SRC.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def private_crossings() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = _module_of(path)
        app = _app(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        foreign_modules: dict[str, str] = {}  # local name -> imported module of another app
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if not node.module.startswith("rubrica.") or _app(node.module) == app:
                    continue
                for alias in node.names:
                    if alias.name.startswith("_"):
                        found.add(f"{module} -> {node.module}.{alias.name}")
                    else:
                        foreign_modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("rubrica.") and _app(alias.name) != app:
                        foreign_modules[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in DJANGO_PUBLIC
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign_modules
            ):
                found.add(f"{module} -> {foreign_modules[node.value.id]}.{node.attr}")
    return found


def test_no_app_imports_a_private_name_of_another_app():
    found = private_crossings()
    assert found - KNOWN == set(), "a private name crosses an app: make it public or move it"


def test_the_known_breaches_are_still_there_so_the_list_shrinks_when_one_is_fixed():
    assert KNOWN - private_crossings() == set()


def test_the_check_sees_a_private_name_imported_across_apps(tmp_path, monkeypatch):
    # Given a module of one app importing a private helper of another, by name and by module
    package = tmp_path / "rubrica"
    (package / "alpha").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "alpha" / "__init__.py").write_text("")
    (package / "alpha" / "views.py").write_text(
        "from rubrica.beta.services import _clean, public\n"
        "from rubrica.beta import services as beta\n"
        "from rubrica.alpha.models import _own\n"
        "def f():\n    return beta._snapshot(), beta.public()\n"
    )
    monkeypatch.setattr(__name__ + ".SRC", package)
    # Then both crossings are found, and the app's own private import is not
    assert private_crossings() == {
        "rubrica.alpha.views -> rubrica.beta.services._clean",
        "rubrica.alpha.views -> rubrica.beta.services._snapshot",
    }
