"""The poller: changes made in BambooHR reach Okta within one poll; an outage loses nothing
(the durable cursor moves only after every change was handed over); duplicates act once;
deletions go to review. (Mass changes: tests/workflows/guard, the guard every lifecycle asks.)"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from lifecycle_harness import LifecycleStack
from lifecycle_people import onboarded
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle

from contracts.employee import LifecycleState
from integrations.bamboohr import build_bamboohr_client
from simulators.common.faults import FaultConfig
from starters.children import eventually
from workflows.poll import CURSOR_NAME, PollInput, PollResult, PollWorkflow


async def run_poll(stack: LifecycleStack) -> PollResult:
    return await stack.client.execute_workflow(
        PollWorkflow.run,
        PollInput(),
        id=f"poll-{uuid.uuid4().hex[:6]}",
        task_queue=stack.settings.temporal_task_queue,
    )


async def start_poll(stack: LifecycleStack) -> WorkflowHandle[PollWorkflow, PollResult]:
    return await stack.client.start_workflow(
        PollWorkflow.run,
        PollInput(),
        id=f"poll-{uuid.uuid4().hex[:6]}",
        task_queue=stack.settings.temporal_task_queue,
    )


async def test_changes_reach_okta_within_one_poll(stack: LifecycleStack) -> None:
    today = await stack.today()
    hires = [stack.hire(hire_date=today - timedelta(days=3)) for _ in range(3)]
    result = await run_poll(stack)
    assert result.changes == 3 and result.delivered == 3
    assert result.cursor_moved
    for employee in hires:
        await stack.wait_state(employee, LifecycleState.ACTIVE)
        assert stack.okta_user_for(employee) is not None
    assert stack.audit.get_cursor(CURSOR_NAME) is not None


async def test_after_three_hours_without_polling_fifty_changes_apply_once(
    stack: LifecycleStack,
) -> None:
    first = await run_poll(stack)  # nothing yet: the cursor is set
    assert first.changes == 0 and first.cursor_moved
    today = await stack.today()
    hires = []
    for _ in range(50):
        stack.hr.clock.advance(216)  # 50 changes spread over three hours of HR work
        hires.append(stack.hire(hire_date=today - timedelta(days=1)))
    result = await run_poll(stack)
    assert result.changes == 50 and result.delivered == 50
    for employee in hires:
        await stack.wait_state(employee, LifecycleState.ACTIVE, timeout=60)
    creates = stack.audit.query(action="okta.user.create", result="success", limit=1000)
    assert sorted(r.employee_id for r in creates) == sorted(hires)  # each exactly once
    assert stack.okta.store.user_count() == 50

    again = await run_poll(stack)  # overlap re-reads a little: nothing new happens
    await asyncio.gather(*(stack.wait_state(e, LifecycleState.ACTIVE) for e in hires[-3:]))
    assert stack.audit.count(action="okta.user.create", result="success") == 50
    assert again.changes <= 50


async def test_poll_and_webhook_for_the_same_change_act_once(stack: LifecycleStack) -> None:
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=1))
    await stack.notify(employee)  # the webhook's hint
    await run_poll(stack)  # the poller's snapshot of the same change
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.audit.count(employee_id=employee, action="okta.user.create") == 1
    assert stack.audit.count(employee_id=employee, action="okta.user.activate") == 1
    assert stack.okta.store.user_count() == 1


async def test_deleted_employee_goes_to_review(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    await run_poll(stack)
    stack.hr.clock.advance(5)
    stack.hr.store.delete(employee)
    result = await run_poll(stack)
    assert result.deleted == 1
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "DELETED_IN_HR"
    assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]  # no action


async def test_bamboohr_outage_loses_nothing(stack: LifecycleStack) -> None:
    await run_poll(stack)
    cursor = stack.audit.get_cursor(CURSOR_NAME)
    stack.hr.clock.advance(5)
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=1))
    stack.hr.faults.configure(FaultConfig(unavailable=True, burst_retry_after=1))
    handle = await start_poll(stack)
    await asyncio.sleep(2)  # the poll is retrying against 503s
    assert stack.audit.get_cursor(CURSOR_NAME) == cursor  # not moved while undelivered
    stack.hr.faults.configure(FaultConfig())
    result = await handle.result()
    assert result.delivered == 1 and result.cursor_moved
    await stack.wait_state(employee, LifecycleState.ACTIVE)


async def test_revoked_bamboohr_key_blocks_the_poll_with_one_alert_and_loses_nothing(
    stack: LifecycleStack,
) -> None:
    await run_poll(stack)  # the cursor is set
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=1))
    key = stack.hr.api_key
    stack.hr.set_api_key("a-new-key-nobody-told-the-service")  # HR admin revoked the old one

    handle = await start_poll(stack)
    await eventually(lambda: "sync_failing" in stack.inbox.events())
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING  # not given up
    status = await handle.query("status")
    assert "BambooHRAuthError" in status["problem"]
    alert = next(m for m in stack.inbox.messages if m.get("event") == "sync_failing")
    assert "fetch_changed_since" in alert["text"] and key not in str(alert)
    assert stack.okta_user_for(employee) is None

    stack.hr.set_api_key(key)  # the key is fixed: the same run catches up
    result = await handle.result()  # time skips through the re-check wait
    assert result.delivered == 1 and result.cursor_moved
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.inbox.events().count("sync_failing") == 1


async def test_a_poll_reads_only_the_employees_that_changed(stack: LifecycleStack) -> None:
    """A company of 40 and one edit: the poll asks BambooHR who changed (1 request), then that
    one employee's record and table rows (3 requests), never the company's tables; the rows
    it reads are that employee's only."""
    today = await stack.today()
    company = [stack.hire(hire_date=today - timedelta(days=400)) for _ in range(40)]
    # The cursor after the company was entered (past the poll's 2-minute overlap): these
    # people are not news to this poll.
    stack.hr.clock.advance(600)
    stack.audit.set_cursor(CURSOR_NAME, stack.hr.clock.now().isoformat())
    stack.hr.clock.advance(60)
    moved = company[7]
    stack.hr.store.change_job(moved, today, job_title="Staff Engineer")
    stack.hr.requests.clear()

    result = await run_poll(stack)

    assert result.changes == 1 and result.delivered == 1
    poll_reads = [
        e
        for e in stack.hr.requests.entries()
        if e["path"].startswith("/api/v1/employees/changed")
        or e["path"].startswith("/api/v1/employees/all")
    ]
    assert sorted(e["path"] for e in poll_reads) == [
        "/api/v1/employees/changed",
        "/api/v1/employees/changed/tables/employmentStatus",
        "/api/v1/employees/changed/tables/jobInfo",
    ]
    # O(changes) bytes: a tenth of the company's table would already be four people's rows.
    job_rows = next(e for e in poll_reads if e["path"].endswith("/jobInfo"))
    client = build_bamboohr_client(stack.settings)
    try:
        await client.get_table("all", "jobInfo")
    finally:
        await client.aclose()
    company_rows = stack.hr.requests.entries()[-1]
    assert company_rows["path"] == "/api/v1/employees/all/tables/jobInfo"
    assert job_rows["bytes"] * 10 < company_rows["bytes"], (job_rows, company_rows)
    await stack.wait_for(moved, lambda s: s.okta_user_id is not None, what="account linked")
