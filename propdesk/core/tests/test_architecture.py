"""Architecture rules (STYLE §9): API handlers and views never write models directly; domain
modules stay pure. A dependency-free stand-in for semgrep bans."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
WRITE_CALLS = {
    "save",
    "delete",
    "update",
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "bulk_update",
}


def _handler_modules() -> list[Path]:
    files = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        if path.name in {"api.py", "views.py"} or path.parent.name in {"api", "views"}:
            files.append(path)
    return sorted(files)


def _write_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            owner = node.func.value
            # `.objects.create(`, `.save(`, `qs.update(` … ; `request.session` writes are allowed.
            if attr in WRITE_CALLS and not (
                isinstance(owner, ast.Attribute) and owner.attr == "session"
            ):
                found.append(f"line {node.lineno}: .{attr}(")
    return found


@pytest.mark.parametrize("path", _handler_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_handlers_do_not_write_models(path: Path) -> None:
    assert _write_calls(ast.parse(path.read_text(encoding="utf-8"))) == []


def _domain_modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if (p.name in {"domain.py", "worktime.py"} or "domain" in p.parts)
        and "tests" not in p.parts
    )


@pytest.mark.parametrize("path", _domain_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_modules_are_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"django", "requests", "urllib", "socket", "time"})


def test_the_architecture_checks_find_something() -> None:
    # Guard against a check that can never fail: a handler that saves is caught.
    assert _write_calls(ast.parse("def v(request):\n    obj.save()\n    X.objects.create()")) == [
        "line 2: .save(",
        "line 3: .create(",
    ]
    assert len(_handler_modules()) >= 6
