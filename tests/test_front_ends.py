"""The front-ends (bot/) open no transactions: each belongs to a use-case in rota/services,
so what one request changes commits or rolls back as one, whichever channel it came by."""

from __future__ import annotations

import re
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
OPENING = re.compile(r"\.(transaction|begin|begin_nested)\(")


def test_no_module_of_bot_opens_a_transaction():
    found = [
        f"{path.relative_to(BOT.parent)}:{number}"
        for path in sorted(BOT.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OPENING.search(line)
    ]
    assert found == []


def test_the_check_would_see_one():
    assert OPENING.search("    async with runtime.db.transaction() as session:")
    assert OPENING.search("async with engine.begin() as connection:")
