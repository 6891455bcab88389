"""Every multi-step conversation has a Mermaid state diagram beside its code."""

from __future__ import annotations

import re
from pathlib import Path

import bot.telegram

PACKAGE = Path(bot.telegram.__file__).parent
BUILDS_CONVERSATION = re.compile(r"\b(conversation|ConversationHandler)\(\s*\n?\s*\"")


def conversation_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.glob("*.py") if BUILDS_CONVERSATION.search(p.read_text()))


def test_the_conversation_modules_are_found() -> None:
    names = {p.stem for p in conversation_modules()}
    assert {"signup", "invite", "outcome_note", "availability", "pause"} <= names


def test_each_conversation_module_has_a_state_diagram_beside_it() -> None:
    for module in [*conversation_modules(), PACKAGE / "csv_import.py"]:
        diagram = module.with_suffix(".mmd")
        assert diagram.exists(), f"{module.name} has no {diagram.name}"
        text = diagram.read_text()
        assert text.startswith("stateDiagram-v2") and "[*] -->" in text, diagram.name
