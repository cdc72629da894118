"""Leave, termination and rehire: suspend and restore with the same managed groups,
terminate at the right moment (end of day in the employee's zone, or at once for the
configured types), hold protected accounts, and reuse the same account on rehire."""

from __future__ import annotations

from datetime import timedelta

from lifecycle_harness import PROTECTED_GROUP, LifecycleStack, at_local
from lifecycle_people import onboarded

from contracts.employee import LifecycleState


async def test_leave_suspends_then_restores_with_the_same_groups(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    before = stack.group_names(user["id"])
    today = await stack.today()
    back = today + timedelta(days=14)
    stack.hr.store.start_leave(employee, today, status="Leave of Absence", return_date=back)
    await stack.notify(employee)

    status = await stack.wait_state(employee, LifecycleState.ON_LEAVE)
    assert stack.okta_user(user["id"])["status"] == "SUSPENDED"  # type: ignore[index]
    assert stack.group_names(user["id"]) == before - {"VPN Users"}  # policy: removed on leave
    assert status.next_action is not None and status.next_action.kind == "LEAVE_RETURN"
    assert status.next_action.at == at_local(back, 7, "America/New_York")

    await stack.advance(status.next_action.at - await stack.now() + timedelta(minutes=1))
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]
    assert stack.group_names(user["id"]) == before  # everything removed is back
    events = stack.inbox.events()
    assert "leave_started" in events and "leave_ended" in events


async def test_leave_of_a_locked_out_account_alerts_security_once(stack: LifecycleStack) -> None:
    # Okta suspends only ACTIVE users; a LOCKED_OUT person can still get back in after the
    # lock expires, so the leave must not pass silently.
    employee, user = await onboarded(stack)
    before = stack.group_names(user["id"])
    stack.okta.store.set_status(user["id"], "LOCKED_OUT")
    today = await stack.today()
    stack.hr.store.start_leave(employee, today, return_date=today + timedelta(days=14))
    await stack.notify(employee)

    await stack.wait_state(employee, LifecycleState.ON_LEAVE)
    await stack.settle(employee)
    assert stack.okta_user(user["id"])["status"] == "LOCKED_OUT"  # type: ignore[index]
    assert stack.group_names(user["id"]) == before - {"VPN Users"}  # least privilege anyway
    alerts = [m for m in stack.inbox.messages if m.get("event") == "leave_not_suspended"]
    assert len(alerts) == 1
    assert "LOCKED_OUT" in alerts[0]["text"]

    await stack.notify(employee)  # the same leave seen again: no second alert
    await stack.settle(employee)
    assert stack.inbox.events(employee).count("leave_not_suspended") == 1

    # Once the account is ACTIVE again, the next convergence suspends it.
    stack.okta.store.set_status(user["id"], "ACTIVE")
    stack.hr.store.change_job(employee, today, job_title="Staff Engineer")
    await stack.notify(employee)
    await stack.wait_for(
        employee, lambda s: s.okta_status == "SUSPENDED", what="suspended after the unlock"
    )
    assert stack.okta_user(user["id"])["status"] == "SUSPENDED"  # type: ignore[index]
    assert stack.inbox.events(employee).count("leave_not_suspended") == 1


async def test_leave_turning_into_termination_deactivates(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    today = await stack.today()
    stack.hr.store.start_leave(employee, today, return_date=today + timedelta(days=30))
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ON_LEAVE)

    last_day = today + timedelta(days=3)
    stack.hr.store.terminate(employee, last_day, termination_type="Voluntary")
    await stack.notify(employee)
    status = await stack.wait_for(
        employee,
        lambda s: s.next_action is not None and s.next_action.kind == "TERMINATE",
        what="termination scheduled",
    )
    assert all(p.kind != "LEAVE_RETURN" for p in status.pending)  # the return is gone
    await stack.advance(status.next_action.at - await stack.now() + timedelta(minutes=1))  # type: ignore[union-attr]
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]


async def test_future_termination_acts_at_end_of_day_in_the_employees_zone(
    stack: LifecycleStack,
) -> None:
    zone = "Australia/Sydney"
    employee, user = await onboarded(stack, location="Sydney, Australia")
    last_day = await stack.today(zone) + timedelta(days=5)
    stack.hr.store.terminate(employee, last_day, termination_type="Voluntary")
    await stack.notify(employee)
    status = await stack.wait_for(
        employee,
        lambda s: s.next_action is not None and s.next_action.kind == "TERMINATE",
        what="termination scheduled",
    )
    end_of_day = at_local(last_day + timedelta(days=1), 0, zone)
    assert status.next_action is not None and status.next_action.at == end_of_day

    await stack.advance(end_of_day - await stack.now() - timedelta(minutes=10))
    await stack.settle(employee)
    assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]  # last evening

    await stack.advance(timedelta(minutes=11))
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    assert stack.group_names(user["id"]) == set()
    revocations = stack.okta.store.revocations(user["id"])
    assert revocations["count"] == 1 and revocations["oauthTokens"] == 1  # sessions + tokens
    assert "terminated" in stack.inbox.events()
    deactivations = stack.audit.query(employee_id=employee, action="okta.user.deactivate")
    assert [r.result for r in deactivations] == ["success"]


async def test_immediate_termination_type_acts_at_once(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack, location="Berlin, Germany")
    today = await stack.today("Europe/Berlin")
    stack.hr.store.terminate(employee, today, termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)  # no time skipped
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    assert stack.okta.store.revocations(user["id"])


async def test_protected_account_is_held_with_an_alert(stack: LifecycleStack) -> None:
    employee, user = await onboarded(
        stack, department="IT", division="G&A", job_title="IT Administrator"
    )
    stack.add_to_group(user["id"], PROTECTED_GROUP)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "PROTECTED_ACCOUNT"
    assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]  # untouched
    assert "protected_held" in stack.inbox.events()
    held = stack.audit.query(employee_id=employee, result="held")
    assert [r.action for r in held] == ["okta.user.deactivate"]
    assert (
        stack.audit.count(employee_id=employee, action="okta.user.deactivate", result="success")
        == 0
    )


async def test_rehire_reuses_the_same_account(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)

    back = await stack.today() + timedelta(days=7)
    stack.hr.store.rehire(
        employee, back, department="Product", division="R&D", job_title="Designer"
    )
    await stack.notify(employee)
    status = await stack.wait_for(
        employee,
        lambda s: s.next_action is not None and s.next_action.kind == "REHIRE",
        what="rehire scheduled",
    )
    await stack.advance(status.next_action.at - await stack.now() + timedelta(minutes=1))  # type: ignore[union-attr]
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    again = stack.okta_user_for(employee)  # asserts there is exactly one account
    assert again is not None and again["id"] == user["id"]
    assert again["status"] in {"ACTIVE", "PROVISIONED"}  # activated from DEPROVISIONED
    groups = stack.group_names(user["id"])
    assert "Dept - Product" in groups and "Dept - Engineering" not in groups
    assert again["profile"]["title"] == "Designer"


async def test_rehire_after_the_lifecycle_completed_starts_it_again(stack: LifecycleStack) -> None:
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    await stack.advance(timedelta(days=31))  # retention after termination: 30 days
    await stack.handle(employee).result()  # the lifecycle completed

    stack.hr.store.rehire(employee, await stack.today())
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    again = stack.okta_user_for(employee)
    assert again is not None and again["id"] == user["id"]
