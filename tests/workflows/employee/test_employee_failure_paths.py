"""The red team's paths through deprovisioning: outside systems that refuse for good (a
rotated BambooHR key, an Okta admin role that may not deactivate someone), HR withdrawing a
termination while it fails, ops holding or cancelling it, a protected account's hold, and a
second termination after a rehire. None of them may end the lifecycle or lose an action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lifecycle_harness import PROTECTED_GROUP, LifecycleStack
from lifecycle_people import onboarded
from temporalio.api.enums.v1 import WorkflowExecutionStatus

from contracts.employee import (
    BLOCKED_HR_READ,
    CancelInput,
    LifecycleState,
    OpsResult,
    PauseInput,
    ResolveInput,
    StatusView,
)
from lifecycle.settings import SIM_BAMBOOHR_KEY
from starters.children import eventually


async def update(stack: LifecycleStack, employee: str, name: str, arg: object = None) -> OpsResult:
    args = [] if arg is None else [arg]
    return await stack.handle(employee).execute_update(name, args=args, result_type=OpsResult)


async def running(stack: LifecycleStack, employee: str) -> bool:
    info = (await stack._describe(employee)).workflow_execution_info
    return bool(info.status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)


def deactivations(stack: LifecycleStack, employee: str) -> int:
    return stack.audit.count(employee_id=employee, action="okta.user.deactivate", result="success")


async def test_a_revoked_bamboohr_key_holds_visibly_and_keeps_the_termination_date(
    stack: LifecycleStack,
) -> None:
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today() + timedelta(days=2))
    await stack.notify(employee)
    scheduled = await stack.wait_for(
        employee,
        lambda s: s.next_action is not None and s.next_action.kind == "TERMINATE",
        what="termination scheduled",
    )

    # The key is rotated (its owner left): every read answers 401. A hint arrives.
    stack.hr.set_api_key("rotated-elsewhere")
    since = await stack.now()
    await stack.notify(employee)
    status = await stack.wait_for_action(employee, f"{BLOCKED_HR_READ} failing", since)
    blocked = status.blocked[BLOCKED_HR_READ]
    assert "BambooHRAuthError" in blocked.error and blocked.retry_at is not None
    assert status.next_action == scheduled.next_action  # the timer is kept
    assert await running(stack, employee)

    # Every new hint tries again at once; security hears of it once per episode.
    await stack.notify(employee)
    await stack.wait_for(
        employee, lambda s: s.blocked[BLOCKED_HR_READ].attempts >= 2, what="second read"
    )
    assert stack.inbox.events(employee).count("sync_failing") == 1

    # The termination happens on its date, on the HR data the lifecycle holds.
    await stack.advance(timedelta(days=3))
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]

    # The key works again: the next slow recheck reads HR and the hold clears by itself.
    stack.hr.set_api_key(SIM_BAMBOOHR_KEY)
    await stack.advance(timedelta(minutes=16))
    await stack.wait_for(employee, lambda s: not s.blocked, what="read BambooHR again")
    assert await running(stack, employee)
    assert stack.inbox.events(employee).count("sync_failing") == 1


async def refused_deactivation(stack: LifecycleStack) -> tuple[str, str, StatusView]:
    """An immediate termination of someone the token's admin role may not deactivate."""
    employee, user = await onboarded(stack)
    stack.okta.store.outside_admin_scope.add(user["id"])
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await eventually(lambda: "deprovision_failing" in stack.inbox.events(employee))
    status = await stack.wait_for(
        employee,
        lambda s: s.failed_step is not None and s.failed_step.step == "deactivate",
        what="deactivation failing",
    )
    assert status.failed_step is not None and "E0000006" in status.failed_step.error
    return employee, str(user["id"]), status


async def test_a_withdrawn_termination_stops_a_refused_deactivation(stack: LifecycleStack) -> None:
    employee, user_id, _ = await refused_deactivation(stack)
    terminated_row = next(
        r["id"]
        for r in stack.hr.store.table(employee, "employmentStatus")
        if r["employmentStatus"] == "Terminated"
    )
    stack.hr.store.delete_status_row(employee, terminated_row)  # HR withdraws it
    await stack.notify(employee)
    status = await stack.wait_for(employee, lambda s: s.failed_step is None, what="withdrawn")
    assert status.state is LifecycleState.ACTIVE

    # Permissions are fixed later: nobody is deactivated against HR.
    stack.okta.store.outside_admin_scope.clear()
    await stack.advance(timedelta(hours=1))
    await stack.settle(employee)
    assert stack.okta_user(user_id)["status"] == "ACTIVE"  # type: ignore[index]
    assert deactivations(stack, employee) == 0
    assert stack.inbox.events(employee).count("deprovision_failing") == 1


