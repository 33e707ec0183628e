"""Every door the code has, found by walking it: the URL patterns of ``rubrica.urls``, the
operations of the NinjaAPI and the actions of the ``rubrica`` commands that act as a user."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def _patterns(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield name, pattern


def web_doors() -> set[str]:
    """``web <url name>`` of each named URL pattern (a function view does not tell which methods
    it answers: a declaration names them)."""
    return {
        f"web {name}"
        for name, _pattern in _patterns(get_resolver().url_patterns)
        if not name.startswith("api")
    }


def api_doors() -> set[str]:
    """``api <METHOD> <route>`` for each operation, with ``{int:x}`` written ``{x}``."""
    from rubrica.api.api import api

    keys = set()
    for prefix, router in api._routers:
        for route, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = (prefix.rstrip("/") + route) or "/"
                if not full.startswith("/"):
                    full = "/" + full
                full = re.sub(r"\{\w+:(\w+)\}", r"{\1}", full)
                for method in operation.methods:
                    keys.add(f"api {method} {full}")
    return keys


def cli_doors() -> set[str]:
    """``cli <command> <action>`` for each action of a command that takes ``--as``."""
    from django.core.management import get_commands, load_command_class

    keys = set()
    for name, app in get_commands().items():
        if not app.startswith("rubrica"):
            continue
        command = load_command_class(app, name)
        parser = command.create_parser("rubrica", name)
        keys.update(_actions(parser, f"cli {name}"))
    return keys


def _actions(parser: argparse.ArgumentParser, prefix: str, takes_as: bool = False) -> set[str]:
    takes_as = takes_as or any("--as" in action.option_strings for action in parser._actions)
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        return {prefix} if takes_as else set()
    found: set[str] = set()
    for group in subparsers:
        for action, sub in group.choices.items():
            found |= _actions(sub, f"{prefix} {action}", takes_as)
    return found
