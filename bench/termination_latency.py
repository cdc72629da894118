"""Termination latency: from the moment we learn of an immediate termination to the moment
Okta has deactivated the account.

Setup (not measured): `2 x --terminations` employees are onboarded (workflow running and
parked, Okta account ACTIVE). Each measured termination is an HR admin's change in the
simulated BambooHR (termination type Involuntary: the policy's immediate type, dated today)
followed by the trigger:

- webhook path: start = just before the signed POST to the webhook receiver process;
- poll path: start = just before the poll run (`BambooHRPoll` workflow) is started, with
  `--poll-batch` terminations waiting in BambooHR. Runs are `--poll-overlap` + 1 s apart
  (overlap 5 s here, 120 s in the schedule) so that each re-reads only the one before.

The mass-change guard is on: every deactivation asks it first (workflows/guard). This is
ordinary churn, not a mass change, so before measuring an allowance for exactly the
benchmark's terminations is given (`lifecycle ops allow`), as IT would for a planned change;
the request path is the same as a grant from the window's own budget.

Stop = the Okta simulator's own `statusChanged` stamp of the account becoming DEPROVISIONED
(its clock is the wall clock; nothing is polled into the figure). Terminations run one at a
time by default (`--concurrency`) and each waits for the previous workflow to park again, so
the figures are unloaded latencies. Okta's usual rate limits apply (`--okta-limits`).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.deliveries import PATH, signed_delivery
from bench.people import Hiring, local_today, status_changed_at, wait_idle
from bench.population import onboard_active
from bench.runner import Context, Outcome, goal, parser, run_benchmark
from bench.stack import BenchStack, StackConfig, bench_stack, okta_limits
from bench.stats import summarize
from contracts.employee import workflow_id_for
from contracts.guard import AllowInput
from simulators.okta.timefmt import parse_okta_time
from starters.ops.guard import allow
from workflows.poll import PollInput, PollResult, PollWorkflow

NAME = "termination_latency"
ISSUE_SIZES = {"terminations": 200}
TERMINATION_TYPE = "Involuntary"  # config/policy.yaml: termination.immediate_types


def build_parser() -> Any:
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument("--terminations", type=int, default=200, help="terminations per path")
    p.add_argument(
        "--paths", default="webhook,poll", help="which trigger paths to measure (comma list)"
    )
    p.add_argument(
        "--poll-batch",
        type=int,
        default=0,
        help="terminations per poll run (0: 10)",
    )
    p.add_argument(
        "--poll-overlap",
        type=int,
        default=5,
        help="the poll run's overlap in seconds (the schedule's default is 120; runs here "
        "are seconds apart, and a long overlap would make each re-read all the earlier ones)",
    )
    p.add_argument(
        "--concurrency", type=int, default=1, help="webhook terminations in flight at once"
    )
    p.add_argument(
        "--okta-limits",
        choices=["default", "unlimited"],
        default="default",
        help="Okta simulator rate limits while measuring (Okta's typical org limits, or none)",
    )
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per termination")
    return p


async def body(ctx: Context) -> Outcome:
    args = ctx.args
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    config = StackConfig(
        name=NAME,
        okta_limits=okta_limits(others=args.okta_limits),
        okta_log_size=200_000,
        webhook="webhook" in paths,
        deployment=ctx.deployment,
    )
    async with bench_stack(config, ctx.temporal, ctx.workdir) as stack:
        hiring = Hiring(stack.hr.store, args.seed)
        users = await onboard_active(stack, args.terminations * len(paths), hiring, log=ctx.log)
        employees = list(users)
        await allow(
            stack.client,
            stack.task_queue,
            AllowInput(
                count=len(employees),
                until=datetime.now(UTC) + timedelta(days=1),
                reason="termination-latency benchmark",
                by="bench",
            ),
        )
        okta_before = stack.okta.stats()
        results: dict[str, Any] = {"employees_onboarded": len(employees)}
        if "poll" in paths:
            chosen, employees = employees[: args.terminations], employees[args.terminations :]
            results["poll"] = await poll_path(ctx, stack, chosen, users, hiring)
        if "webhook" in paths:
            chosen, employees = employees[: args.terminations], employees[args.terminations :]
            results["webhook"] = await webhook_path(ctx, stack, chosen, users)
        results["okta_during_measurement"] = _okta_delta(okta_before, stack.okta.stats())
        dev_server = ctx.temporal.started_here
    return Outcome(
        results=results, table=_table(results), goals=_goals(results, dev_server, ctx.args.latency)
    )


# --- webhook path ------------------------------------------------------------------------------
async def webhook_path(
    ctx: Context, stack: BenchStack, employees: list[str], users: dict[str, str]
) -> dict[str, Any]:
    ctx.log(f"webhook path: {len(employees)} terminations, {ctx.args.concurrency} at a time")
    gate = asyncio.Semaphore(max(1, ctx.args.concurrency))
    samples: list[dict[str, Any]] = []
    failures: list[str] = []

    async with httpx.AsyncClient(timeout=30) as http:

        async def one(employee_id: str) -> None:
            async with gate:
                user_id = users[employee_id]
                stack.hr.store.terminate(
                    employee_id, local_today(), termination_type=TERMINATION_TYPE
                )
                body, headers = signed_delivery(employee_id)
                t0 = time.time()
                answer = await http.post(stack.webhook_url + PATH, content=body, headers=headers)
                acked = time.time()
                if answer.status_code != 202:
                    failures.append(f"{employee_id}: receiver answered {answer.status_code}")
                    return
                done = await _deprovisioned(stack, user_id, ctx.args.timeout)
                if done is None:
                    failures.append(f"{employee_id}: not deactivated in {ctx.args.timeout}s")
                    return
                sample = {
                    "employee_id": employee_id,
                    "latency": done - t0,
                    "ack": acked - t0,
                    **_stages(stack, employee_id, user_id, t0),
                }
                samples.append(sample)
                await wait_idle(stack.client, [employee_id], timeout=ctx.args.timeout)
                if len(samples) % 25 == 0:
                    ctx.log(f"  {len(samples)}/{len(employees)} done")

        await asyncio.gather(*(one(e) for e in employees))
    return _path_result(samples, failures, extra_keys=("ack", "to_hr_read", "to_okta_first"))


def _stages(stack: BenchStack, employee_id: str, user_id: str, t0: float) -> dict[str, float]:
    """Where the time went, from both simulators' request logs: the workflow's first
    BambooHR read of this employee, and its first Okta request about the account."""
    out: dict[str, float] = {}
    offset = stack.hr.clock.time() - time.time()  # zero unless someone moved the HR clock
    for entry in reversed(stack.hr.requests.entries()):
        at = parse_okta_time(entry["at"]).timestamp() - offset
        if at < t0:
            break
        if employee_id in entry["path"] or employee_id in entry.get("query", ""):
            out["to_hr_read"] = at - t0  # the answer's time: the read is done
    for entry in reversed(stack.okta.recorder.requests(path_prefix=f"/api/v1/users/{user_id}")):
        at = parse_okta_time(entry["time"]).timestamp()
        if at < t0:
            break
        out["to_okta_first"] = at - t0
    return out


async def _deprovisioned(stack: BenchStack, user_id: str, timeout: float) -> float | None:
    """The simulator's stamp of the deactivation, once it has happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        user = stack.okta.store.get_user(user_id)
        if user is not None and user["status"] == "DEPROVISIONED":
            return status_changed_at(user)
        await asyncio.sleep(0.005)
    return None


