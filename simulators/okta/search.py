"""Okta `search` / `filter` expressions: parse once, check against a dialect, evaluate fast.

Grammar (SCIM-like, as Okta documents it):

    expr    := term ("or" term)*
    term    := factor ("and" factor)*
    factor  := "(" expr ")" | ATTR "pr" | ATTR OP VALUE
    OP      := eq | sw | co | gt | ge | lt | le          (case-insensitive)
    VALUE   := "string" | number | true | false | null

What differs between `search` and `filter`, users and groups (which attributes, which
operators, whether string values compare case-insensitively) is a `Dialect`. An
expression is compiled into a predicate over the stored record (a dict).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulators.okta.errors import OktaError, invalid_search

Predicate = Callable[[dict[str, Any]], bool]

OPERATORS = {"eq", "sw", "co", "gt", "ge", "lt", "le", "pr"}
_KEYWORDS = {"and", "or", "not", *OPERATORS}


@dataclass(frozen=True)
class Dialect:
    """What an expression may use. `profile_known` decides which `profile.*` names exist."""

    name: str
    attributes: frozenset[str]
    dates: frozenset[str]
    operators: frozenset[str]
    case_insensitive: bool
    profile_prefix: bool = False
    # attribute -> operators allowed beyond `operators` restrictions
    restricted_ops: dict[str, frozenset[str]] = field(default_factory=dict)
    # operator -> the only attributes it may be used with (e.g. `co`)
    op_attributes: dict[str, frozenset[str]] = field(default_factory=dict)


USER_DATES = frozenset(
    {"created", "lastUpdated", "activated", "statusChanged", "lastLogin", "passwordChanged"}
)
GROUP_DATES = frozenset({"created", "lastUpdated", "lastMembershipUpdated"})

USER_SEARCH = Dialect(
    name="search",
    attributes=frozenset({"id", "status", "type.id", *USER_DATES}),
    dates=USER_DATES,
    operators=frozenset(OPERATORS),
    case_insensitive=True,
    profile_prefix=True,
    op_attributes={
        "co": frozenset({"profile.firstName", "profile.lastName", "profile.email", "profile.login"})
    },
)

USER_FILTER = Dialect(
    name="filter",
    attributes=frozenset(
        {
            "status",
            "lastUpdated",
            "id",
            "profile.login",
            "profile.email",
            "profile.firstName",
            "profile.lastName",
        }
    ),
    dates=frozenset({"lastUpdated"}),
    operators=frozenset({"eq"}),
    case_insensitive=False,
    restricted_ops={"lastUpdated": frozenset({"eq", "gt", "ge", "lt", "le"})},
)

GROUP_SEARCH = Dialect(
    name="search",
    attributes=frozenset({"id", "type", "source.id", *GROUP_DATES}),
    dates=GROUP_DATES,
    operators=frozenset(OPERATORS),
    case_insensitive=True,
    profile_prefix=True,
    op_attributes={"co": frozenset({"profile.name", "profile.description"})},
)

GROUP_FILTER = Dialect(
    name="filter",
    attributes=frozenset({"id", "type", "lastUpdated", "lastMembershipUpdated"}),
    dates=frozenset({"lastUpdated", "lastMembershipUpdated"}),
    operators=frozenset({"eq"}),
    case_insensitive=False,
    restricted_ops={
        "lastUpdated": frozenset({"eq", "gt", "ge", "lt", "le"}),
        "lastMembershipUpdated": frozenset({"eq", "gt", "ge", "lt", "le"}),
    },
)


# --- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "string", "lparen", "rparen"
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            tokens.append(Token("lparen", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(Token("rparen", ch, i))
            i += 1
        elif ch == '"':
            start, i, chars = i, i + 1, []
            while True:
                if i >= n:
                    raise invalid_search(f"Unterminated string starting at position {start}")
                if text[i] == "\\" and i + 1 < n:
                    chars.append(text[i + 1])
                    i += 2
                elif text[i] == '"':
                    i += 1
                    break
                else:
                    chars.append(text[i])
                    i += 1
            tokens.append(Token("string", "".join(chars), start))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '()"':
                i += 1
            tokens.append(Token("word", text[start:i], start))
    return tokens


# --- parse ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    attribute: str
    op: str
    value: Any


@dataclass(frozen=True)
class Logical:
    op: str  # "and" | "or"
    left: Any
    right: Any


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise invalid_search("Unexpected end of expression")
        self.i += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.lower() in words:
            self.i += 1
            return token.text.lower()
        return None

    def parse(self) -> Any:
        node = self.expr()
        token = self.peek()
        if token is not None:
            raise invalid_search(f"Unexpected '{token.text}' at position {token.pos}")
        return node

    def expr(self) -> Any:
        node = self.term()
        while self.keyword("or"):
            node = Logical("or", node, self.term())
        return node

    def term(self) -> Any:
        node = self.factor()
        while self.keyword("and"):
            node = Logical("and", node, self.factor())
        return node

    def factor(self) -> Any:
        token = self.take()
        if token.kind == "lparen":
            node = self.expr()
            closing = self.take()
            if closing.kind != "rparen":
                raise invalid_search(f"Expected ')' at position {closing.pos}")
            return node
        if token.kind != "word" or token.text.lower() in _KEYWORDS:
            raise invalid_search(
                f"Expected an attribute at position {token.pos}, got '{token.text}'"
            )
        attribute = token.text
        op_token = self.take()
        op = op_token.text.lower()
        if op_token.kind != "word" or op not in OPERATORS:
            raise invalid_search(
                f"Unsupported operator '{op_token.text}' at position {op_token.pos}"
            )
        if op == "pr":
            return Compare(attribute, "pr", None)
        return Compare(attribute, op, self.value())

    def value(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return token.text
        if token.kind == "word":
            word = token.text.lower()
            if word in {"true", "false"}:
                return word == "true"
            if word == "null":
                return None
            try:
                return int(token.text)
            except ValueError:
                try:
                    return float(token.text)
                except ValueError:
                    pass
        raise invalid_search(f"Expected a value at position {token.pos}, got '{token.text}'")


def parse(text: str) -> Any:
    if not text or not text.strip():
        raise invalid_search("The expression is empty")
    return _Parser(tokenize(text)).parse()


# --- check and compile ----------------------------------------------------------------------


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _getter(attribute: str) -> Callable[[dict[str, Any]], Any]:
    parts = attribute.split(".")
    if len(parts) == 1:
        key = parts[0]
        return lambda record: record.get(key)
    if len(parts) == 2:
        outer, inner = parts

        def get2(record: dict[str, Any]) -> Any:
            nested = record.get(outer)
            if isinstance(nested, list):  # e.g. a LogEvent's `target` array
                return [n.get(inner) for n in nested if isinstance(n, dict)]
            return nested.get(inner) if isinstance(nested, dict) else None

        return get2

    def get_n(record: dict[str, Any]) -> Any:
        value: Any = record
        for part in parts:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    return get_n


def _check(node: Compare, dialect: Dialect, profile_known: Callable[[str], bool] | None) -> None:
    attribute = node.attribute
    if attribute.startswith("profile.") and dialect.profile_prefix:
        name = attribute.removeprefix("profile.")
        if profile_known is not None and not profile_known(name):
            raise invalid_search(f"Unknown property '{attribute}'")
    elif attribute not in dialect.attributes:
        raise invalid_search(f"Property '{attribute}' is not supported in {dialect.name}")
    allowed = dialect.restricted_ops.get(attribute, dialect.operators)
    if node.op not in allowed:
        raise invalid_search(
            f"Operator '{node.op}' is not supported for '{attribute}' in {dialect.name}"
        )
    only = dialect.op_attributes.get(node.op)
    if only is not None and attribute not in only:
        raise invalid_search(
            f"Operator '{node.op}' can only be used with {', '.join(sorted(only))}"
        )
    if attribute in dialect.dates and node.op != "pr" and parse_date(node.value) is None:
        raise invalid_search(f"'{node.value}' is not a valid date-time for '{attribute}'")


def _scalar_test(op: str, value: Any, date: bool, ci: bool) -> Callable[[Any], bool]:
    if date:
        target_dt = parse_date(value)

        def date_test(actual: Any) -> bool:
            when = parse_date(actual)
            if when is None or target_dt is None:
                return False
            return _ordered(op, when, target_dt)

        return date_test
    if isinstance(value, str):
        target = value.lower() if ci else value

        def text_test(actual: Any) -> bool:
            if not isinstance(actual, str):
                return False
            text = actual.lower() if ci else actual
            if op == "eq":
                return text == target
            if op == "sw":
                return text.startswith(target)
            if op == "co":
                return target in text
            return _ordered(op, text, target)

        return text_test

    def other_test(actual: Any) -> bool:
        if (
            actual is None
            or isinstance(actual, str)
            or isinstance(actual, bool) != isinstance(value, bool)
        ):
            return op == "eq" and actual is value is None
        if op == "eq":
            return bool(actual == value)
        if op in {"sw", "co"}:
            return False
        try:
            return _ordered(op, actual, value)
        except TypeError:
            return False

    return other_test


def _ordered(op: str, left: Any, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "gt":
        return bool(left > right)
    if op == "ge":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    if op == "le":
        return bool(left <= right)
    return False


def _compile(node: Any, dialect: Dialect, profile_known: Callable[[str], bool] | None) -> Predicate:
    if isinstance(node, Logical):
        left = _compile(node.left, dialect, profile_known)
        right = _compile(node.right, dialect, profile_known)
        if node.op == "and":
            return lambda record: left(record) and right(record)
        return lambda record: left(record) or right(record)
    _check(node, dialect, profile_known)
    get = _getter(node.attribute)
    if node.op == "pr":
        return lambda record: get(record) not in (None, "", [])
    test = _scalar_test(
        node.op, node.value, node.attribute in dialect.dates, dialect.case_insensitive
    )

    def predicate(record: dict[str, Any]) -> bool:
        actual = get(record)
        if isinstance(actual, list):  # arrays match when any element does (SCIM)
            return any(test(item) for item in actual)
        return test(actual)

    return predicate


def compile_expression(
    text: str, dialect: Dialect, profile_known: Callable[[str], bool] | None = None
) -> Predicate:
    """Parse and check `text`; raise OktaError 400 E0000031 when Okta would reject it."""
    try:
        return _compile(parse(text), dialect, profile_known)
    except OktaError:
        raise
    except RecursionError:
        raise invalid_search("The expression is too complex") from None
