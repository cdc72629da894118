"""Okta `search` / `filter` expressions with correctly quoted values.

A value goes between double quotes with `\\` and `"` escaped, so a login or employee number
can never change the meaning of the expression. The query-string encoding of the whole
expression is httpx's job (`params=`), never done by hand.
"""

from __future__ import annotations


def quote_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def eq(attribute: str, value: str) -> str:
    """`profile.employeeNumber eq "123"`."""
    return f"{attribute} eq {quote_value(value)}"


def profile_eq(attribute: str, value: str) -> str:
    return eq(f"profile.{attribute}", value)
