"""The visibility queries `ops list` builds: the exact strings an operator can paste into
the Temporal UI or `temporal workflow list --query` (the dev-server tests prove they select
the right employees; these pin the syntax and the refusals)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from starters.ops.query import QueryError, build_list_query, literal, parse_when, pending_kind

BASE = 'WorkflowType = "EmployeeLifecycle" AND ExecutionStatus = "Running"'


def test_no_filter_is_every_running_employee_workflow() -> None:
    assert build_list_query() == BASE
    assert build_list_query(include_closed=True) == 'WorkflowType = "EmployeeLifecycle"'


def test_filters_are_and_and_repeated_values_are_in() -> None:
    query = build_list_query(
        states=["needs_review", "ON_LEAVE"],
        departments=["Customer Success"],
        pending="TERMINATE",
        due_before=datetime(2026, 7, 1, 12, 30, tzinfo=UTC),
    )
    assert query == (
        f'{BASE} AND LifecycleState IN ("NEEDS_REVIEW", "ON_LEAVE") '
        'AND Department = "Customer Success" AND NextAction = "TERMINATE" '
        'AND NextActionAt < "2026-07-01T12:30:00Z"'
    )


def test_any_pending_action_means_a_next_action_time_is_set() -> None:
    assert build_list_query(pending="any") == f"{BASE} AND NextActionAt IS NOT NULL"


def test_quotes_in_values_are_kept_intact_or_refused() -> None:
    assert literal("R&D") == '"R&D"'
    assert literal('The "A" Team') == "'The \"A\" Team'"
    with pytest.raises(QueryError):
        literal("""both ' and " quotes""")


def test_due_before_accepts_dates_datetimes_and_spans() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert parse_when("2026-07-01", now) == datetime(2026, 7, 1, tzinfo=UTC)
    assert parse_when("2026-07-01T17:00:00Z", now) == datetime(2026, 7, 1, 17, tzinfo=UTC)
    assert parse_when("2026-07-01T17:00:00", now) == datetime(2026, 7, 1, 17, tzinfo=UTC)
    assert parse_when("7d", now) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert parse_when("36h", now) == datetime(2026, 3, 3, 21, 0, tzinfo=UTC)
    assert parse_when("2w", now) == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    with pytest.raises(QueryError, match="--due-before"):
        parse_when("soon", now)


def test_pending_action_names_are_checked() -> None:
    assert pending_kind("terminate") == "TERMINATE"
    assert pending_kind("ANY") == "any"
    with pytest.raises(QueryError, match="unknown action 'PROMOTE'"):
        pending_kind("PROMOTE")
