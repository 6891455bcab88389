"""Test helpers live in tests/support: no test module or conftest is imported as a library."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_only_tests_support_is_imported_from_the_tests_package():
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in ("tests", "benchmarks", "bot", "rota", "integrations", "config")
        for path in (ROOT / folder).rglob("*.py")
        for name in imported_modules(path)
        if (name.startswith("tests.") and not name.startswith("tests.support.")) or name == "tests"
    }
    assert not wrong, sorted(wrong)
