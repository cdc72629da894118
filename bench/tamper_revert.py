"""Tamper revert: an admin reactivates a terminated employee's account in the Okta console
→ the account is DEPROVISIONED again. Two paths:

- hooks: the simulated Okta delivers an event hook to the receiver process
  (`lifecycle okta-hooks`, registered and verified through Okta's event hooks API), which
  starts a delivery workflow; the employee's workflow judges the event and deactivates.
- log: the hook is deactivated; the System Log is read by `OktaLogPoll` runs every
  `--log-interval` seconds (what the `okta-log-poll` schedule does; default 60 s), so a
  change waits for the next run: reactivations are spread over one interval.

Setup (not measured): `hooks + log` employees are onboarded and terminated (immediate
type), and their lifecycles are parked. Start = just before the admin's activate call (the
second admin's token, as a person in the console); stop = the Okta simulator's own
`statusChanged` stamp of the account becoming DEPROVISIONED again (wall clock; nothing is
polled into the figure). Hook-path reactivations run one at a time, each after the previous
lifecycle parked again: unloaded latencies.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from activities.signal_with_start import signal_many
from bench.people import Hiring, local_today, status_changed_at, wait_idle
from bench.population import onboard_active
from bench.runner import Context, Outcome, goal, parser, run_benchmark
from bench.stack import BenchStack, StackConfig, bench_stack, okta_limits
from bench.stats import summarize
from contracts.employee import HrChanged
from contracts.guard import AllowInput
from lifecycle.settings import SIM_OKTA_ADMIN_TOKEN
from starters.ops.guard import allow
from workflows.okta_events import OktaLogPoll, OktaLogPollInput

NAME = "tamper_revert"
ISSUE_SIZES = {"hooks": 100, "log": 20}
TERMINATION_TYPE = "Involuntary"  # config/policy.yaml: termination.immediate_types
GOAL_MS = {"hooks": 2_000, "log": 90_000}  # the issue's p99 goals


def build_parser() -> Any:
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument("--hooks", type=int, default=100, help="reactivations via event hooks")
    p.add_argument("--log", type=int, default=20, help="reactivations via the System Log")
    p.add_argument("--log-interval", type=float, default=60.0, help="System Log read period")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per revert")
    return p


async def body(ctx: Context) -> Outcome:
    args = ctx.args
    config = StackConfig(
        name=NAME,
        okta_limits=okta_limits(),
        okta_log_size=100_000,
        deployment=ctx.deployment,
        # The schedule is this benchmark's own loop (below), not the deployment's.
        worker_env={"LIFECYCLE_OKTA_LOG_POLL_SECONDS": "0"},
    )
    async with bench_stack(config, ctx.temporal, ctx.workdir) as stack:
        hook = await stack.start_okta_hooks()
        hiring = Hiring(stack.hr.store, args.seed)
        total = args.hooks + args.log
        users = await onboard_active(stack, total, hiring, log=ctx.log)
        employees = list(users)
        await _terminate_all(ctx, stack, employees, users)
        results: dict[str, Any] = {"employees": total}
        results["hooks"] = await hooks_path(ctx, stack, employees[: args.hooks], users)
        # Hooks off: only the System Log tells the service now.
        await _okta_hook_lifecycle(stack, hook["id"], "deactivate")
        results["log"] = await log_path(ctx, stack, employees[args.hooks :], users)
        alerts = stack.audit.query(action="okta_changed_elsewhere") if stack.audit else []
        results["judged_events"] = len(alerts)
    return Outcome(results=results, table=_table(results), goals=_goals(results))


async def _terminate_all(
    ctx: Context, stack: BenchStack, employees: list[str], users: dict[str, str]
) -> None:
    ctx.log(f"terminating {len(employees)} employees (setup)")
    await allow(
        stack.client,
        stack.task_queue,
        AllowInput(
            count=len(employees),
            until=datetime.now(UTC) + timedelta(days=1),
            reason="tamper benchmark setup",
            by="bench",
        ),
    )
    for employee in employees:
        stack.hr.store.terminate(employee, local_today(), termination_type=TERMINATION_TYPE)
    await signal_many(
        stack.client,
        stack.task_queue,
        [HrChanged(employee_id=e, source="webhook") for e in employees],
    )
    deadline = time.monotonic() + 120 + len(employees)
    for employee in employees:
        while stack.okta.store.get_user(users[employee])["status"] != "DEPROVISIONED":  # type: ignore[index]
            if time.monotonic() > deadline:
                raise TimeoutError(f"employee {employee} not terminated in setup")
            await asyncio.sleep(0.05)
    await wait_idle(stack.client, employees, timeout=120 + len(employees))


async def _reactivate(http: httpx.AsyncClient, user_id: str) -> None:
    answer = await http.post(
        f"/api/v1/users/{user_id}/lifecycle/activate",
        params={"sendEmail": "false"},
        headers={"Authorization": f"SSWS {SIM_OKTA_ADMIN_TOKEN}", "Content-Length": "0"},
    )
    answer.raise_for_status()


async def _deprovisioned_after(
    stack: BenchStack, user_id: str, t0: float, timeout: float
) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        user = stack.okta.store.get_user(user_id)
        if user is not None and user["status"] == "DEPROVISIONED":
            stamp = status_changed_at(user)
            if stamp >= t0:
                return stamp
        await asyncio.sleep(0.005)
    return None


async def hooks_path(
    ctx: Context, stack: BenchStack, employees: list[str], users: dict[str, str]
) -> dict[str, Any]:
    ctx.log(f"hooks path: {len(employees)} reactivations, one at a time")
    samples: list[float] = []
    failures: list[str] = []
    async with httpx.AsyncClient(base_url=stack.settings.okta_org_url or "", timeout=30) as http:
        for n, employee in enumerate(employees, 1):
            user_id = users[employee]
            t0 = time.time()
            await _reactivate(http, user_id)
            done = await _deprovisioned_after(stack, user_id, t0, ctx.args.timeout)
            if done is None:
                failures.append(f"{employee}: not deactivated again in {ctx.args.timeout}s")
            else:
                samples.append(done - t0)
            await wait_idle(stack.client, [employee], timeout=ctx.args.timeout)
            if n % 25 == 0:
                ctx.log(f"  {n}/{len(employees)} done")
    return _path_result(samples, failures)


async def log_path(
    ctx: Context, stack: BenchStack, employees: list[str], users: dict[str, str]
) -> dict[str, Any]:
    interval = ctx.args.log_interval
    ctx.log(
        f"log path: {len(employees)} reactivations spread over {interval:g} s, "
        f"System Log read every {interval:g} s"
    )
    stop = asyncio.Event()
    runs: list[dict[str, Any]] = []

    async def schedule() -> None:
        # What the okta-log-poll schedule does: one run per interval, none overlapping.
        while not stop.is_set():
            started = time.monotonic()
            handle = await stack.client.start_workflow(
                OktaLogPoll.run,
                OktaLogPollInput(),
                id=f"bench-okta-log-{uuid.uuid4().hex[:8]}",
                task_queue=stack.task_queue,
            )
            stack.started_workflows.add(handle.id)
            result = await handle.result()
            runs.append({"read": result.read, "signalled": result.signalled})
            with_rest = interval - (time.monotonic() - started)
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, with_rest))
            except TimeoutError:
                pass

    poller = asyncio.create_task(schedule())
    await asyncio.sleep(1.0)  # the first run sets the cursor
    rng = random.Random(ctx.args.seed)
    samples: list[float] = []
    failures: list[str] = []
    async with httpx.AsyncClient(base_url=stack.settings.okta_org_url or "", timeout=30) as http:

        async def one(employee: str) -> None:
            await asyncio.sleep(rng.uniform(0, interval))
            user_id = users[employee]
            t0 = time.time()
            await _reactivate(http, user_id)
            done = await _deprovisioned_after(stack, user_id, t0, interval + ctx.args.timeout)
            if done is None:
                failures.append(f"{employee}: not deactivated again in time")
            else:
                samples.append(done - t0)

        await asyncio.gather(*(one(e) for e in employees))
    stop.set()
    await poller
    out = _path_result(samples, failures)
    out.update(interval_seconds=interval, log_runs=len(runs))
    return out


async def _okta_hook_lifecycle(stack: BenchStack, hook_id: str, operation: str) -> None:
    from integrations.okta import build_okta_client

    client = build_okta_client(stack.settings)
    try:
        await client.event_hook_lifecycle(hook_id, operation)
    finally:
        await client.aclose()


def _path_result(samples: list[float], failures: list[str]) -> dict[str, Any]:
    return {
        "measured": len(samples),
        "failed": len(failures),
        "failures": failures[:20],
        "latency_ms": summarize([s * 1000 for s in samples], 1),
    }


def _table(results: dict[str, Any]) -> str:
    from bench.results import table

    rows = []
    for path, label in (
        ("hooks", "console reactivation → deactivated (event hook)"),
        ("log", "console reactivation → deactivated (System Log)"),
    ):
        r = results.get(path)
        if not r:
            continue
        lat = r["latency_ms"]
        rows.append(
            [label, r["measured"], r["failed"], lat.get("p50"), lat.get("p95"), lat.get("p99")]
        )
    return table(["path (ms)", "n", "failed", "p50", "p95", "p99"], rows)


def _goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    goals = []
    for path, text in (
        ("hooks", "via event hooks: p99 under 2 s"),
        ("log", "via the System Log fallback: p99 under 90 s"),
    ):
        r = results.get(path)
        if not r or not r["measured"]:
            continue
        p99 = r["latency_ms"]["p99"]
        goals.append(
            goal(
                f"tamper_{path}_p99",
                f"reactivated leaver deactivated again {text}",
                f"p99 {p99:.0f} ms over {r['measured']} (failed {r['failed']})",
                p99 < GOAL_MS[path] and r["failed"] == 0,
            )
        )
    return goals


def main() -> int:
    args = build_parser().parse_args()
    return run_benchmark(NAME, "Tamper revert", args, ISSUE_SIZES, body)


if __name__ == "__main__":
    raise SystemExit(main())
