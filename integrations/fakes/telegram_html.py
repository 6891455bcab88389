"""Telegram HTML ("parse_mode=HTML"): parsing into plain text and MessageEntity dicts."""

from __future__ import annotations

import re
from typing import Any

from integrations.fakes.bot_api_state import Invalid

_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d+)|#x([0-9a-fA-F]+));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_TYPES = {  # allowed tag -> the MessageEntity type it produces
    tag: kind
    for kind, tags in [
        ("bold", "b strong"),
        ("italic", "i em"),
        ("underline", "u ins"),
        ("strikethrough", "s strike del"),
        ("spoiler", "span tg-spoiler"),
        ("text_link", "a"),
        ("code", "code"),
        ("pre", "pre"),
        ("blockquote", "blockquote"),
        ("custom_emoji", "tg-emoji"),
    ]
    for tag in tags.split()
}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # Telegram's entity offsets count UTF-16 units


def _entity(
    name: str, attrs: dict[str, str], stack: list[Any], where: str
) -> dict[str, Any] | None:
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise Invalid(f'can\'t parse entities: tag "span" must have class "tg-spoiler" {where}')
    if name == "a":
        return {"type": "text_link", "url": attrs["href"]} if attrs.get("href") else None
    if name == "tg-emoji":
        if "emoji-id" not in attrs:
            raise Invalid(f'can\'t parse entities: tag "tg-emoji" must have "emoji-id" {where}')
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    if name == "code" and stack and stack[-1][0] == "pre":
        if attrs.get("class", "").startswith("language-") and stack[-1][2]:
            stack[-1][2]["language"] = attrs["class"][9:]
        return None  # <pre><code class=...> is one pre entity
    if name == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    return {"type": _ENTITY_TYPES[name]}


def parse_telegram_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse like Telegram: return (plain text, entities) or raise Invalid("can't parse ...").

    Stricter than Telegram in one way: a bare '&' is an error, so unescaped user text fails."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict[str, Any] | None]] = []
    pos = units = 0
    while pos < len(text):
        where = f"at byte offset {len(text[:pos].encode())}"
        if text[pos] == "<":
            m = _TAG_RE.match(text, pos)
            if not m:
                raise Invalid(f"can't parse entities: unexpected '<' {where}; escape it as &lt;")
            closing, name, raw_attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in _ENTITY_TYPES:
                raise Invalid(f'can\'t parse entities: unsupported start tag "{name}" {where}')
            if closing:
                entities += _close(name, stack, units, where)
            else:
                attrs = {a: v or s or b or "" for a, v, s, b in _ATTR_RE.findall(raw_attrs)}
                attrs = {k.lower(): _ENTITY_RE.sub(_decode, v) for k, v in attrs.items()}
                stack.append((name, units, _entity(name, attrs, stack, where)))
            pos = m.end()
            continue
        if text[pos] == "&":
            m = _ENTITY_RE.match(text, pos)
            if not m:
                raise Invalid(f"can't parse entities: unescaped '&' {where}; escape it as &amp;")
            chunk, pos = _decode(m), m.end()
        else:
            chunk, pos = text[pos], pos + 1
        out.append(chunk)
        units += _utf16_len(chunk)
    if stack:
        raise Invalid(f"can't parse entities: can't find end tag for start tag \"{stack[-1][0]}\"")
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _close(
    name: str, stack: list[tuple[str, int, dict[str, Any] | None]], units: int, where: str
) -> list[dict[str, Any]]:
    """An end tag closes the innermost open tag, giving its entity unless it is empty."""
    if not stack or stack[-1][0] != name:
        expected = f'"</{stack[-1][0]}>"' if stack else "no end tag"
        raise Invalid(
            f"can't parse entities: unmatched end tag {where}, "
            f'expected {expected}, found "</{name}>"'
        )
    _, start, ent = stack.pop()
    if ent is None or units <= start:
        return []
    return [{**ent, "offset": start, "length": units - start}]


def _decode(m: re.Match[str]) -> str:
    named, dec, hexa = m.groups()
    return _NAMED[named] if named else chr(int(dec) if dec else int(hexa, 16))


def command_entities(text: str) -> list[dict[str, Any]]:
    # Telegram marks a leading /command; PTB's CommandHandler relies on that entity.
    m = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?", text)
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(m.group())}] if m else []
