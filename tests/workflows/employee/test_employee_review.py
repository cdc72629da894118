"""Bad HR data and conflicting accounts stop a lifecycle in NEEDS_REVIEW with the reason in
`status`, create nothing, tell people, and resume by themselves once HR fixes the record.
Out-of-order and duplicate deliveries never regress state or repeat an action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lifecycle_harness import LifecycleStack
from lifecycle_people import onboarded

from contracts.employee import HrChanged, LifecycleState
from integrations.bamboohr import build_bamboohr_client
from lifecycle.policy import required_fields


async def test_missing_work_email_needs_review_until_hr_fixes_it(stack: LifecycleStack) -> None:
    employee = stack.hire(hire_date=await stack.today() + timedelta(days=2), work_email=None)
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "NO_WORK_EMAIL"
    assert stack.okta.store.user_count() == 0  # nothing created
    assert stack.okta.stats()["writes"] == 0
    assert "needs_review" in stack.inbox.events()
    [record] = stack.audit.query(employee_id=employee, action="lifecycle.review")
    assert record.detail["code"] == "NO_WORK_EMAIL"

    stack.hr.store.update_fields(employee, {"workEmail": f"fixed.{employee}@acme.example"})
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.STAGED)
    user = stack.okta_user_for(employee)
    assert user is not None and user["profile"]["login"] == f"fixed.{employee}@acme.example"


async def test_unknown_department_needs_review_until_fixed(stack: LifecycleStack) -> None:
    employee = stack.hire(
        hire_date=await stack.today() - timedelta(days=10), department="Quantum Research"
    )
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "UNKNOWN_DEPARTMENT"
    assert "Quantum Research" in status.review.message
    assert stack.okta_user_for(employee) is None

    stack.hr.store.change_job(employee, await stack.today(), department="Engineering")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta_user_for(employee) is not None


async def test_email_used_by_another_employees_account_needs_review(stack: LifecycleStack) -> None:
    email = f"taken.{datetime.now(UTC).timestamp():.0f}@acme.example"
    other = stack.okta.store.create_user(
        {
            "login": email,
            "email": email,
            "firstName": "Other",
            "lastName": "Person",
            "bambooHrId": "999999",
        },
    )
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=1), work_email=email)
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "EMAIL_CONFLICT"
    assert stack.okta.store.user_count() == 1  # no second account
    assert stack.okta_user(other["id"])["profile"]["bambooHrId"] == "999999"  # type: ignore[index]  # not adopted

    stack.hr.store.update_fields(employee, {"workEmail": f"own.{employee}@acme.example"})
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta.store.user_count() == 2


async def test_out_of_order_and_duplicate_snapshots_change_nothing(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    client = build_bamboohr_client(stack.settings)
    fields = required_fields(stack.policy)
    try:
        old = await client.fetch_snapshot(employee, fields, fetched_at=await stack.now())
        stack.hr.clock.advance(5)  # BambooHR's lastChanged has whole seconds
        stack.hr.store.change_job(
            employee, await stack.today(), department="Sales", division="Go-To-Market"
        )
        new = await client.fetch_snapshot(employee, fields, fetched_at=await stack.now())
    finally:
        await client.aclose()
    assert old.last_changed is not None and new.last_changed is not None
    assert old.last_changed < new.last_changed

    handle = stack.handle(employee)
    await handle.signal("hr_changed", HrChanged(employee_id=employee, snapshot=new, source="poll"))
    await stack.wait_for(employee, lambda s: s.department == "Sales", what="transfer applied")
    await stack.settle(employee)
    groups_after = stack.group_names(user["id"])
    writes_after = stack.okta.stats()["writes"]
    audit_after = stack.audit.count(employee_id=employee)

    # The older snapshot arrives late (a slow poll), then the newer one twice more (webhook
    # redelivery): nothing regresses, nothing is written again.
    await handle.signal("hr_changed", HrChanged(employee_id=employee, snapshot=old, source="poll"))
    for _ in range(2):
        await handle.signal(
            "hr_changed", HrChanged(employee_id=employee, snapshot=new, source="webhook")
        )
    await handle.signal(
        "hr_changed",
        HrChanged(employee_id=employee, last_changed=new.last_changed, source="webhook"),
    )
    status = await stack.wait_for(
        employee, lambda s: any("ignored" in a.action for a in s.last_actions), what="stale ignored"
    )
    await stack.settle(employee)
    assert status.department == "Sales"
    assert stack.group_names(user["id"]) == groups_after
    assert "Dept - Sales" in groups_after
    assert stack.okta.stats()["writes"] == writes_after
    assert stack.audit.count(employee_id=employee) == audit_after
