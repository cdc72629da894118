"""Changes to someone already working: transfers re-derive managed groups (and only those),
manager changes update managerId/manager, custom fields flow through lookup tables."""

from __future__ import annotations

from datetime import timedelta

from lifecycle_harness import UNMANAGED_GROUP, LifecycleStack
from lifecycle_people import onboarded

from contracts.employee import HrChanged, LifecycleState


async def test_department_change_adds_and_removes_exactly_the_mapped_groups(
    stack: LifecycleStack,
) -> None:
    manager, _ = await onboarded(stack, job_title="Engineering Manager")
    employee, user = await onboarded(stack, supervisor_id=manager)
    before = stack.group_names(user["id"])
    assert before == {
        "All Employees",
        "Dept - Engineering",
        "GitHub Users",
        "Loc - New York",
        "VPN Users",
    }
    stack.add_to_group(user["id"], UNMANAGED_GROUP)  # granted by hand in Okta

    changed_at = await stack.now()
    stack.hr.store.change_job(
        employee,
        await stack.today(),
        department="Sales",
        division="Go-To-Market",
        job_title="Account Executive",
    )
    await stack.notify(employee)
    await stack.wait_for_action(employee, "managed groups synced", since=changed_at)
    after = stack.group_names(user["id"])
    assert after == {
        "All Employees",
        "Dept - Sales",
        "Salesforce Users",
        "Loc - New York",
        "VPN Users",
        UNMANAGED_GROUP,  # not managed: left alone
    }
    profile = stack.okta_user(user["id"])["profile"]  # type: ignore[index]
    assert (profile["department"], profile["division"], profile["title"]) == (
        "Sales",
        "Go-To-Market",
        "Account Executive",
    )
    access = [m for m in stack.inbox.messages if m.get("event") == "access_changed"]
    assert len(access) == 1
    manager_email = stack.hr.store.get(manager, ["workEmail"])["workEmail"]
    assert manager_email in access[0]["audiences"]
    data = access[0]["data"]
    assert set(data["groups_added"]) == {"Dept - Sales", "Salesforce Users"}
    assert set(data["groups_removed"]) == {"Dept - Engineering", "GitHub Users"}
    # The audit store has one record per membership change.
    adds = stack.audit.query(employee_id=employee, action="okta.group.add", result="success")
    removes = stack.audit.query(employee_id=employee, action="okta.group.remove", result="success")
    assert {r.target for r in removes} >= {"Dept - Engineering", "GitHub Users"}
    assert len([r for r in adds if r.target in {"Dept - Sales", "Salesforce Users"}]) == 2