# --- poll path ---------------------------------------------------------------------------------
async def poll_path(
    ctx: Context,
    stack: BenchStack,
    employees: list[str],
    users: dict[str, str],
    hiring: Hiring,
) -> dict[str, Any]:
    client, task_queue = stack.client, stack.task_queue
    poll_input = PollInput(overlap_seconds=ctx.args.poll_overlap)
    gap = poll_input.overlap_seconds + 1.0
    # A first run sets the durable cursor (it sees the onboarding hires: nothing to do).
    ctx.log("poll path: first poll runs set the cursor")
    await _run_poll(stack, poll_input, "warmup")
    await wait_idle(client, list(users), timeout=60 + len(users))
    # The cursor is the newest change seen, and each run re-reads its overlap before it: a
    # later change (a future hire, which makes no Okta change) moves it past the onboarding
    # hires, so the first measured run is not slowed by re-reading them all.
    await asyncio.sleep(gap)
    sentinel = hiring.hire(local_today() + timedelta(days=120))
    stack.started_workflows.add(workflow_id_for(sentinel))
    await _run_poll(stack, poll_input, "warmup")
    await wait_idle(client, [sentinel], timeout=60)
    last_change = time.time()
    batch = ctx.args.poll_batch or 10
    ctx.log(f"poll path: {len(employees)} terminations, {batch} per poll run")
    samples: list[dict[str, Any]] = []
    failures: list[str] = []
    runs: list[dict[str, Any]] = []
    for start in range(0, len(employees), batch):
        chunk = employees[start : start + batch]
        # Older runs' changes fall out of the overlap: only the previous run is re-read.
        await asyncio.sleep(max(0.0, last_change + gap - time.time()))
        for employee_id in chunk:
            stack.hr.store.terminate(employee_id, local_today(), termination_type=TERMINATION_TYPE)
        last_change = time.time()
        t0 = time.time()
        handle = await client.start_workflow(
            PollWorkflow.run,
            poll_input,
            id=f"bench-poll-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
        )
        stack.started_workflows.add(handle.id)
        result = await handle.result()
        stamps = {}
        for employee_id in chunk:
            done = await _deprovisioned(stack, users[employee_id], ctx.args.timeout)
            if done is None:
                failures.append(f"{employee_id}: not deactivated in {ctx.args.timeout}s")
            else:
                stamps[employee_id] = done
        for employee_id, done in stamps.items():
            samples.append({"employee_id": employee_id, "latency": done - t0})
        runs.append(
            {
                "terminations": len(chunk),
                "changes_seen": result.changes,
                "run_seconds": round(max(stamps.values(), default=t0) - t0, 3),
            }
        )
        await wait_idle(client, chunk, timeout=ctx.args.timeout)
        if len(runs) % 5 == 0:
            ctx.log(f"  {len(samples)}/{len(employees)} done")
    out = _path_result(samples, failures)
    out.update(
        batch=batch,
        overlap_seconds=poll_input.overlap_seconds,
        runs=len(runs),
        changes_seen_per_run=summarize([r["changes_seen"] for r in runs], 1),
    )
    return out


