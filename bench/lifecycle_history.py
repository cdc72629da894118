"""One employee's whole story, hire → transfer → leave → return → terminate → rehire, and
the number of Temporal history events it leaves.

Every step is an HR admin's change in the simulated BambooHR, dated in the past (so its
action is due at once), followed by the hint a webhook would send; the next step starts
once Okta shows the result and the workflow is parked again. In production the HR change
usually arrives days before its date and a timer wakes the workflow on the day, which adds
a timer-fired event and a workflow task (about three events) per dated step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.people import (
    Hiring,
    announce,
    local_today,
    okta_users_by_employee,
    wait_idle,
)
from bench.stack import BenchStack
from contracts.employee import workflow_id_for
from simulators.seed.vocabulary import DEPARTMENTS_BY_NAME
from starters.children import eventually


async def full_lifecycle(stack: BenchStack, hiring: Hiring) -> dict[str, Any]:
    today = local_today()
    store = stack.hr.store
    employee = hiring.hire(today - timedelta(days=400))
    stack.started_workflows.add(workflow_id_for(employee))
    handle = stack.client.get_workflow_handle(workflow_id_for(employee))
    target = DEPARTMENTS_BY_NAME["Product"]
    steps: list[tuple[str, Callable[[], Any], Callable[[dict[str, Any]], bool]]] = [
        ("hire", lambda: None, lambda u: u["status"] in ("PROVISIONED", "ACTIVE")),
        (
            "transfer",
            lambda: store.change_job(
                employee,
                today - timedelta(days=300),
                department=target.name,
                division=target.division,
                job_title=target.manager.name,
            ),
            lambda u: u["profile"].get("department") == target.name,
        ),
        (
            "leave",
            lambda: store.start_leave(employee, today - timedelta(days=200)),
            lambda u: u["status"] == "SUSPENDED",
        ),
        (
            "return",
            lambda: store.end_leave(employee, today - timedelta(days=100)),
            lambda u: u["status"] == "ACTIVE",
        ),
        (
            "terminate",
            lambda: store.terminate(employee, today - timedelta(days=50)),
            lambda u: u["status"] == "DEPROVISIONED",
        ),
        (
            "rehire",
            lambda: store.rehire(employee, today - timedelta(days=10)),
            lambda u: u["status"] in ("PROVISIONED", "ACTIVE"),
        ),
    ]
    per_step: dict[str, int] = {}
    previous = 0
    for name, change, reached in steps:
        change()
        await announce(stack.client, stack.task_queue, [employee])

        def done(check: Callable[[dict[str, Any]], bool] = reached) -> bool:
            user = okta_users_by_employee(stack.okta.store).get(employee)
            return user is not None and check(user)

        await eventually(done, within=120, interval=0.2, what=f"{name} in Okta")
        await wait_idle(stack.client, [employee], timeout=120)
        if name == "hire":
            user = okta_users_by_employee(stack.okta.store)[employee]
            if user["status"] == "PROVISIONED":
                stack.okta.store.complete_activation(user["id"])  # the person signs in
        history = await handle.fetch_history()
        events = len(history.events)
        per_step[name] = events - previous
        previous = events
    started = history.events[0].workflow_execution_started_event_attributes
    return {
        "employee_id": employee,
        "events_total": previous,
        "events_per_step": per_step,
        # A continue-as-new would leave the earlier run's events out of these counts.
        "continued_as_new": bool(started.continued_execution_run_id),
    }


async def history_length(stack: BenchStack, employee_id: str) -> int:
    handle = stack.client.get_workflow_handle(workflow_id_for(employee_id))
    return len((await handle.fetch_history()).events)
