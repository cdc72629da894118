"""Dry-run mode: the lifecycle runs, every write it would make is recorded as planned (in
the audit store and the workflow's history), and nothing reaches Okta."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from temporalio.testing import WorkflowEnvironment

from lifecycle.settings import Mode


@pytest.fixture
async def dry_stack(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> AsyncIterator[LifecycleStack]:
    async with lifecycle_stack(
        time_skipping_env, tmp_path, task_queue, lifecycle_mode=Mode.DRY_RUN
    ) as built:
        yield built


async def test_dry_run_records_planned_writes_and_sends_nothing(dry_stack: LifecycleStack) -> None:
    stack = dry_stack
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=1))
    await stack.notify(employee)
    status = await stack.wait_for(
        employee, lambda s: any(a.result == "planned" for a in s.last_actions), what="planned"
    )
    assert any(a.action == "create Okta account" for a in status.last_actions)
    assert stack.okta.store.user_count() == 0
    assert stack.okta.stats()["write_attempts"] == 0
    planned = stack.audit.query(employee_id=employee, result="planned")
    assert [r.action for r in planned] == ["okta.user.create"]
    request = planned[0].request
    assert request["method"] == "POST" and request["path"].startswith("/api/v1/users")
    assert request["body"]["profile"]["bambooHrId"] == employee