async def _run_poll(stack: BenchStack, poll_input: PollInput, tag: str) -> PollResult:
    handle = await stack.client.start_workflow(
        PollWorkflow.run,
        poll_input,
        id=f"bench-poll-{tag}-{uuid.uuid4().hex[:6]}",
        task_queue=stack.task_queue,
    )
    stack.started_workflows.add(handle.id)
    return await handle.result()


# --- results -----------------------------------------------------------------------------------
def _path_result(
    samples: list[dict[str, Any]], failures: list[str], extra_keys: tuple[str, ...] = ()
) -> dict[str, Any]:
    ms = {"latency_ms": summarize([s["latency"] * 1000 for s in samples], 1)}
    for key in extra_keys:
        values = [s[key] * 1000 for s in samples if key in s]
        ms[f"{key}_ms"] = summarize(values, 1)
    return {
        "measured": len(samples),
        "failed": len(failures),
        "failures": failures[:20],
        **ms,
        "slowest": sorted(
            (
                {k: (round(v * 1000, 1) if isinstance(v, float) else v) for k, v in s.items()}
                for s in samples
            ),
            key=lambda s: -s["latency"],
        )[:5],
    }


def _okta_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    ops = {
        k: v - before["by_operation"].get(k, 0)
        for k, v in after["by_operation"].items()
        if v - before["by_operation"].get(k, 0)
    }
    return {
        "requests": after["api_requests"] - before["api_requests"],
        "served_429": after["served_429"] - before["served_429"],
        "by_operation": dict(sorted(ops.items())),
    }