async def test_cancel_and_pause_work_on_a_refused_deactivation(stack: LifecycleStack) -> None:
    employee, user_id, _ = await refused_deactivation(stack)

    # Paused: the rechecks stop writing; fixing permissions changes nothing until resume.
    await update(stack, employee, "pause", PauseInput(reason="legal hold"))
    stack.okta.store.outside_admin_scope.clear()
    await stack.advance(timedelta(hours=1))
    await stack.settle(employee)
    assert stack.okta_user(user_id)["status"] == "ACTIVE"  # type: ignore[index]
    assert await running(stack, employee)
    stack.okta.store.outside_admin_scope.add(user_id)
    await update(stack, employee, "resume")

    # Cancel accepts the action in force that cannot be carried out.
    result = await update(stack, employee, "cancel", CancelInput(reason="settlement: HR-77"))
    assert result.message.startswith("TERMINATE:") and result.message.endswith("cancelled")
    await stack.wait_for(employee, lambda s: s.failed_step is None, what="failure cleared")
    stack.okta.store.outside_admin_scope.clear()
    await stack.advance(timedelta(hours=1))
    await stack.settle(employee)
    assert stack.okta_user(user_id)["status"] == "ACTIVE"  # type: ignore[index]
    assert deactivations(stack, employee) == 0
    cancels = stack.audit.query(employee_id=employee, action="ops.cancel")
    assert [r.detail["reason"] for r in cancels] == ["settlement: HR-77"]
    assert len(stack.audit.query(employee_id=employee, action="ops.pause")) == 1


async def test_a_refused_deactivation_deactivates_once_permissions_are_fixed(
    stack: LifecycleStack,
) -> None:
    employee, user_id, _ = await refused_deactivation(stack)
    await stack.advance(timedelta(hours=2))  # rechecks go on, the alert is not repeated
    assert stack.inbox.events(employee).count("deprovision_failing") == 1
    stack.okta.store.outside_admin_scope.clear()
    since = await stack.now()
    await update(stack, employee, "retry")
    await stack.wait_for_action(employee, "sessions and tokens revoked", since)
    assert stack.okta_user(user_id)["status"] == "DEPROVISIONED"  # type: ignore[index]
    assert deactivations(stack, employee) == 1


async def protected_hold(stack: LifecycleStack) -> tuple[str, dict[str, Any], StatusView]:
    """A protected account whose immediate termination was held for review."""
    employee, user = await onboarded(stack)
    stack.add_to_group(user["id"], PROTECTED_GROUP)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "PROTECTED_ACCOUNT"
    return employee, user, status


async def test_a_protected_hold_is_cleared_by_cancel_and_later_changes_flow(
    stack: LifecycleStack,
) -> None:
    employee, user, status = await protected_hold(stack)
    assert status.review is not None
    assert f"lifecycle ops cancel {employee}" in status.review.message
    key = status.review.message.split(" held")[0]

    result = await update(
        stack, employee, "cancel", CancelInput(reason="break-glass admin", key=key)
    )
    assert result.message == f"{key} cancelled"
    status = await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert status.review is None
    assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]

    # Later HR changes reach Okta again.
    since = await stack.now()
    stack.hr.store.change_job(employee, await stack.today() - timedelta(days=1), department="Sales")
    await stack.notify(employee)
    await stack.wait_for_action(employee, "managed groups synced", since)
    assert "Dept - Sales" in stack.group_names(user["id"])


async def test_a_protected_hold_is_cleared_by_lifting_the_protection_and_resolve(
    stack: LifecycleStack,
) -> None:
    employee, user, _ = await protected_hold(stack)
    group = stack.okta.store.find_group(PROTECTED_GROUP)
    assert group is not None
    stack.okta.store.remove_member(group["id"], user["id"])
    await update(stack, employee, "resolve", ResolveInput(note="protection lifted by IT"))
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]


async def test_a_second_termination_after_rehire_keeps_its_own_retention(
    stack: LifecycleStack,
) -> None:
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)

    await stack.advance(timedelta(days=20))
    stack.hr.store.rehire(employee, await stack.today() - timedelta(days=1))
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    await stack.advance(timedelta(days=20))  # 40 days after the first termination

    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    # Retention counts from this termination: the lifecycle stays open (30 days).
    await stack.advance(timedelta(days=1))
    await stack.settle(employee)
    assert await running(stack, employee)
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]


async def test_a_rehire_gets_its_activation_email_at_the_new_address_only(
    stack: LifecycleStack,
) -> None:
    # Hired, never finished activating (no password yet): a reactivation waits for
    # activation again, and Okta mails the link.
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=30))
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    user = stack.okta_user_for(employee)
    assert user is not None and user["status"] == "PROVISIONED"
    old_address = user["profile"]["email"]
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    await stack.advance(timedelta(days=10))

    # Rehired with a new work e-mail; the old mailbox may now belong to someone else.
    new_address = f"rehired.{employee}@acme.example"
    stack.hr.store.update_fields(employee, {"workEmail": new_address})
    stack.hr.store.rehire(employee, await stack.today() - timedelta(days=1))
    sent_before = len(stack.okta.store.outbox())
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE)

    mails = [m for m in stack.okta.store.outbox()[sent_before:] if m["userId"] == user["id"]]
    assert [m["to"] for m in mails] == [new_address]
    assert old_address != new_address
    account = stack.okta_user(user["id"])
    assert account is not None and account["profile"]["email"] == new_address


async def test_an_imported_app_group_named_like_a_managed_group_does_not_stand_in_for_it(
    stack: LifecycleStack,
) -> None:
    imported = stack.okta.store.create_group("Salesforce Users", type="APP_GROUP")
    employee, user = await onboarded(stack)
    stack.okta.store.add_member(imported["id"], user["id"])  # synced from AD, not by us

    since = await stack.now()
    stack.hr.store.change_job(employee, await stack.today() - timedelta(days=1), department="Sales")
    await stack.notify(employee)
    await stack.wait_for_action(employee, "managed groups synced", since)
    assert "Salesforce Users" in stack.group_names(user["id"])  # the OKTA_GROUP itself
    assert imported["id"] in stack.okta.store.user_group_ids(user["id"])  # left alone
