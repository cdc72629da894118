"""Employees who are already working: hired a while ago, onboarded by the service (their
workflow running and parked, their Okta account ACTIVE because each person completed the
activation e-mail). The starting point of the termination and lifecycle measurements.

Onboarding is setup, not what is measured, so the Okta simulator's rate limits are lifted
while it runs and put back (with fresh windows) afterwards.
"""

from __future__ import annotations

from datetime import timedelta

from bench.people import Hiring, announce, local_today, wait_idle, wait_okta_status
from bench.stack import UNLIMITED, BenchStack


async def onboard_active(
    stack: BenchStack, count: int, hiring: Hiring, *, log: object = None
) -> dict[str, str]:
    """Hire `count` people who started 30 days ago and onboard them; employee id -> Okta
    user id."""
    say = log if callable(log) else (lambda _m: None)
    limits = dict(stack.okta.limiter.limits)
    stack.okta.limiter.set_limits(dict.fromkeys(limits, UNLIMITED))
    try:
        employees = hiring.hire_many(count, local_today() - timedelta(days=30))
        stack.started_workflows.update(f"employee-{e}" for e in employees)
        say(f"onboarding {count} employees (setup, rate limits lifted)")
        await announce(stack.client, stack.task_queue, employees)
        users = await wait_okta_status(
            stack.okta.store, employees, {"PROVISIONED", "ACTIVE"}, timeout=120 + count
        )
        for user in users.values():
            if user["status"] == "PROVISIONED":
                stack.okta.store.complete_activation(user["id"])  # the person set a password
        await wait_idle(stack.client, employees, timeout=120 + count)
    finally:
        stack.okta.limiter.set_limits(limits)
        stack.okta.limiter.reset()  # measured traffic starts with fresh windows
    return {e: users[e]["id"] for e in employees}
