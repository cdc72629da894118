"""Footprint: the worker's memory and the Temporal database with `--open` lifecycles open
and waiting on timers, and the history a whole lifecycle leaves.

- `--open` future hires (start dates 3-6 months out, so each workflow reads BambooHR once,
  plans, and parks on its pre-board timer) are announced to their workflows. Worker RSS
  (`VmRSS` of the worker process, sampled every second; `VmHWM` is its peak) before, while
  and after they start; the dev server's SQLite file (with its WAL) once all are parked
  (a cluster's database is not measured). "Parked" is read from visibility: the workflow
  publishes `NextAction = PRE_BOARD` in the same task in which it starts waiting.
- History events of one parked future hire, and of one employee taken through hire →
  transfer → leave → return → terminate → rehire (see `bench.lifecycle_history`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from bench.lifecycle_history import full_lifecycle, history_length
from bench.people import Hiring, announce, local_today
from bench.processes import MemorySampler, memory
from bench.results import table
from bench.runner import Context, Outcome, goal, parser, run_benchmark
from bench.stack import BenchStack, StackConfig, bench_stack
from bench.stats import mib
from contracts.employee import WORKFLOW_NAME, workflow_id_for
from lifecycle.models import ActionKind

NAME = "footprint"
ISSUE_SIZES = {"open": 10_000}
RSS_GOAL_MIB = 500
SDK_CACHE_DEFAULT = 1000  # temporalio Worker max_cached_workflows (the product keeps it)


def build_parser() -> Any:
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument("--open", type=int, default=10_000, help="open lifecycles (future hires)")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds for all to park")
    return p


async def body(ctx: Context) -> Outcome:
    args = ctx.args
    config = StackConfig(name=NAME, deployment=ctx.deployment)
    async with bench_stack(config, ctx.temporal, ctx.workdir) as stack:
        # Each worker keeps its own share of the open lifecycles in its cache: the goal is per
        # worker, so every figure below is the largest worker's.
        samplers = [MemorySampler(w.pid).start() for w in stack.workers]
        await asyncio.sleep(3)
        baselines = [memory(w.pid) for w in stack.workers]
        baseline = _largest(baselines)
        hiring = Hiring(stack.hr.store, args.seed)
        ctx.log("one whole lifecycle: hire → transfer → leave → return → terminate → rehire")
        lifecycle = await full_lifecycle(stack, hiring)
        ctx.log(f"  {lifecycle['events_total']} history events")
        opened = await open_lifecycles(ctx, stack, hiring, args.open, args.timeout)
        await asyncio.sleep(10)  # settle: the last tasks done, memory as it stays
        per_worker = {w.name: memory(w.pid) for w in stack.workers}
        held = _largest(list(per_worker.values()))
        for sampler in samplers:
            await sampler.stop()
        sampler = max(samplers, key=lambda x: x.max_rss or 0)
        parked_history = await history_length(stack, opened["sample_employee"])
        db = ctx.temporal.db_bytes()
    results: dict[str, Any] = {
        "open_lifecycles": args.open,
        "parked": opened["parked"],
        "start_seconds": opened["seconds"],
        "parked_per_second": opened["per_second"],
        "worker_rss_mib": {
            "baseline": mib(baseline.get("rss")),
            "with_open_lifecycles": mib(held.get("rss")),
            "peak": mib(held.get("peak")),
            "max_sampled": mib(sampler.max_rss),
        },
        "workers": len(per_worker),
        "rss_by_worker_mib": {name: mib(m.get("rss")) for name, m in per_worker.items()},
        # All workers together: the open lifecycles are spread over their caches.
        "worker_rss_per_open_lifecycle_kib": round(
            (_total(per_worker.values()) - _total(baselines)) / 1024 / max(1, args.open), 2
        ),
        "rss_samples_mib": _thin([(t, mib(v)) for t, v in sampler.samples], 60),
        "temporal_db_mib": {k: mib(v) for k, v in db.items()} if db else None,
        "temporal_db_kib_per_lifecycle": round(db["with_wal"] / 1024 / max(1, args.open + 1), 2)
        if db
        else None,
        "history_events": {
            "parked_future_hire": parked_history,
            "full_lifecycle": lifecycle["events_total"],
            "full_lifecycle_per_step": lifecycle["events_per_step"],
            "full_lifecycle_continued_as_new": lifecycle["continued_as_new"],
        },
        "sdk_workflow_cache": SDK_CACHE_DEFAULT,
    }
    return Outcome(
        results=results,
        table=_table(results),
        goals=_goals(results, args.open),
        notes=_notes(results),
    )


def _total(readings: Iterable[dict[str, int]]) -> int:
    return sum(m.get("rss", 0) for m in readings)


def _largest(readings: list[dict[str, int]]) -> dict[str, int]:
    """The reading of the worker holding the most memory now."""
    return max(readings, key=lambda m: m.get("rss", 0), default={})


async def open_lifecycles(
    ctx: Context, stack: BenchStack, hiring: Hiring, count: int, timeout: float
) -> dict[str, Any]:
    today = local_today()
    employees = [
        hiring.hire(today + timedelta(days=90 + i % 90)) for i in range(count)
    ]  # start dates spread over three months, from three months out
    stack.started_workflows.update(workflow_id_for(e) for e in employees)
    ctx.log(f"opening {count} lifecycles (future hires)")
    started = time.monotonic()
    announcing = asyncio.create_task(announce(stack.client, stack.task_queue, employees))
    query = (
        f"WorkflowType = '{WORKFLOW_NAME}' AND TaskQueue = '{stack.task_queue}' "
        f"AND NextAction = '{ActionKind.PRE_BOARD.value}' AND ExecutionStatus = 'Running'"
    )
    parked, last_log = 0, 0.0
    deadline = started + timeout
    while time.monotonic() < deadline:
        parked = (await stack.client.count_workflows(query)).count
        if time.monotonic() - last_log > 15:
            last_log = time.monotonic()
            rss = [mib(memory(w.pid).get("rss")) for w in stack.workers]
            ctx.log(f"  {parked}/{count} parked, worker RSS {rss} MiB")
        if parked >= count and announcing.done():
            break
        await asyncio.sleep(1)
    await announcing
    seconds = time.monotonic() - started
    return {
        "parked": parked,
        "seconds": round(seconds, 1),
        "per_second": round(parked / seconds, 1) if seconds else None,
        "sample_employee": employees[len(employees) // 2],
    }


def _thin(samples: list[tuple[float, Any]], keep: int) -> list[tuple[float, Any]]:
    if len(samples) <= keep:
        return samples
    step = len(samples) / keep
    return [samples[int(i * step)] for i in range(keep)] + [samples[-1]]


def _table(r: dict[str, Any]) -> str:
    rss, hist = r["worker_rss_mib"], r["history_events"]
    db = r["temporal_db_mib"] or {}
    rows = [
        ["open lifecycles (parked on a timer)", f"{r['parked']} of {r['open_lifecycles']}"],
        ["time to open them all (s)", r["start_seconds"]],
        ["worker RSS before (MiB)", rss["baseline"]],
        ["worker RSS with them open (MiB)", rss["with_open_lifecycles"]],
        ["worker peak RSS (MiB)", rss["peak"]],
        ["Temporal SQLite DB, with WAL (MiB)", db.get("with_wal")],
        ["Temporal DB per lifecycle (KiB)", r["temporal_db_kib_per_lifecycle"]],
        ["history events: parked future hire", hist["parked_future_hire"]],
        ["history events: whole lifecycle", hist["full_lifecycle"]],
        *[[f"  {step}", n] for step, n in hist["full_lifecycle_per_step"].items()],
    ]
    return table(["measure", "value"], rows)


def _notes(r: dict[str, Any]) -> list[str]:
    rss = r["worker_rss_mib"]
    per = r["worker_rss_per_open_lifecycle_kib"]
    notes = [
        f"Worker memory grew {per} KiB per open lifecycle here; the SDK keeps at most "
        f"{SDK_CACHE_DEFAULT} workflows cached (the rest are replayed from history when "
        "their timer fires), so beyond that the growth per lifecycle should flatten."
    ]
    if r["open_lifecycles"] < ISSUE_SIZES["open"] and rss["baseline"] is not None:
        cached = min(ISSUE_SIZES["open"], SDK_CACHE_DEFAULT)
        projected = round(rss["baseline"] + cached * per / 1024)
        notes.append(
            f"Projection from this small run (not a measurement): {rss['baseline']} MiB + "
            f"{cached} cached x {per} KiB ≈ {projected} MiB with 10,000 open."
        )
    return notes


def _goals(r: dict[str, Any], requested: int) -> list[dict[str, Any]]:
    rss = r["worker_rss_mib"]
    peak = max(v for v in (rss["peak"], rss["max_sampled"]) if v is not None)
    met = peak < RSS_GOAL_MIB and r["parked"] >= requested
    why = close = None
    if not met:
        parts = []
        if peak >= RSS_GOAL_MIB:
            parts.append(
                f"peak RSS {peak} MiB: the SDK caches up to {SDK_CACHE_DEFAULT} workflows "
                "(each with its pydantic state and sandbox), plus the burst of activities "
                "while they start"
            )
        if r["parked"] < requested:
            parts.append(f"only {r['parked']} of {requested} lifecycles parked in time")
        why = "; ".join(parts)
        close = (
            "Set a smaller max_cached_workflows on the worker (parked lifecycles are replayed "
            "when their timer fires, which is cheap for short histories), and limit "
            "max_concurrent_activities during mass starts."
        )
    return [
        goal(
            "footprint_rss",
            f"worker RSS under {RSS_GOAL_MIB} MB with 10,000 open lifecycles",
            f"peak {peak} MiB, {rss['with_open_lifecycles']} MiB held, {r['parked']:,} open",
            met,
            why=why,
            close=close,
        )
    ]


def main() -> int:
    args = build_parser().parse_args()
    return run_benchmark(NAME, "Footprint", args, ISSUE_SIZES, body)


if __name__ == "__main__":
    raise SystemExit(main())
