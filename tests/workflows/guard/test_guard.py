"""The mass-change guard at the point of action: whatever path a mass termination takes
(the poller with backdated dates, webhooks, timers set days ago), at most the policy's
threshold of accounts is disabled on its own; the rest is held, alerted once, and released
only by an operator (or by an allowance given in advance).

The stacks here use the product's thresholds (config/policy.yaml: 5 % of active accounts,
at least 5, per hour); padding accounts in Okta give the company its size without running a
lifecycle for each."""

from __future__ import annotations

import asyncio
import math
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from temporalio.testing import WorkflowEnvironment

from contracts.employee import LifecycleState
from contracts.guard import AllowInput, ApproveHeldInput, GuardStatus, RejectHeldInput
from integrations.bamboohr import build_bamboohr_client
from lifecycle.policy import build_plan, required_fields
from starters.children import eventually
from starters.ops.guard import allow, approve_held, guard_status, reject_held
from workflows.poll import PollInput, PollWorkflow

PRODUCT_SAFEGUARDS: dict[str, Any] = {}  # config/policy.yaml as shipped


@pytest.fixture
async def guarded(time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str) -> Any:
    async with lifecycle_stack(
        time_skipping_env, tmp_path, task_queue, safeguards=PRODUCT_SAFEGUARDS
    ) as stack:
        yield stack


def company(stack: LifecycleStack, employees: int, padding: int, **hire: Any) -> list[str]:
    """`employees` people in BambooHR whose Okta accounts are ACTIVE (onboarded long ago; no
    lifecycle runs for them yet), plus `padding` ACTIVE accounts of other people."""
    ids = []
    for _ in range(employees):
        eid = stack.hire(hire_date=date_long_ago(stack), **hire)
        stack.okta.store.create_user(
            {
                "login": f"emp{eid}@acme.example",
                "email": f"emp{eid}@acme.example",
                "firstName": "Avel",
                "lastName": f"Testor{eid}",
                "bambooHrId": eid,
            },
            "ACTIVE",
        )
        ids.append(eid)
    for n in range(padding):
        login = f"pad{n}-{uuid.uuid4().hex[:6]}@acme.example"
        stack.okta.store.create_user(
            {"login": login, "email": login, "firstName": "Pad", "lastName": f"Ding{n}"}, "ACTIVE"
        )
    return ids


async def converged_company(stack: LifecycleStack, employees: int) -> list[str]:
    """`employees` people whose Okta accounts already are exactly what the policy derives
    (profile, managed groups, ACTIVE): their lifecycles start with nothing to write, so a
    test at company scale spends its time on what it is about."""
    ids = [stack.hire(hire_date=date_long_ago(stack)) for _ in range(employees)]
    client = build_bamboohr_client(stack.settings)
    try:
        bulk = await client.fetch_snapshots(
            ids, required_fields(stack.policy), fetched_at=await stack.now()
        )
    finally:
        await client.aclose()
    assert len(bulk.snapshots) == employees, (bulk.bad, bulk.missing)
    now = await stack.now()
    for snapshot in bulk.snapshots:
        desired = build_plan(snapshot, stack.policy).desired_at(now)
        identity = stack.policy.identity.okta_id_attribute
        user = stack.okta.store.create_user(
            {**desired.profile, identity: snapshot.employee_id}, "ACTIVE"
        )
        for name in desired.groups:
            stack.add_to_group(user["id"], name)
    return ids


def date_long_ago(stack: LifecycleStack) -> Any:
    return stack.hr.clock.now().date() - timedelta(days=400)


def okta_status(stack: LifecycleStack, employee: str) -> str:
    user = stack.okta_user_for(employee)
    assert user is not None, employee
    return str(user["status"])


def deprovisioned(stack: LifecycleStack, ids: list[str]) -> list[str]:
    return [e for e in ids if okta_status(stack, e) == "DEPROVISIONED"]


async def status(stack: LifecycleStack) -> GuardStatus:
    found = await guard_status(stack.client, stack.settings.temporal_task_queue)
    assert found is not None, "the guard was never asked"
    return found


