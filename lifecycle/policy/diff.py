"""Desired vs actual: the profile attributes and group memberships to change in Okta.

Pure and deterministic (sorted lists, no sets leaking out) so it is safe to call from
workflow code as well as from activities.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any


def is_case_insensitive(attribute: str) -> bool:
    """Logins and email addresses compare case-insensitively (Okta treats them so)."""
    name = attribute.casefold()
    return name in ("login", "email") or name.endswith(("email", "login"))


def same_value(attribute: str, desired: Any, actual: Any) -> bool:
    if desired == actual:
        return True
    if desired is None or actual is None:
        return False
    if isinstance(desired, bool) or isinstance(actual, bool):
        return False
    if isinstance(desired, str) and isinstance(actual, str):
        if is_case_insensitive(attribute):
            return desired.casefold() == actual.casefold()
        return False
    # Okta may hand back a number where the policy produced text ("42" vs 42).
    if isinstance(desired, str | int | float) and isinstance(actual, str | int | float):
        return str(desired) == str(actual)
    return False


def profile_changes(
    desired: Mapping[str, Any], actual: Mapping[str, Any], *, clear: Collection[str] = ()
) -> dict[str, Any]:
    """Only the attributes whose desired value differs from Okta's.

    A desired None means "no value in HR: leave Okta's alone", except for attributes in
    `clear` (the policy's `clear_when_empty`), which are then cleared (set to None).
    Attributes not in `desired` are never touched.
    """
    changes: dict[str, Any] = {}
    for attribute in sorted(desired):
        want = desired[attribute]
        have = actual.get(attribute)
        if want is None or want == "":
            if attribute in clear and have not in (None, ""):
                changes[attribute] = None
            continue
        if not same_value(attribute, want, have):
            changes[attribute] = want
    return changes


def group_changes(
    desired: Iterable[str], actual: Iterable[str], managed: Iterable[str]
) -> tuple[list[str], list[str]]:
    """(to_add, to_remove), both sorted, restricted to managed groups.

    A group not in `managed` is never added or removed, whatever `desired` says: groups
    that IT or other tools assign are none of this service's business.
    """
    managed_set = set(managed)
    want = set(desired) & managed_set
    have = set(actual) & managed_set
    return sorted(want - have), sorted(have - want)
