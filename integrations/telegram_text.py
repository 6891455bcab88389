"""Telegram HTML messages that fit: Telegram refuses a text over 4,096 characters.

A long text is split at line breaks; a tag open at a cut (a report's <pre>) is closed at the
end of one part and opened again at the start of the next, so every part is valid HTML on its
own. Length is counted in UTF-16 units of the HTML itself: never less than what Telegram counts
after parsing entities, so a part that fits here fits there.
"""

from __future__ import annotations

import re

MAX_TEXT = 4096
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _after(stack: list[tuple[str, str]], line: str) -> list[tuple[str, str]]:
    """The tags still open after `line`, as (name, opening tag)."""
    stack = list(stack)
    for match in _TAG.finditer(line):
        closing, name = match[1] == "/", match[2].lower()
        if not closing:
            stack.append((name, match[0]))
        elif stack and stack[-1][0] == name:
            stack.pop()
    return stack


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _hard_cut(line: str, room: int) -> tuple[str, str]:
    """Cut a single over-long line at a space, never inside a tag or an &entity;."""
    cut = room
    while cut > 0 and (
        line.rfind("<", 0, cut) > line.rfind(">", 0, cut)
        or line.rfind("&", 0, cut) > line.rfind(";", 0, cut)
    ):
        cut -= 1
    space = line.rfind(" ", 0, cut)
    cut = space if space > room // 2 else cut
    return line[:cut], line[cut:]


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    if _size(text) <= limit:
        return [text]
    margin = 64  # room for the closing and re-opening tags of a cut
    lines: list[str] = []
    for line in text.split("\n"):
        while _size(line) > limit - margin:
            head, line = _hard_cut(line, limit - margin)
            lines.append(head)
        lines.append(line)
    parts: list[str] = []
    current, stack = (
        "",
        list[tuple[str, str]](),
    )  # current part (with its re-opened tags), tags open at its end
    for line in lines:
        after = _after(stack, line)
        candidate = f"{current}\n{line}" if current else line
        if current and _size(candidate + _closing(after)) > limit:
            parts.append(current + _closing(stack))
            candidate = "".join(tag for _, tag in stack) + line
        current, stack = candidate, after
    parts.append(current + _closing(stack))
    return [p for p in parts if p.strip()]