async def held_count(stack: LifecycleStack, expected: int) -> None:
    async def reached() -> bool:
        found = await guard_status(stack.client, stack.settings.temporal_task_queue)
        return found is not None and len(found.held) == expected

    await eventually(reached, within=120)


async def all_terminated(stack: LifecycleStack, ids: list[str]) -> None:
    for employee in ids:
        await stack.wait_state(employee, LifecycleState.TERMINATED, timeout=120)
        assert okta_status(stack, employee) == "DEPROVISIONED"


async def deprovisioned_count(stack: LifecycleStack, ids: list[str], expected: int) -> None:
    """The granted ones finish their deactivation (the guard answered before Okta did)."""
    await eventually(lambda: len(deprovisioned(stack, ids)) >= expected, within=120)
    assert len(deprovisioned(stack, ids)) == expected


def alerts(stack: LifecycleStack) -> list[str]:
    return [e for e in stack.inbox.events() if e == "safeguard_paused"]


@pytest.mark.timeout(600)
async def test_backdated_mass_termination_by_the_poller_is_held_beyond_the_threshold(
    guarded: LifecycleStack,
) -> None:
    """100 of 400 active employees terminated with last week's date: the poller used to count
    none of them. Now at most 20 (5 % of 400) are disabled, 80 wait, one alert; approve → all."""
    stack = guarded
    leaving = company(stack, 100, padding=300)
    last_week = await stack.today() - timedelta(days=7)
    stack.hr.clock.advance(5)
    for employee in leaving:
        stack.hr.store.terminate(employee, last_week, termination_type="Involuntary")
    stack.hr.clock.advance(5)
    await stack.client.execute_workflow(
        PollWorkflow.run,
        PollInput(first_lookback_hours=1),
        id=f"poll-{uuid.uuid4().hex[:6]}",
        task_queue=stack.settings.temporal_task_queue,
    )

    await held_count(stack, 80)
    guard = await status(stack)
    # The count of active accounts is a live Okta reading (cached for minutes): taken again
    # after a granted deactivation it is 399, and the window's threshold follows it.
    assert 380 <= guard.active_accounts <= 400
    assert guard.threshold == math.floor(0.05 * guard.active_accounts)
    await deprovisioned_count(stack, leaving, 20)
    held = {h.request.employee_id for h in guard.held}
    for employee in sorted(held)[:3]:
        view = await stack.status(employee)
        assert view.held_by_guard is not None and view.state is LifecycleState.ACTIVE
    await eventually(lambda: len(alerts(stack)) == 1, within=60)

    result = await approve_held(
        stack.client,
        stack.settings.temporal_task_queue,
        ApproveHeldInput(approver="it-lead", note="RIF"),
    )
    assert sorted(result.employees) == sorted(held)
    await all_terminated(stack, leaving)
    assert len(alerts(stack)) == 1  # one per episode
    records = stack.audit.history(sorted(held)[0])
    assert any(r.action == "guard.approve" and r.detail.get("by") == "it-lead" for r in records)


@pytest.mark.timeout(600)
async def test_immediate_terminations_by_webhook_stop_at_the_threshold(
    guarded: LifecycleStack,
) -> None:
    """`make dev`'s company size (~165 active accounts, threshold 8): 30 immediate terminations
    within a minute by webhook → at most 8 disabled until an operator approves."""
    stack = guarded
    leaving = company(stack, 30, padding=135)
    today = await stack.today()
    for employee in leaving:
        stack.hr.store.terminate(employee, today, termination_type="Involuntary")
    await asyncio.gather(*(stack.notify(e) for e in leaving))

    await held_count(stack, 22)
    assert (await status(stack)).threshold == 8
    await deprovisioned_count(stack, leaving, 8)

    # Naming a subset releases only those.
    first = sorted({h.request.employee_id for h in (await status(stack)).held})[:2]
    await approve_held(
        stack.client, stack.settings.temporal_task_queue, ApproveHeldInput(employees=first)
    )
    await all_terminated(stack, first)
    await held_count(stack, 20)
    assert len(deprovisioned(stack, leaving)) == 10


