"""Custom search attributes: registered at start-up so the Temporal UI and `lifecycle ops
list` can filter employees by state, department and pending action."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

EMPLOYEE_ID = SearchAttributeKey.for_keyword("EmployeeId")
DEPARTMENT = SearchAttributeKey.for_keyword("Department")
LIFECYCLE_STATE = SearchAttributeKey.for_keyword("LifecycleState")
NEXT_ACTION = SearchAttributeKey.for_keyword("NextAction")
NEXT_ACTION_AT = SearchAttributeKey.for_datetime("NextActionAt")
# The action key the mass-change guard holds ("" when none): `HeldByGuard != ""` in the UI.
HELD_BY_GUARD = SearchAttributeKey.for_keyword("HeldByGuard")

ALL: list[SearchAttributeKey] = [
    EMPLOYEE_ID,
    DEPARTMENT,
    LIFECYCLE_STATE,
    NEXT_ACTION,
    NEXT_ACTION_AT,
    HELD_BY_GUARD,
]


def dev_server_flags() -> list[str]:
    """`temporal server start-dev --search-attribute Name=Type` for each attribute."""
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "TEXT": "Text", "INT": "Int"}
    flags = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return flags