async def test_future_dated_transfer_waits_for_its_date(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    effective = await stack.today() + timedelta(days=10)
    stack.hr.store.change_job(
        employee, effective, department="Product", job_title="Product Manager"
    )
    await stack.notify(employee)
    status = await stack.wait_for(
        employee,
        lambda s: s.next_action is not None and s.next_action.kind == "TRANSFER",
        what="transfer scheduled",
    )
    assert "Dept - Engineering" in stack.group_names(user["id"])
    await stack.advance(status.next_action.at - await stack.now() + timedelta(minutes=1))  # type: ignore[union-attr]
    await stack.wait_for(employee, lambda s: s.next_action is None, what="transfer applied")
    groups = stack.group_names(user["id"])
    assert "Dept - Product" in groups and "Dept - Engineering" not in groups
    assert stack.okta_user(user["id"])["profile"]["title"] == "Product Manager"  # type: ignore[index]


async def test_manager_change_updates_manager_attributes(stack: LifecycleStack) -> None:
    first, _ = await onboarded(stack, job_title="Engineering Manager")
    second, _ = await onboarded(stack, job_title="Engineering Manager")
    employee, user = await onboarded(stack, supervisor_id=first)
    numbers = {
        e: stack.hr.store.get(e, ["employeeNumber"])["employeeNumber"] for e in (first, second)
    }
    assert stack.okta_user(user["id"])["profile"]["managerId"] == numbers[first]  # type: ignore[index]

    stack.hr.store.change_job(employee, await stack.today(), supervisor_id=second)
    await stack.notify(employee)
    await stack.wait_for(
        employee,
        lambda s: stack.okta_user(user["id"])["profile"].get("managerId") == numbers[second],  # type: ignore[index]
        what="managerId updated",
    )
    profile = stack.okta_user(user["id"])["profile"]  # type: ignore[index]
    second_record = stack.hr.store.get(second, ["firstName", "lastName"])
    assert profile["manager"] == f"{second_record['firstName']} {second_record['lastName']}"


async def test_custom_field_through_lookup_table_lands_in_custom_okta_attribute(
    stack: LifecycleStack,
) -> None:
    employee, user = await onboarded(
        stack, fields={"customJobLevel": "L4", "customCostCenter": "CC-1200"}
    )
    profile = stack.okta_user(user["id"])["profile"]  # type: ignore[index]
    assert profile["jobLevel"] == "Staff"  # L4 through the policy's lookup table
    assert profile["costCenter"] == "CC-1200"
    assert profile["bambooHrId"] == employee

    stack.hr.store.update_fields(employee, {"customJobLevel": "L6"})
    await stack.notify(employee)
    await stack.wait_for(
        employee,
        lambda s: stack.okta_user(user["id"])["profile"].get("jobLevel") == "Manager",  # type: ignore[index]
        what="jobLevel updated",
    )


async def test_adopting_an_active_account_announces_nothing(stack: LifecycleStack) -> None:
    """A reconciliation hand-over of someone already working and active in Okta is not
    news: no 'account activated' for an account activated long ago."""
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=400))
    login = stack.hr.store.get(employee, ["workEmail"])["workEmail"]
    existing = stack.okta.store.create_user(
        {
            "login": login,
            "email": login,
            "firstName": "Avel",
            "lastName": "X",
            "bambooHrId": employee,
        },
    )
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta_user_for(employee)["id"] == existing["id"]  # type: ignore[index]
    assert "account_activated" not in stack.inbox.events()


async def test_drift_repair_restores_groups_without_telling_the_manager(
    stack: LifecycleStack,
) -> None:
    manager, _ = await onboarded(stack, job_title="Engineering Manager")
    employee, user = await onboarded(stack, supervisor_id=manager)
    github = stack.okta.store.find_group("GitHub Users")
    stack.okta.store.remove_member(github["id"], user["id"])  # type: ignore[index]  # by hand

    await stack.notify(employee, source="drift")
    await stack.wait_for(
        employee,
        lambda s: "GitHub Users" in stack.group_names(user["id"]),
        what="group restored",
    )
    assert "access_changed" not in stack.inbox.events()  # HR changed nothing


async def test_an_hr_change_that_lands_mid_convergence_still_tells_the_manager(
    stack: LifecycleStack,
) -> None:
    manager, _ = await onboarded(stack, job_title="Engineering Manager")
    employee, user = await onboarded(stack, supervisor_id=manager)
    hired = stack.hr.store.table(employee, "jobInfo")[0]["date"]
    stack.set_okta_faults(latency_ms=300)  # widen the convergence the change lands in

    # Drift repair starts a convergence (nothing changed in HR)...
    await stack.handle(employee).signal(
        "hr_changed", HrChanged(employee_id=employee, source="drift")
    )
    await stack.converging(employee)
    # ...and while it runs, HR corrects the department from the first day on: no new dated
    # action, only the account in force changes.
    since = await stack.now()
    stack.hr.store.change_job(employee, hired, department="Sales", division="Go-To-Market")
    snapshot = await stack.snapshot_now(employee)
    await stack.handle(employee).signal(
        "hr_changed", HrChanged(employee_id=employee, snapshot=snapshot, source="poll")
    )
    await stack.wait_for_action(employee, "managed groups synced", since)
    assert "Dept - Sales" in stack.group_names(user["id"])
    manager_email = stack.hr.store.get(manager, ["workEmail"])["workEmail"]
    notices = [m for m in stack.inbox.messages if m.get("event") == "access_changed"]
    assert [n["audiences"] for n in notices] == [[manager_email]]
