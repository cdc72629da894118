"""A wave of onboardings, as after a big hiring day: `count` people who started last week
appear in BambooHR, each employee workflow is signalled (as the poller or webhooks would),
and each must end with its Okta account created, profiled, in its groups and activated.

Start = just before the first signal. An onboarding is done at the Okta simulator's
`statusChanged` stamp of its activation (the last Okta write of an onboarding); afterwards
every workflow's `status` query must say ACTIVE with no review and no failed step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench.people import (
    Hiring,
    announce,
    local_today,
    okta_users_by_employee,
    status_changed_at,
    statuses,
    wait_idle,
    wait_okta_status,
)
from bench.stack import BenchStack
from bench.stats import percentile
from contracts.employee import LifecycleState, workflow_id_for
from simulators.okta.timefmt import parse_okta_time


@dataclass
class Wave:
    employees: list[str]
    started: float = 0.0  # epoch seconds, just before the first signal
    signalled: float = 0.0  # every signal-with-start answered
    created: dict[str, float] = field(default_factory=dict)  # Okta `created` stamps
    activated: dict[str, float] = field(default_factory=dict)  # Okta activation stamps
    failed: dict[str, str] = field(default_factory=dict)  # employee -> why not onboarded

    @property
    def finished(self) -> float:
        return max(self.activated.values(), default=self.started)

    def summary(self) -> dict[str, Any]:
        done = sorted(t - self.started for t in self.activated.values())
        n = len(done)
        out: dict[str, Any] = {
            "employees": len(self.employees),
            "onboarded": n,
            "failed": len(self.failed),
            "failures": dict(list(self.failed.items())[:20]),
            "signal_seconds": round(self.signalled - self.started, 2),
            "wall_seconds": round(self.finished - self.started, 2),
            "per_second": round(n / (self.finished - self.started), 2) if n else None,
        }
        if n >= 10:
            # The middle 80 %: the rate once the pipeline is full, without ramp-up or tail.
            lo, hi = done[n // 10], done[(9 * n) // 10 - 1]
            span = hi - lo
            out["steady_per_second"] = round((0.8 * n) / span, 2) if span > 0 else None
            out["first_done_seconds"] = round(done[0], 2)
            out["p50_done_seconds"] = round(percentile(done, 50) or 0.0, 2)
        return out


async def onboard_wave(
    stack: BenchStack, count: int, hiring: Hiring, *, timeout: float, log: Any = None
) -> Wave:
    say = log if callable(log) else (lambda _m: None)
    employees = hiring.hire_many(count, local_today() - timedelta(days=7))
    stack.started_workflows.update(workflow_id_for(e) for e in employees)
    wave = Wave(employees=employees)
    say(f"onboarding wave: {count} employees")
    wave.started = time.time()
    await announce(stack.client, stack.task_queue, employees)
    wave.signalled = time.time()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - last[0] > 15:
            last[0] = time.monotonic()
            say(f"  {done}/{total} activated")

    try:
        await wait_okta_status(
            stack.okta.store,
            employees,
            {"PROVISIONED", "ACTIVE"},
            timeout=timeout,
            progress=progress,
        )
    except TimeoutError as exc:
        say(f"  {exc}")
    users = okta_users_by_employee(stack.okta.store)
    for employee_id in employees:
        user = users.get(employee_id)
        if user is None:
            continue
        wave.created[employee_id] = parse_okta_time(user["created"]).timestamp()
        if user["status"] in ("PROVISIONED", "ACTIVE"):
            wave.activated[employee_id] = status_changed_at(user)
    await _check_workflows(stack, wave)
    return wave


async def _check_workflows(stack: BenchStack, wave: Wave) -> None:
    """A lifecycle failed unless its workflow says ACTIVE, with no review and no failed step."""
    try:
        await wait_idle(stack.client, wave.employees, timeout=120)
    except TimeoutError:
        pass  # the busy ones are judged below by their state
    answers = await statuses(stack.client, wave.employees)
    for employee_id, answer in answers.items():
        if isinstance(answer, Exception):
            wave.failed[employee_id] = f"status query failed: {type(answer).__name__}"
        elif answer.review is not None:
            wave.failed[employee_id] = f"review {answer.review.code.value}"
        elif answer.failed_step is not None:
            wave.failed[employee_id] = f"failed step {answer.failed_step.step}"
        elif answer.state is not LifecycleState.ACTIVE:
            wave.failed[employee_id] = f"state {answer.state.value}"
        elif employee_id not in wave.activated:
            wave.failed[employee_id] = "no activated Okta account"
