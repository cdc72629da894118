"""Ops commands from a test client: fast-forward, cancel, retry, pause/resume, resolve —
each changes the lifecycle as documented, and each is refused with a clear message when it
makes no sense. The same names work as signals (the Temporal UI's "Send Signal")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lifecycle_harness import LifecycleStack
from lifecycle_people import onboarded
from temporalio.client import WorkflowUpdateFailedError

from contracts.employee import (
    CancelInput,
    FastForwardInput,
    LifecycleState,
    OpsResult,
    PauseInput,
    ResolveInput,
)


async def refused(stack: LifecycleStack, employee: str, name: str, arg: object, text: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await stack.handle(employee).execute_update(name, arg, result_type=OpsResult)
    assert text in str(info.value.cause)


async def update(stack: LifecycleStack, employee: str, name: str, arg: object = None) -> OpsResult:
    args = [] if arg is None else [arg]
    return await stack.handle(employee).execute_update(name, args=args, result_type=OpsResult)


async def test_fast_forward_runs_the_next_pending_action_now(stack: LifecycleStack) -> None:
    employee = stack.hire(hire_date=await stack.today() + timedelta(days=30))
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.PENDING_START)

    result = await update(stack, employee, "fast_forward", FastForwardInput(reason="laptop early"))
    assert result.message.startswith("PRE_BOARD:")
    await stack.wait_state(employee, LifecycleState.STAGED)
    assert stack.okta_user_for(employee)["status"] == "STAGED"  # type: ignore[index]

    await update(stack, employee, "fast_forward", FastForwardInput())
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta_user_for(employee)["status"] == "PROVISIONED"  # type: ignore[index]

    await refused(
        stack, employee, "fast_forward", FastForwardInput(), "nothing pending to fast-forward"
    )


async def test_cancel_drops_the_pending_action_with_a_reason(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    last_day = await stack.today() + timedelta(days=3)
    stack.hr.store.terminate(employee, last_day, termination_type="Voluntary")
    await stack.notify(employee)
    status = await stack.wait_for(
        employee, lambda s: s.next_action is not None, what="termination scheduled"
    )
    key = status.next_action.key  # type: ignore[union-attr]

    await refused(stack, employee, "cancel", CancelInput(reason=" "), "cancel needs a reason")
    await refused(
        stack,
        employee,
        "cancel",
        CancelInput(reason="x", key="TERMINATE:1999-01-01"),
        f"no pending action 'TERMINATE:1999-01-01'; pending: {key}",
    )
    result = await update(stack, employee, "cancel", CancelInput(reason="legal hold: HR-123"))
    assert result.message == f"{key} cancelled"
    status = await stack.status(employee)
    assert status.cancelled == {key: "legal hold: HR-123"} and status.next_action is None

    await stack.advance(timedelta(days=5))
    await stack.settle(employee)
    assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]  # not deactivated
    # The auditor sees who cancelled what, and why.
    [record] = stack.audit.query(employee_id=employee, action="ops.cancel")
    assert record.detail == {"action": key, "reason": "legal hold: HR-123"}
    await refused(
        stack, employee, "cancel", CancelInput(reason="again"), "nothing pending to cancel"
    )


async def test_pause_holds_every_change_until_resume(stack: LifecycleStack) -> None:
    employee = stack.hire(hire_date=await stack.today() + timedelta(days=10))
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.PENDING_START)

    await update(stack, employee, "pause", PauseInput(reason="waiting for contract"))
    await refused(stack, employee, "pause", PauseInput(), "already paused")
    await refused(stack, employee, "fast_forward", FastForwardInput(), "paused: resume it first")
    await stack.advance(status.next_action.at - await stack.now() + timedelta(hours=1))  # type: ignore[union-attr]
    await stack.settle(employee)
    assert stack.okta_user_for(employee) is None  # the pre-board instant passed: nothing done
    assert (await stack.status(employee)).paused

    await update(stack, employee, "resume")
    await stack.wait_state(employee, LifecycleState.STAGED)  # catches up at once
    await refused(stack, employee, "resume", None, "not paused")


async def test_retry_reruns_a_failed_step_once_the_cause_is_fixed(stack: LifecycleStack) -> None:
    # Okta rejects the profile: the custom attribute the policy maps to is missing.
    stack.okta.store.remove_schema_attribute("jobLevel")
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=1))
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "OKTA_REJECTED"
    assert status.failed_step is not None and "jobLevel" in status.failed_step.error
    assert "needs_review" in stack.inbox.events()

    stack.okta.store.add_schema_attribute("jobLevel", title="Job level")
    await update(stack, employee, "retry")
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta_user_for(employee)["profile"]["jobLevel"] == "Senior"  # type: ignore[index]
    await refused(stack, employee, "retry", None, "no failed step to retry")


async def test_resolve_links_an_account_after_human_review(stack: LifecycleStack) -> None:
    # An existing account with the new hire's email but no ids: email-only, never auto-linked.
    email = "returning.contractor@acme.example"
    existing = stack.okta.store.create_user(
        {"login": email, "email": email, "firstName": "Re", "lastName": "Turning"}
    )
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=1), work_email=email)
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "EMAIL_CONFLICT"
    await refused(stack, employee, "fast_forward", FastForwardInput(), "resolve it first")

    await update(
        stack, employee, "resolve", ResolveInput(note="same person", okta_user_id=existing["id"])
    )
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta.store.user_count() == 1
    assert stack.okta_user(existing["id"])["profile"]["bambooHrId"] == employee  # type: ignore[index]
    await refused(stack, employee, "resolve", ResolveInput(), "nothing to resolve")


async def test_ops_names_also_work_as_signals(stack: LifecycleStack) -> None:
    employee = stack.hire(hire_date=await stack.today() + timedelta(days=30))
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.PENDING_START)
    handle = stack.handle(employee)
    await handle.signal("fast_forward", FastForwardInput(reason="from the UI"))
    await stack.wait_state(employee, LifecycleState.STAGED)
    await handle.signal("resume")  # nonsense as a signal: recorded, otherwise ignored
    status = await stack.wait_for(
        employee,
        lambda s: any(a.action == "resume signal ignored" for a in s.last_actions),
        what="ignored signal recorded",
    )
    assert status.state is LifecycleState.STAGED
