"""Throughput: end-to-end onboardings per second with no rate limit (`--workers` processes).

`--employees` people who started last week are announced to their workflows at once (signal-
with-start, as the poller does for a big batch); each onboarding is done at the Okta
simulator's stamp of its activation (account created, profile written, groups synced,
activated). Reported: onboardings per second over the whole wave (first signal → last
activation) and in its steady middle 80 %, and how busy each process kept the CPU.

When the benchmark starts its own dev server with a database file (the default), the same
wave is run a second time on a fresh dev server whose SQLite database is in memory
(`--no-memory-comparison` skips it), to show what the server's database file costs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.cpu import CpuMeter
from bench.onboarding import onboard_wave
from bench.people import Hiring
from bench.processes import memory
from bench.results import table
from bench.runner import Context, Outcome, goal, parser, run_benchmark
from bench.stack import StackConfig, bench_stack, okta_limits
from bench.stats import mib
from bench.temporal import TemporalTarget, temporal_target

NAME = "throughput"
ISSUE_SIZES = {"employees": 1000}  # the issue sets no size; this is the default


def build_parser() -> Any:
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument("--employees", type=int, default=1000, help="onboardings in the wave")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds for the whole wave")
    p.add_argument(
        "--no-memory-comparison",
        action="store_true",
        help="skip the second wave on a dev server with its database in memory",
    )
    return p


async def wave_on(ctx: Context, target: TemporalTarget, workdir: Path) -> dict[str, Any]:
    args = ctx.args
    config = StackConfig(
        name=NAME, okta_limits=okta_limits(others="unlimited"), deployment=ctx.deployment
    )
    async with bench_stack(config, target, workdir) as stack:
        server = target.server
        meter = CpuMeter(
            {
                **stack.worker_pids,
                "temporal dev server": server.process.pid if server and server.process else None,
            }
        ).start()
        okta_before = stack.okta.stats()["api_requests"]
        grouped_before = stack.okta.stats()["memberships_at_create"]
        wave = await onboard_wave(
            stack,
            args.employees,
            Hiring(stack.hr.store, args.seed),
            timeout=args.timeout,
            log=ctx.log,
        )
        cpu = meter.stop()
        okta_calls = stack.okta.stats()["api_requests"] - okta_before
        grouped = stack.okta.stats()["memberships_at_create"] - grouped_before
        worker_memory = max((memory(w.pid) for w in stack.workers), key=lambda m: m.get("rss", 0))
        by_operation = stack.okta.stats()["by_operation"]
    summary = wave.summary()
    onboarded = max(1, summary["onboarded"])
    return {
        **summary,
        "temporal": target.describe()["kind"],
        "workers": len(stack.workers),
        "okta_calls": okta_calls,
        "okta_calls_per_onboarding": round(okta_calls / onboarded, 1),
        # Before groupIds each membership a create call now carries was its own PUT
        # /groups/{id}/users/{id}: the same wave then costs these calls too (counted by the
        # simulator per create, not estimated).
        "okta_memberships_at_create": grouped,
        "okta_calls_per_onboarding_without_group_ids": round((okta_calls + grouped) / onboarded, 1),
        "okta_by_operation": by_operation,
        "cpu": cpu,
        "worker_rss_mib": mib(worker_memory.get("rss")),
        "worker_peak_rss_mib": mib(worker_memory.get("peak")),
    }


async def body(ctx: Context) -> Outcome:
    args = ctx.args
    results = await wave_on(ctx, ctx.temporal, ctx.workdir)
    if ctx.temporal.db_file is not None and not args.no_memory_comparison:
        ctx.log("the same wave on a dev server with its database in memory")
        workdir = ctx.workdir / "memory"
        async with temporal_target(None, args.namespace, workdir, "memory") as target:
            results["memory_db"] = await wave_on(ctx, target, workdir)
    return Outcome(
        results=results, table=_table(results), goals=_goals(results), notes=_notes(results)
    )


def _table(r: dict[str, Any]) -> str:
    runs = [("", r)] + ([(" (DB in memory)", r["memory_db"])] if r.get("memory_db") else [])
    rows: list[list[Any]] = []
    for suffix, run in runs:
        rows += [
            [f"onboardings / failed{suffix}", f"{run['onboarded']} / {run['failed']}"],
            [f"wall time, first signal → last activation (s){suffix}", run["wall_seconds"]],
            [f"onboardings per second, whole wave{suffix}", run["per_second"]],
            [f"onboardings per second, middle 80 %{suffix}", run.get("steady_per_second")],
            *[[f"CPU cores busy: {k}{suffix}", v] for k, v in run["cpu"]["cores_busy"].items()],
        ]
    rows.append(
        ["Okta calls per onboarding (create with groupIds)", r["okta_calls_per_onboarding"]]
    )
    rows.append(
        [
            "Okta calls per onboarding before groupIds (one PUT per managed group)",
            r.get("okta_calls_per_onboarding_without_group_ids"),
        ]
    )
    return table(["measure", "value"], rows)


def _goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    value = f"{r['per_second']}/s whole wave, {r.get('steady_per_second')}/s steady"
    if r.get("memory_db"):
        m = r["memory_db"]
        value += f" ({m['per_second']}/s, {m.get('steady_per_second')}/s with the DB in memory)"
    return [
        goal(
            "throughput",
            f"end-to-end onboardings per second, no rate limit, {r.get('workers', 1)} worker(s) "
            "(no goal set)",
            value,
            None,
        )
    ]


def _notes(r: dict[str, Any]) -> list[str]:
    cpu = r["cpu"]
    busiest = max(cpu["cores_busy"].items(), key=lambda kv: kv[1], default=("-", 0.0))
    total = round(sum(cpu["cores_busy"].values()), 2)
    notes = [
        f"Busiest process: {busiest[0]} at {busiest[1]} of a core; all of ours together "
        f"{total} of {cpu['cores']} cores (they share the machine with whatever else ran on "
        "it: see the load average)."
    ]
    if busiest[1] < 0.8:
        notes.append(
            "No process of ours kept a core busy, so the rate is bound by waiting, not "
            "computing: each onboarding is a chain of about 8 activities and as many workflow "
            "tasks, each a round trip through the server."
        )
    m = r.get("memory_db")
    if m and m.get("steady_per_second") and r.get("steady_per_second"):
        factor = m["steady_per_second"] / r["steady_per_second"]
        worker = m["cpu"]["cores_busy"].get("worker")
        notes.append(
            f"With the dev server's database in memory the steady rate was {factor:.1f}x "
            f"({m['steady_per_second']}/s) and the worker {worker} of a core busy: "
            + (
                "the wave waits mostly on the dev server writing each step to its SQLite "
                "file; a production cluster's database decides the real figure."
                if factor >= 1.5
                else "the database file is not what limits the wave."
            )
        )
    return notes


def main() -> int:
    args = build_parser().parse_args()
    return run_benchmark(NAME, "Throughput", args, ISSUE_SIZES, body, size_source="default")


if __name__ == "__main__":
    raise SystemExit(main())
