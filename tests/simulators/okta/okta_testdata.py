"""Generated test people for the Okta simulator tests (no real-name lists)."""

from __future__ import annotations

from typing import Any


def profile(n: int | str, **extra: Any) -> dict[str, Any]:
    login = f"user{n}@example.test"
    return {
        "login": login,
        "email": login,
        "firstName": f"First{n}",
        "lastName": f"Last{n}",
        **extra,
    }
