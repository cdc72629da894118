"""The mass-change guard survives what the processes go through: with suspensions held, the
worker is killed with SIGKILL and the Temporal server restarted on its database. Nothing is
lost (the held actions and every lifecycle's hold are still there) and nothing is released
until an operator approves; then every account is deactivated."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from lifecycle_outcomes import People, post_webhook, seed_existing, status
from process_stack import ProcessStack, timed

from contracts.guard import ApproveHeldInput
from starters.children import eventually
from starters.ops.guard import approve_held, guard_status

SEED = 1212


def okta_status(stack: ProcessStack, employee: str) -> str:
    users = [
        u for u in stack.okta.store.list_users() if str(u["profile"].get("bambooHrId")) == employee
    ]
    assert len(users) == 1, (employee, users)
    return str(users[0]["status"])


async def held_by_guard(stack: ProcessStack) -> set[str]:
    found = await guard_status(stack.client, stack.task_queue)
    return {h.request.employee_id for h in found.held} if found else set()


@pytest.mark.timeout(360)
async def test_held_actions_survive_a_worker_kill_and_a_server_restart(
    rstack: ProcessStack, timing: dict[str, float]
) -> None:
    stack = rstack
    stack.set_safeguards(min_count=2, max_share=0.01)  # the product's default window (1 h)
    await stack.restart_worker()
    try:
        people = People(stack, random.Random(SEED))
        leaving = await seed_existing(stack, people, 8)
        # Yesterday in the company's zone is in effect now in every employee's zone ("today"
        # is still tomorrow west of it, whatever hour this runs at).
        yesterday = stack.hr.store.today() - timedelta(days=1)
        for employee in leaving:
            stack.hr.store.terminate(employee, yesterday, termination_type="Involuntary")
        with timed("hold", timing):
            await post_webhook(stack, leaving)

            async def decided() -> bool:
                held = await held_by_guard(stack)
                gone = [e for e in leaving if okta_status(stack, e) == "DEPROVISIONED"]
                return len(held) + len(gone) == len(leaving) and len(held) >= 6

            await eventually(decided, within=120, interval=0.5, what="guard decisions")
        held = await held_by_guard(stack)
        assert all(okta_status(stack, e) == "ACTIVE" for e in held)

        with timed("kill and restart", timing):
            stack.kill_worker()
            await stack.stop_temporal()
            await stack.start_temporal()
            await stack.start_worker()

        # Nothing lost: the guard and every held lifecycle still hold, after replaying on the
        # new worker; nothing released: the accounts are still active.
        async def replayed() -> bool:
            views = [await status(stack, e) for e in held]
            return all(v.held_by_guard is not None for v in views)

        await eventually(replayed, within=60, interval=0.5, what="held lifecycles after restart")
        assert await held_by_guard(stack) == held
        assert all(okta_status(stack, e) == "ACTIVE" for e in held)

        with timed("approve", timing):
            await approve_held(
                stack.client, stack.task_queue, ApproveHeldInput(approver="reliability-suite")
            )

            async def all_gone() -> bool:
                return all(okta_status(stack, e) == "DEPROVISIONED" for e in leaving)

            await eventually(all_gone, within=120, interval=0.5, what="approved deactivations")
    finally:
        stack.set_safeguards(min_count=1000)
        await stack.restart_worker()
