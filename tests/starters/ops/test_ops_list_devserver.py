"""`lifecycle ops list` against the dev server: each filter (state, department, pending
action, due date, and their combinations) returns exactly the right employees.

The dev server's visibility is eventually consistent, so every expectation is polled until
it holds (or a timeout says what was listed instead). The dev server is shared by the whole
session, so only this module's employees are compared.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from lifecycle_harness import LifecycleStack
from ops_cli import Cli

from contracts.employee import LifecycleState

VISIBILITY_TIMEOUT = 20.0


@pytest.fixture(scope="module")
async def people(ops_stack: LifecycleStack) -> dict[str, str]:
    """Five employees, one per situation, settled in their states."""
    stack = ops_stack
    today = await stack.today()
    # Far enough that five business days before it, holidays or not, stays beyond 20 days.
    future = stack.hire(hire_date=today + timedelta(days=45), department="Engineering")
    active = stack.hire(hire_date=today - timedelta(days=365), department="Sales")
    leaving = stack.hire(hire_date=today - timedelta(days=365), department="Engineering")
    stack.hr.store.terminate(leaving, today + timedelta(days=3), termination_type="Voluntary")
    on_leave = stack.hire(hire_date=today - timedelta(days=365), department="Sales")
    stack.hr.store.start_leave(
        on_leave, today, status="Leave of Absence", return_date=today + timedelta(days=14)
    )
    review = stack.hire(hire_date=today - timedelta(days=10), department="Finance", work_email=None)
    people = {
        "future": future,
        "active": active,
        "leaving": leaving,
        "on_leave": on_leave,
        "review": review,
    }
    for employee in people.values():
        await stack.notify(employee)
    await asyncio.gather(
        stack.wait_state(future, LifecycleState.PENDING_START),
        stack.wait_state(active, LifecycleState.ACTIVE),
        stack.wait_for(
            leaving,
            lambda s: (
                s.state is LifecycleState.ACTIVE
                and s.next_action is not None
                and s.next_action.kind == "TERMINATE"
            ),
            what="active with a termination pending",
        ),
        stack.wait_state(on_leave, LifecycleState.ON_LEAVE),
        stack.wait_state(review, LifecycleState.NEEDS_REVIEW),
    )
    return people


async def listed(cli: Cli, people: dict[str, str], *filters: str, expect: set[str]) -> None:
    """Poll `ops list --json <filters>` until this module's employees in it are `expect`."""
    mine = {eid: name for name, eid in people.items()}
    deadline = time.monotonic() + VISIBILITY_TIMEOUT
    got: set[str] = set()
    while time.monotonic() < deadline:
        result = await cli("ops", "list", "--json", *filters)
        assert result.code == 0, result.err
        got = {mine[row["employee_id"]] for row in result.json() if row["employee_id"] in mine}
        if got == expect:
            return
        await asyncio.sleep(0.3)
    shown = " ".join(filters)
    raise AssertionError(f"ops list {shown}: listed {sorted(got)}, want {sorted(expect)}")


async def test_no_filter_lists_every_running_employee(cli: Cli, people: dict[str, str]) -> None:
    await listed(cli, people, expect=set(people))


@pytest.mark.parametrize(
    ("filters", "expect"),
    [
        (["--state", "ACTIVE"], {"active", "leaving"}),
        (["--state", "on_leave", "--state", "NEEDS_REVIEW"], {"on_leave", "review"}),
        (["--state", "PENDING_START"], {"future"}),
        (["--department", "Engineering"], {"future", "leaving"}),
        (["--department", "Sales", "--state", "ACTIVE"], {"active"}),
        (["--department", "Sales", "--department", "Finance"], {"active", "on_leave", "review"}),
        (["--pending", "TERMINATE"], {"leaving"}),
        (["--pending", "leave_return"], {"on_leave"}),
        (["--pending", "any"], {"future", "leaving", "on_leave"}),
        (["--pending", "any", "--department", "Sales"], {"on_leave"}),
        (["--due-before", "10d"], {"leaving"}),
        (["--due-before", "20d"], {"leaving", "on_leave"}),
        (["--pending", "PRE_BOARD", "--due-before", "60d"], {"future"}),
        (["--state", "TERMINATED"], set()),
    ],
)
async def test_filters_return_exactly_the_matching_employees(
    cli: Cli, people: dict[str, str], filters: list[str], expect: set[str]
) -> None:
    await listed(cli, people, *filters, expect=expect)


async def test_table_output_shows_state_department_and_next_action(
    cli: Cli, people: dict[str, str]
) -> None:
    await listed(cli, people, "--pending", "TERMINATE", expect={"leaving"})
    result = await cli("ops", "list", "--pending", "TERMINATE", "--show-query")
    assert result.code == 0
    header = result.out.splitlines()[0].split()
    assert header[:5] == ["EMPLOYEE", "WORKFLOW", "ID", "STATE", "DEPARTMENT"]
    row = next(line for line in result.out.splitlines() if line.startswith(people["leaving"]))
    assert f"employee-{people['leaving']}" in row
    assert "ACTIVE" in row and "Engineering" in row and "TERMINATE" in row
    # The query is printed for reuse in the Temporal UI or `temporal workflow list --query`.
    assert 'NextAction = "TERMINATE"' in result.err
    assert 'WorkflowType = "EmployeeLifecycle"' in result.err


async def test_nonsense_filters_are_refused_with_the_reason(cli: Cli, ops_stack: object) -> None:
    result = await cli("ops", "list", "--state", "HAPPY")
    assert result.code == 1 and "unknown state 'HAPPY'" in result.err
    result = await cli("ops", "list", "--pending", "PROMOTE")
    assert result.code == 1 and "unknown action 'PROMOTE'" in result.err
    result = await cli("ops", "list", "--due-before", "next tuesday")
    assert result.code == 1 and "--due-before" in result.err
