"""Which profile attributes differ between Okta and the desired profile."""

from __future__ import annotations

from typing import Any

from contracts.activities import AttributeChange

# Okta compares these case-insensitively (logins and e-mail addresses), so must we:
# "Ada@Example.com" vs "ada@example.com" is not a change worth a write.
CASE_INSENSITIVE = frozenset({"login", "email", "secondEmail"})


def _normal(name: str, value: Any) -> Any:
    if value is None or value == "":
        return None  # Okta answers null for an attribute never set
    if name in CASE_INSENSITIVE and isinstance(value, str):
        return value.strip().lower()
    return value


def profile_changes(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, AttributeChange]:
    """Only the desired attributes whose value differs; unmentioned ones are left alone."""
    return {
        name: AttributeChange(before=current.get(name), after=value)
        for name, value in desired.items()
        if _normal(name, current.get(name)) != _normal(name, value)
    }
