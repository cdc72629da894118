"""The System Log fallback (`OktaLogPoll`, started every minute by a schedule): with no event
hook registered, the changes an admin makes in the Okta console are still caught and judged
by the employee's workflow (a leaver reactivated, a managed group given; the org's own group
left alone); the durable cursor moves, and an event read twice is judged once."""

from __future__ import annotations

import uuid

import httpx
from lifecycle_harness import LifecycleStack
from lifecycle_people import onboarded

from contracts.employee import LifecycleState
from lifecycle.settings import SIM_OKTA_ADMIN_TOKEN
from workflows.okta_events import OKTA_LOG_CURSOR, OktaLogPoll, OktaLogPollInput, OktaLogPollResult


async def run_log_poll(stack: LifecycleStack) -> OktaLogPollResult:
    # No time skipping while it runs: the lifecycles' own timers must not fire meanwhile.
    with stack.env.auto_time_skipping_disabled():
        return await stack.client.execute_workflow(
            OktaLogPoll.run,
            OktaLogPollInput(),
            id=f"okta-log-{uuid.uuid4().hex[:6]}",
            task_queue=stack.settings.temporal_task_queue,
        )


async def as_admin(stack: LifecycleStack, path: str, method: str = "POST") -> None:
    async with httpx.AsyncClient(base_url=stack.settings.okta_org_url or "") as http:
        answer = await http.request(
            method,
            path,
            headers={"Authorization": f"SSWS {SIM_OKTA_ADMIN_TOKEN}", "Content-Length": "0"},
        )
    assert answer.status_code < 300, answer.text


async def test_the_system_log_catches_a_reactivated_leaver_without_hooks(
    stack: LifecycleStack,
) -> None:
    # Okta's log stamps events with Okta's clock: the same as the test server's here.
    stack.okta.clock.set(await stack.now())
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    first = await run_log_poll(stack)  # the first run ever starts the cursor now
    assert first.cursor_moved and first.signalled == 0
    cursor = stack.audit.get_cursor(OKTA_LOG_CURSOR)

    since = await stack.now()
    await as_admin(stack, f"/api/v1/users/{user['id']}/lifecycle/activate?sendEmail=false")
    assert stack.okta_user(user["id"])["status"] != "DEPROVISIONED"  # type: ignore[index]
    caught = await run_log_poll(stack)
    assert caught.signalled == 1
    assert stack.audit.get_cursor(OKTA_LOG_CURSOR) > cursor  # type: ignore[operator]

    await stack.wait_for_action(employee, "IT Admin", since)
    await stack.wait_for(employee, lambda s: s.okta_status == "DEPROVISIONED", what="reverted")
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    tampered = [m for m in stack.inbox.messages if m.get("event") == "okta_tampered"]
    assert len(tampered) == 1 and "IT Admin" in tampered[0]["text"]

    # The next minute's read overlaps the last one: the same event is not judged again,
    # and the service's own re-deactivation is not tampering.
    again = await run_log_poll(stack)
    await stack.settle(employee)
    assert again.read >= 1
    assert len([m for m in stack.inbox.messages if m.get("event") == "okta_tampered"]) == 1
    assert len(stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")) == 1

    # Group changes by hand, read from the log as well: a managed group given to the leaver
    # is taken away again; the org's own group is none of our business.
    book_club = stack.okta.store.create_group("Book Club")
    github = stack.okta.store.find_group("GitHub Users")
    assert github is not None
    since = await stack.now()
    await as_admin(stack, f"/api/v1/groups/{book_club['id']}/users/{user['id']}", "PUT")
    await as_admin(stack, f"/api/v1/groups/{github['id']}/users/{user['id']}", "PUT")
    assert stack.group_names(user["id"]) == {"Book Club", "GitHub Users"}
    await run_log_poll(stack)
    await stack.wait_for_action(employee, "managed groups synced", since)
    assert stack.group_names(user["id"]) == {"Book Club"}
    judged = stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")
    assert len(judged) == 2 and "GitHub Users" in str(judged[-1].detail)
    assert len([m for m in stack.inbox.messages if m.get("event") == "okta_tampered"]) == 2
