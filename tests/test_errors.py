"""One kind of error a person sees (rota.errors): front-ends phrase replies from nothing else."""

from __future__ import annotations

import ast
from pathlib import Path

import rota.errors

ROOT = Path(__file__).resolve().parent.parent
BUILTIN_MISTAKES = {"ValueError", "LookupError", "PermissionError", "KeyError", "IndexError"}

# Catches of a builtin in bot/ that phrase no reply from the exception's text.
ALLOWED = {
    ("bot/commands.py", "parse_day"): "int()/date() on what was typed, said as InvalidInput",
    ("bot/sms/webhook.py", "verified_form"): "a body that is not a form: not Twilio's",
    ("bot/telegram/webhook.py", "read_update"): "a body that is not JSON: not Telegram's",
    ("bot/cli/common.py", "_os_user"): "no login name: the audit log says 'unknown'",
}


def _names(node: ast.expr | None) -> set[str]:
    kinds = node.elts if isinstance(node, ast.Tuple) else [node]
    return {kind.id for kind in kinds if isinstance(kind, ast.Name)}


class _Catches(ast.NodeVisitor):
    """(file, function) of every `except` of a builtin like ValueError, or a tuple of them."""

    def __init__(self, path: str) -> None:
        self.path, self.function, self.found = path, "<module>", set[tuple[str, str]]()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if _names(node.type) & BUILTIN_MISTAKES:
            self.found.add((self.path, self.function))
        self.generic_visit(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:  # e.g. USER_ERRORS = (ValueError, ...)
        if _names(node) & BUILTIN_MISTAKES:
            self.found.add((self.path, self.function))
        self.generic_visit(node)


def builtin_catches(folder: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        catches = _Catches(str(path.relative_to(ROOT)))
        catches.visit(ast.parse(path.read_text(encoding="utf-8")))
        found |= catches.found
    return found


def test_front_ends_turn_no_builtin_error_into_a_reply():
    assert builtin_catches("bot") <= set(ALLOWED), "catch rota.errors.Refused instead"


def test_the_errors_a_person_sees_are_imported_from_rota_errors_only():
    names = {name for name, value in vars(rota.errors).items() if isinstance(value, type)}
    wrong = {
        f"{path.relative_to(ROOT)} imports {alias.name} from {node.module}"
        for folder in ("bot", "rota", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module != "rota.errors"
        for alias in node.names
        if alias.name in names
    }
    assert not wrong, sorted(wrong)


def test_a_refusal_is_not_a_builtin_error_but_a_bad_value_is_also_a_value_error():
    assert not issubclass(rota.errors.Refused, ValueError | LookupError | PermissionError)
    assert issubclass(rota.errors.InvalidInput, ValueError)
