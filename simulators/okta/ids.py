"""Okta-looking object ids (`00u…` users, `00g…` groups) that sort in creation order.

Okta pages lists by id (`after=<last id>`); making our ids grow with creation lets the
store keep users in a dict in insertion order and page with a plain `id > after` test.
"""

from __future__ import annotations

import secrets

# ASCII order, so that fixed-width strings compare like the numbers they encode.
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits))


def make_id(prefix: str, sequence: int) -> str:
    """`prefix` + 10 ordered characters from `sequence` + 7 random ones (20 in all, as Okta)."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(7))
    return f"{prefix}{_base62(sequence, 10)}{suffix}"


def random_token(length: int = 20) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