@pytest.mark.timeout(600)
async def test_an_allowance_given_in_advance_lets_a_planned_layoff_through_at_once(
    guarded: LifecycleStack,
) -> None:
    stack = guarded
    leaving = company(stack, 30, padding=135, department="Sales")
    bystanders = company(stack, 3, padding=0, department="Engineering")
    now = await stack.now()
    answer = await allow(
        stack.client,
        stack.settings.temporal_task_queue,
        AllowInput(
            count=30,
            until=now + timedelta(hours=4),
            department="Sales",
            reason="site closure",
            by="cfo",
        ),
    )
    assert "30 suspensions/deactivations in Sales" in answer.message
    today = await stack.today()
    for employee in leaving:
        stack.hr.store.terminate(employee, today, termination_type="Involuntary")
    await asyncio.gather(*(stack.notify(e) for e in leaving))
    await all_terminated(stack, leaving)
    guard = await status(stack)
    assert not guard.held and guard.granted_in_window == 0  # the allowance, not the budget
    assert [a.used for a in guard.allowances] == []  # used up: no longer listed
    # The allowance was for Sales only: Engineering is counted as usual (3 < 8).
    for employee in bystanders:
        stack.hr.store.terminate(employee, today, termination_type="Involuntary")
        await stack.notify(employee)
    await all_terminated(stack, bystanders)
    records = stack.audit.history("disruption-guard")
    assert any(r.action == "guard.allow" and r.detail["by"] == "cfo" for r in records)


@pytest.mark.timeout(600)
async def test_terminations_dated_for_the_same_day_are_held_when_their_timers_fire(
    guarded: LifecycleStack,
) -> None:
    """Dated days ahead, every lifecycle sets its own timer; at that instant they all fire."""
    stack = guarded
    leaving = await converged_company(stack, 300)  # 300 active: threshold 5 % = 15
    ahead = await stack.today() + timedelta(days=5)
    for employee in leaving:
        stack.hr.store.terminate(employee, ahead, termination_type="Voluntary")
    await asyncio.gather(*(stack.notify(e) for e in leaving))
    due = []
    for employee in leaving:
        view = await stack.wait_for(
            employee,
            lambda s: s.next_action is not None and s.next_action.kind == "TERMINATE",
            timeout=180,
            what="termination scheduled",
        )
        assert view.next_action is not None
        due.append(view.next_action.at)
    assert deprovisioned(stack, leaving) == [] and len(set(due)) == 1
    await stack.advance(due[0] - await stack.now() + timedelta(minutes=1))
    await held_count(stack, 285)
    await deprovisioned_count(stack, leaving, 15)
    assert len(alerts(stack)) == 1


@pytest.mark.timeout(600)
async def test_rejected_actions_leave_accounts_untouched_and_send_employees_to_review(
    guarded: LifecycleStack,
) -> None:
    stack = guarded
    leaving = company(stack, 8, padding=40)  # threshold 5
    today = await stack.today()
    for employee in leaving:
        stack.hr.store.terminate(employee, today, termination_type="Involuntary")
    await asyncio.gather(*(stack.notify(e) for e in leaving))
    await held_count(stack, 3)
    held = sorted(h.request.employee_id for h in (await status(stack)).held)

    result = await reject_held(
        stack.client,
        stack.settings.temporal_task_queue,
        RejectHeldInput(by="ciso", reason="bad import"),
    )
    assert sorted(result.employees) == held
    for employee in held:
        view = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
        assert view.review is not None and view.review.code.value == "GUARD_REJECTED"
        assert okta_status(stack, employee) == "ACTIVE"
        assert any("rejected at the mass-change guard" in r for r in view.cancelled.values())

    # HR fixes the bad import (the employee is active again, with a new title); once the
    # review is resolved, that change flows to Okta.
    employee = held[0]
    await stack.advance(timedelta(days=1))
    stack.hr.store.rehire(employee, await stack.today(), employment_status="Full-Time")
    await stack.handle(employee).execute_update("resolve", {"note": "import fixed"})
    await stack.notify(employee)
    view = await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert view.review is None and okta_status(stack, employee) == "ACTIVE"
