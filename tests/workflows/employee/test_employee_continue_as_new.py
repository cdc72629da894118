"""A lifecycle lasts years; its history must not. Past the configured length the workflow
continues as new, carrying its whole state: the same account, the same pending action."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from lifecycle_harness import LifecycleStack

from activities.signal_with_start import signal_employee
from contracts.employee import (
    EmployeeInput,
    HrChanged,
    LifecycleState,
    PauseInput,
    workflow_id_for,
)
from starters.children import eventually
from workflows.employee.workflow import EmployeeLifecycle


async def next_run(stack: LifecycleStack, employee: str, run_id: str) -> str:
    """Wait, without queries, until the workflow has continued as new after `run_id`.

    The time-skipping test server answers a query that lands while a run is closing with
    "workflow execution already completed" and then keeps its clock locked, so every later
    time skip hangs. Watching the run id through describe (no workflow task) avoids that.
    """
    deadline = time.monotonic() + 30
    while (current := await stack.run_id(employee)) == run_id:
        assert time.monotonic() < deadline, "the workflow did not continue as new"
        await asyncio.sleep(0.1)
    return current


async def test_continue_as_new_carries_the_state(stack: LifecycleStack) -> None:
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=30))
    # Started with a short history budget, as a long-lived lifecycle would reach it: the
    # onboarding alone (about 50 events) makes it continue as new once.
    handle = await stack.client.start_workflow(
        EmployeeLifecycle.run,
        EmployeeInput(employee_id=employee, max_history_events=40),
        id=workflow_id_for(employee),
        task_queue=stack.settings.temporal_task_queue,
    )
    await signal_employee(
        stack.client, stack.settings.temporal_task_queue, HrChanged(employee_id=employee)
    )
    assert handle.result_run_id is not None
    await next_run(stack, employee, handle.result_run_id)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    first = await stack.status(employee)
    first_run = await stack.run_id(employee)

    last_day = await stack.today() + timedelta(days=5)
    stack.hr.store.terminate(employee, last_day, termination_type="Voluntary")
    await stack.notify(employee)
    run = await next_run(stack, employee, first_run)  # the termination's planning went over
    status = await stack.wait_for(
        employee, lambda s: s.next_action is not None, what="termination scheduled"
    )
    assert run == await stack.run_id(employee) != first_run  # a new run...
    assert status.okta_user_id == first.okta_user_id  # ...with the same account
    assert status.state is LifecycleState.ACTIVE
    assert [a.action for a in status.last_actions][: len(first.last_actions)] == [
        a.action for a in first.last_actions
    ]
    await stack.advance(status.next_action.at - await stack.now() + timedelta(minutes=1))  # type: ignore[union-attr]
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    assert stack.okta_user_for(employee)["status"] == "DEPROVISIONED"  # type: ignore[index]


async def started_with_a_small_budget(stack: LifecycleStack) -> tuple[str, str]:
    """An employee whose lifecycle continues as new after nearly every event."""
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=30))
    await stack.client.start_workflow(
        EmployeeLifecycle.run,
        EmployeeInput(employee_id=employee, max_history_events=30),
        id=workflow_id_for(employee),
        task_queue=stack.settings.temporal_task_queue,
    )
    await stack.notify(employee)
    await eventually(lambda: stack.okta_user_for(employee) is not None)
    user = stack.okta_user_for(employee)
    assert user is not None
    await eventually(lambda: stack.audit.count(employee_id=employee, action="okta.user.activate"))
    return employee, str(user["id"])


async def test_a_snapshot_taken_in_just_before_continue_as_new_is_still_planned(
    stack: LifecycleStack,
) -> None:
    employee, user_id = await started_with_a_small_budget(stack)
    stack.set_okta_faults(latency_ms=300)  # widen the convergence the next snapshot lands in
    stack.hr.store.change_job(employee, await stack.today() - timedelta(days=1), department="Sales")
    await stack.handle(employee).signal(
        "hr_changed",
        HrChanged(employee_id=employee, snapshot=await stack.snapshot_now(employee)),
    )
    await stack.converging(employee)
    # While that convergence runs (and right before the run continues as new), HR
    # terminates the employee with immediate effect; the snapshot arrives in full.
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    termination = await stack.snapshot_now(employee)
    await stack.handle(employee).signal(
        "hr_changed", HrChanged(employee_id=employee, snapshot=termination)
    )
    await eventually(
        lambda: stack.okta_user(user_id)["status"] == "DEPROVISIONED",  # type: ignore[index]
        within=60,
    )


async def test_an_ops_command_just_before_continue_as_new_reaches_the_audit_store(
    stack: LifecycleStack,
) -> None:
    employee, _ = await started_with_a_small_budget(stack)
    stack.set_okta_faults(latency_ms=300)
    stack.hr.store.change_job(employee, await stack.today() - timedelta(days=1), department="Sales")
    await stack.handle(employee).signal(
        "hr_changed",
        HrChanged(employee_id=employee, snapshot=await stack.snapshot_now(employee)),
    )
    await stack.converging(employee)
    await stack.handle(employee).signal("pause", PauseInput(reason="legal hold: HR-9"))
    await eventually(lambda: stack.audit.count(employee_id=employee, action="ops.pause") == 1)
    paused = stack.audit.query(employee_id=employee, action="ops.pause")
    assert paused[0].detail["reason"] == "legal hold: HR-9"