def _table(results: dict[str, Any]) -> str:
    from bench.results import table

    rows = []
    for path, label in (
        ("webhook", "webhook receipt → deactivated"),
        ("poll", "poll start → deactivated"),
    ):
        r = results.get(path)
        if not r:
            continue
        lat = r["latency_ms"]
        rows.append(
            [
                label,
                r["measured"],
                r["failed"],
                lat.get("p50"),
                lat.get("p95"),
                lat.get("p99"),
                lat.get("max"),
            ]
        )
        if path == "webhook":
            for key, what in (
                ("ack_ms", "  POST answered (202)"),
                ("to_hr_read_ms", "  first BambooHR read answered"),
                ("to_okta_first_ms", "  first Okta call on the account"),
            ):
                s = r.get(key) or {}
                rows.append(
                    [what, s.get("n"), None, s.get("p50"), s.get("p95"), s.get("p99"), s.get("max")]
                )
    return table(["path (ms)", "n", "failed", "p50", "p95", "p99", "max"], rows)


# The issue's goal: p99 under 1 s without latency, under 1.5 s with Okta and BambooHR at
# realistic latency (the path reads BambooHR once and writes Okta a few times).
P99_GOAL_MS = {"zero": 1000, "realistic": 1500}


def _goals(results: dict[str, Any], dev_server: bool, latency: str) -> list[dict[str, Any]]:
    goals = []
    web = results.get("webhook")
    if web and web["measured"]:
        p99 = web["latency_ms"]["p99"]
        limit = P99_GOAL_MS[latency]
        met = p99 < limit and web["failed"] == 0
        why = close = None
        if not met:
            why, close = _webhook_diagnosis(web)
        if not dev_server:
            why = (why or "") + " (measured on an external cluster; the goal is for the dev server)"
        goals.append(
            goal(
                "termination_webhook_p99",
                f"webhook-path termination p99 under {limit / 1000:g} s on the dev server",
                f"p99 {p99:.0f} ms over {web['measured']} (failed {web['failed']})",
                met,
                why=why,
                close=close,
            )
        )
    poll = results.get("poll")
    if poll and poll["measured"]:
        goals.append(
            goal(
                "termination_poll",
                "poll-path termination (no goal set; for comparison)",
                f"p99 {poll['latency_ms']['p99']:.0f} ms over {poll['measured']}, "
                f"{poll['batch']} per run",
                None,
            )
        )
    return goals


def _webhook_diagnosis(web: dict[str, Any]) -> tuple[str, str]:
    lat = web["latency_ms"]
    ack = (web.get("ack_ms") or {}).get("p99")
    hr = (web.get("to_hr_read_ms") or {}).get("p99")
    okta = (web.get("to_okta_first_ms") or {}).get("p99")
    parts = [f"p99 {lat['p99']:.0f} ms"]
    if ack is not None:
        parts.append(f"receiver answer p99 {ack:.0f} ms (verify + signal-with-start)")
    if hr is not None:
        parts.append(
            f"first BambooHR read answered at p99 {hr:.0f} ms (hint → workflow task → fetch)"
        )
    if okta is not None:
        parts.append(f"first Okta call on the account at p99 {okta:.0f} ms")
    if web["failed"]:
        parts.append(f"{web['failed']} terminations not deactivated in time")
    why = "; ".join(parts) + "."
    close = (
        "The path is receiver → signal-with-start → workflow task → fetch_employee (the record, "
        "both tables and the known supervisor read at once, each read hedged: asked again when "
        "slower than nine in ten recent reads) → plan_lifecycle → ask the guard → "
        "set_okta_status (the account and its groups read together for the protected check, "
        "then deactivate), each activity a Temporal task round trip. With the realistic "
        "profile the serial floor is one BambooHR round (the slowest of four hedged reads) and "
        "two Okta round trips: a simulation of that chain alone (log-normal, the profile's "
        "spread, 130 ms of Temporal round trips) gives p99 ≈ 1.55 s, down from ≈ 1.9 s with "
        "unhedged reads and three Okta calls in a row. Under 1.5 s needs the account read to "
        "overlap the BambooHR read (simulated p99 ≈ 1.3 s), or acting on the webhook's own "
        "field values before BambooHR answers. A loaded machine stretches every round trip "
        "(compare the load average)."
    )
    return why, close


def main() -> int:
    args = build_parser().parse_args()
    return run_benchmark(NAME, "Termination latency", args, ISSUE_SIZES, body)


if __name__ == "__main__":
    raise SystemExit(main())
