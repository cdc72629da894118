"""Matching HR values against configured values: exact or glob, case-insensitive.

Used by group rules (`match:` / `unless:`) and by conditional profile variants (`when:`).
Case-insensitive because HR data is typed by people ("Engineering manager") and a group
that silently stops matching over capitalisation is worse than one that matches generously.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatchcase

_GLOB_CHARS = frozenset("*?[")


def is_pattern(value: str) -> bool:
    return any(c in _GLOB_CHARS for c in value)


def value_matches(actual: str | None, wanted: str) -> bool:
    """`wanted` is an exact value or a glob (`*Manager*`); an empty `actual` never matches."""
    if actual is None or actual == "":
        return False
    left = actual.strip().casefold()
    right = wanted.strip().casefold()
    return fnmatchcase(left, right) if is_pattern(right) else left == right


def any_matches(actual: str | None, wanted: Iterable[str]) -> bool:
    """A list of wanted values is ORed."""
    return any(value_matches(actual, w) for w in wanted)


def all_conditions(
    conditions: Mapping[str, Iterable[str]], lookup: Callable[[str], str | None]
) -> bool:
    """Conditions on different fields are ANDed; an empty mapping matches everything."""
    return all(any_matches(lookup(field), wanted) for field, wanted in conditions.items())


def same_text(left: str, right: str) -> bool:
    return left.strip().casefold() == right.strip().casefold()
