"""Changes someone else makes in Okta (`okta_changed`): judged by the employee's workflow
with the policy's tamper rule. Terminated or on-leave accounts are put back and security is
told who did what; an active employee's change is only alerted; each Okta event is judged
once, whichever source (hook, System Log) reports it and however often."""

from __future__ import annotations

import uuid
from datetime import datetime

from lifecycle_harness import LifecycleStack
from lifecycle_people import onboarded

from activities.signal_with_start import signal_okta_changed
from contracts.employee import LifecycleState, OktaChanged
from lifecycle.tamper import OktaActor, OktaEvent

ADMIN = OktaActor(
    id="00uadmin000000000001",
    type="User",
    alternate_id="it.admin@example.test",
    display_name="Ivy Admin",
)


def event(user_id: str, event_type: str, published: datetime, **fields: object) -> OktaEvent:
    return OktaEvent(
        uuid=str(uuid.uuid4()),
        event_type=event_type,
        published=published,
        actor=ADMIN,
        user_id=user_id,
        **fields,  # type: ignore[arg-type]
    )


async def tell(stack: LifecycleStack, employee: str, *events: OktaEvent) -> None:
    await signal_okta_changed(
        stack.client,
        stack.settings.temporal_task_queue,
        OktaChanged(employee_id=employee, events=list(events)),
    )


def tamper_alerts(stack: LifecycleStack, employee: str) -> list[dict]:
    return [
        m
        for m in stack.inbox.messages
        if m.get("event") == "okta_tampered"
        and (m.get("data") or {}).get("employee_id") == employee
    ]


async def terminated(stack: LifecycleStack) -> tuple[str, dict]:
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    return employee, user


async def test_a_hand_reactivated_leaver_is_deactivated_again_and_security_told_once(
    stack: LifecycleStack,
) -> None:
    employee, user = await terminated(stack)
    revoked_before = stack.okta.store.revocations(user["id"])["count"]
    # An admin activates the account again in the Okta console.
    stack.okta.store.set_status(user["id"], "ACTIVE")
    since = await stack.now()
    reactivation = event(user["id"], "user.lifecycle.activate", since)
    await tell(stack, employee, reactivation)

    await stack.wait_for_action(employee, "deactivate", since)
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    # The hour of access it had is cut: sessions and tokens revoked again.
    assert stack.okta.store.revocations(user["id"])["count"] == revoked_before + 1
    alerts = tamper_alerts(stack, employee)
    assert len(alerts) == 1
    assert "Ivy Admin (it.admin@example.test) activated the account" in alerts[0]["text"]
    assert alerts[0]["data"]["outcome"] == "reverting"
    records = stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")
    assert [
        (r.detail["event_uuid"], r.detail["actor_id"], r.detail["tamper_rule"]) for r in records
    ] == [(reactivation.uuid, ADMIN.id, "revert")]

    # The System Log reports the same event a minute later: judged already, nothing new.
    await tell(stack, employee, reactivation)
    await stack.settle(employee)
    assert len(tamper_alerts(stack, employee)) == 1
    assert len(stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")) == 1


async def test_a_managed_group_added_to_a_leaver_is_removed(stack: LifecycleStack) -> None:
    employee, user = await terminated(stack)
    assert stack.group_names(user["id"]) == set()
    stack.add_to_group(user["id"], "GitHub Users")
    since = await stack.now()
    await tell(
        stack,
        employee,
        event(user["id"], "group.user_membership.add", since, group_name="GitHub Users"),
    )
    await stack.wait_for_action(employee, "managed groups synced", since)
    assert stack.group_names(user["id"]) == set()
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    assert len(tamper_alerts(stack, employee)) == 1


async def test_an_active_employees_hand_change_is_alerted_not_undone(
    stack: LifecycleStack,
) -> None:
    # Security may suspend a compromised account by hand: the default does not undo that.
    employee, user = await onboarded(stack)
    stack.okta.store.set_status(user["id"], "SUSPENDED")
    since = await stack.now()
    await tell(stack, employee, event(user["id"], "user.lifecycle.suspend", since))
    await stack.wait_for_action(employee, "Okta: Ivy Admin", since)
    await stack.settle(employee)
    assert stack.okta_user(user["id"])["status"] == "SUSPENDED"  # type: ignore[index]
    alerts = tamper_alerts(stack, employee)
    assert len(alerts) == 1 and alerts[0]["data"]["outcome"] == "alerted"
    assert "suspended the account" in alerts[0]["text"]


async def test_a_leaver_in_review_is_still_a_leaver_and_the_revert_waits(
    stack: LifecycleStack,
) -> None:
    # The rule follows what HR says now, not the last convergence: a leaver whose record was
    # then deleted in BambooHR (review) is still judged as a leaver; nothing is written while
    # a human looks, and the alert says so.
    employee, user = await terminated(stack)
    stack.hr.store.delete(employee)
    await stack.notify(employee, deleted=True)
    await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    stack.okta.store.set_status(user["id"], "ACTIVE")
    since = await stack.now()
    await tell(stack, employee, event(user["id"], "user.lifecycle.activate", since))
    await stack.wait_for_action(employee, "Okta: Ivy Admin", since)
    records = stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")
    assert [(r.detail["tamper_rule"], r.detail["outcome"]) for r in records] == [("revert", "held")]
    alerts = tamper_alerts(stack, employee)
    assert len(alerts) == 1 and alerts[0]["data"]["outcome"] == "held"


async def test_another_account_naming_the_employee_is_alerted_not_reverted(
    stack: LifecycleStack,
) -> None:
    # Someone set a second account's identity attribute to a leaver's id: converging the
    # leaver's own account would not touch it, so security is told, and ours is left alone.
    employee, user = await terminated(stack)
    since = await stack.now()
    await tell(stack, employee, event("00uimposter0000000001", "user.lifecycle.activate", since))
    await stack.wait_for_action(employee, "Okta: Ivy Admin", since)
    records = stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")
    assert [r.detail["outcome"] for r in records] == ["alerted: not this employee's account"]
    assert records[0].detail["okta_user_id"] == "00uimposter0000000001"
    assert len(tamper_alerts(stack, employee)) == 1
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
