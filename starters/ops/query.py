"""Visibility queries over the employee workflows' search attributes (`lifecycle ops list`).

The same strings work in the Temporal UI's search box and in `temporal workflow list
--query`, which is why `ops list --show-query` prints them. Only the operators every
visibility store supports are used (`=`, `IN`, `<`, `IS NOT NULL`, `AND`): the dev server's
SQLite store and Temporal Cloud must answer the same query; ORDER BY is not among them, so
rows are sorted here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from contracts.employee import WORKFLOW_NAME, LifecycleState
from lifecycle.models import ActionKind
from workflows import search_attributes as sa

ANY_ACTION = "any"
_RELATIVE = re.compile(r"^\+?(\d+(?:\.\d+)?)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class QueryError(ValueError):
    """An operator's filter value that cannot become a query (message names the option)."""


def literal(value: str) -> str:
    """A visibility string literal. Values are department names and enum values; a value
    holding both quote characters cannot be expressed, so it is refused rather than mangled."""
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    raise QueryError(f"cannot filter on a value containing both quote characters: {value!r}")


def instant(value: datetime) -> str:
    return literal(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """`--due-before`: an ISO date (midnight UTC), an ISO datetime (UTC when no offset), or a
    span from now such as `7d`, `36h`, `2w`, `90m`."""
    raw = text.strip()
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(raw.lower())
    if match:
        amount, unit = float(match.group(1)), match.group(2)
        return now + timedelta(**{_UNITS[unit]: amount})
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=UTC)
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"--due-before: not a date, datetime or span: {text!r} "
            "(e.g. 2026-07-01, 2026-07-01T17:00:00Z, 7d, 36h)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def pending_kind(text: str) -> str:
    """`--pending`: an action kind (case-insensitive) or `any`."""
    value = text.strip().upper()
    if value == ANY_ACTION.upper():
        return ANY_ACTION
    kinds = [k.value for k in ActionKind]
    if value not in kinds:
        raise QueryError(f"--pending: unknown action {text!r}; one of: any, {', '.join(kinds)}")
    return value


def state_value(text: str) -> str:
    value = text.strip().upper().replace("-", "_")
    states = [s.value for s in LifecycleState]
    if value not in states:
        raise QueryError(f"--state: unknown state {text!r}; one of: {', '.join(states)}")
    return value


def _one_of(name: str, values: Sequence[str]) -> str:
    if len(values) == 1:
        return f"{name} = {literal(values[0])}"
    return f"{name} IN ({', '.join(literal(v) for v in values)})"


def build_list_query(
    *,
    states: Sequence[str] = (),
    departments: Sequence[str] = (),
    pending: str | None = None,
    due_before: datetime | None = None,
    include_closed: bool = False,
) -> str:
    """The visibility query for `ops list`; every filter narrows (AND), repeated values of
    one filter widen (IN)."""
    clauses = [f"WorkflowType = {literal(WORKFLOW_NAME)}"]
    if not include_closed:
        clauses.append('ExecutionStatus = "Running"')
    if states:
        clauses.append(_one_of(sa.LIFECYCLE_STATE.name, [state_value(s) for s in states]))
    if departments:
        clauses.append(_one_of(sa.DEPARTMENT.name, list(departments)))
    if pending is not None and pending != ANY_ACTION:
        clauses.append(f"{sa.NEXT_ACTION.name} = {literal(pending)}")
    if due_before is not None:
        clauses.append(f"{sa.NEXT_ACTION_AT.name} < {instant(due_before)}")
    elif pending == ANY_ACTION:
        # The workflow unsets NextActionAt when nothing is pending.
        clauses.append(f"{sa.NEXT_ACTION_AT.name} IS NOT NULL")
    return " AND ".join(clauses)
