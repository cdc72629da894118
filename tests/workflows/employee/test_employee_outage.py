"""An Okta outage for a simulated day during a termination: people are alerted after N
failed attempts, the deactivation happens as soon as Okta is back, nothing is dropped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from lifecycle_people import onboarded
from temporalio.testing import WorkflowEnvironment

from contracts.employee import LifecycleState
from starters.children import eventually


@pytest.fixture
async def stack(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> AsyncIterator[LifecycleStack]:
    # Each of the day's ~150 attempts fails fast: no client-side read retries on top of
    # Temporal's own retry policy (which is what this test is about).
    async with lifecycle_stack(
        time_skipping_env,
        tmp_path,
        task_queue,
        okta_client_options={"read_retries": 0},
        history_label="test_okta_outage_during_termination",
    ) as built:
        yield built


async def test_deactivation_survives_a_day_long_okta_outage(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    stack.set_okta_faults(unavailable=True)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)

    # Five attempts with backoff (1+2+4+8 s) fail: security and IT are alerted.
    for _ in range(10):
        if "deprovision_failing" in stack.inbox.events():
            break
        await stack.advance(timedelta(minutes=1))
    await eventually(lambda: "deprovision_failing" in stack.inbox.events())
    status = await stack.status(employee)
    assert status.failed_step is not None and status.failed_step.step == "deactivate"
    assert status.state is not LifecycleState.TERMINATED

    # A whole day of outage: retries go on (every 10 minutes at most), nothing is dropped.
    await stack.advance(timedelta(days=1))
    assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]

    stack.set_okta_faults()  # Okta is back
    await stack.advance(timedelta(minutes=11))
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    assert stack.okta.store.revocations(user["id"])["count"] == 1
    assert (
        stack.audit.count(employee_id=employee, action="okta.user.deactivate", result="success")
        == 1
    )
    assert stack.inbox.events().count("deprovision_failing") == 1  # alerted once, not per try
    assert stack.inbox.events().count("terminated") == 1
