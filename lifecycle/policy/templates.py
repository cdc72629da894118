"""Templates such as `"{preferredName|firstName} {lastName}"` for profile values and logins.

A placeholder names one or more alternatives separated by `|`; the first that has a value
wins. An alternative is a field name (anything `HrView.get` resolves: `workEmail`, `4001`,
`manager.displayName`) or a quoted literal (`{nickname|'n/a'}`). `{{` and `}}` are literal
braces. Templates are parsed when the policy is loaded, so a syntax error is reported with
its file and line instead of surfacing on some employee months later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MANAGER_FIELDS = ("id", "employeeNumber", "displayName", "workEmail")


@dataclass(frozen=True, slots=True)
class Literal:
    text: str


@dataclass(frozen=True, slots=True)
class FieldRef:
    name: str


Alternative = Literal | FieldRef


@dataclass(frozen=True, slots=True)
class Placeholder:
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    parts: tuple[str | Placeholder, ...]

    def fields(self) -> list[str]:
        return [
            alt.name
            for part in self.parts
            if isinstance(part, Placeholder)
            for alt in part.alternatives
            if isinstance(alt, FieldRef)
        ]

    def render(self, lookup: Callable[[str], str | None]) -> str | None:
        """Fill the placeholders; None when the result is blank.

        Whitespace left by empty placeholders is collapsed ("Ada  Lovelace" → "Ada Lovelace")
        so an optional middle part does not leave double spaces behind.
        """
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            for alt in part.alternatives:
                value = alt.text if isinstance(alt, Literal) else lookup(alt.name)
                if value is not None and value != "":
                    out.append(value)
                    break
        text = "".join(out)
        if not text.strip():
            return None
        if any(isinstance(p, Placeholder) for p in self.parts):
            text = re.sub(r"\s{2,}", " ", text).strip()
        return text


class TemplateError(ValueError):
    pass


def is_template(text: str) -> bool:
    return "{" in text or "}" in text


def check_field_name(name: str) -> str:
    """Validate a source field name; returns it stripped."""
    name = name.strip()
    if not name:
        raise TemplateError("empty field name")
    if any(c in name for c in "{}|'\""):
        raise TemplateError(f"invalid field name {name!r}")
    if name.startswith("manager."):
        sub = name.removeprefix("manager.")
        if sub not in MANAGER_FIELDS:
            allowed = ", ".join(f"manager.{f}" for f in MANAGER_FIELDS)
            raise TemplateError(f"unknown manager field {name!r} (use one of: {allowed})")
    return name


def _alternative(text: str) -> Alternative:
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
        return Literal(stripped[1:-1])
    return FieldRef(check_field_name(stripped))


def parse_template(source: str) -> Template:
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "{" and source.startswith("{{", i):
            literal.append("{")
            i += 2
        elif char == "}" and source.startswith("}}", i):
            literal.append("}")
            i += 2
        elif char == "{":
            end = _placeholder_end(source, i + 1)
            if end < 0:
                raise TemplateError(f"unclosed '{{' in template {source!r}")
            body = source[i + 1 : end]
            if not body.strip():
                raise TemplateError(f"empty placeholder '{{}}' in template {source!r}")
            if literal:
                parts.append("".join(literal))
                literal = []
            try:
                alternatives = tuple(_alternative(a) for a in _split_alternatives(body))
            except TemplateError as exc:
                raise TemplateError(f"{exc} in template {source!r}") from None
            parts.append(Placeholder(alternatives))
            i = end + 1
        elif char == "}":
            raise TemplateError(f"unmatched '}}' in template {source!r} (write '}}}}')")
        else:
            literal.append(char)
            i += 1
    if literal:
        parts.append("".join(literal))
    return Template(source, tuple(parts))


def _placeholder_end(source: str, start: int) -> int:
    quote: str | None = None
    for index in range(start, len(source)):
        char = source[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "{":
            return -1
        elif char == "}":
            return index
    return -1


def _split_alternatives(body: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for char in body:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char == "|":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces
