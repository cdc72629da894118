"""Poll cost: what one poll reads from BambooHR when k employees of a large company changed,
against the least the API allows. The poll's cost must grow with k, not with the company.

Setup (not measured): a generated company of `--employees` HR records (the seed generator)
in the simulated BambooHR. For each k of `--changes`: the cursor is set, k employees get a
new job title (one jobInfo row each, a second apart), and the simulator's request log is
cleared.

Measured: exactly the poll's BambooHR reads, through the product's code (the same functions
its activities call, without Temporal around them, whose cost is not BambooHR's): the change
list (`fetch_changed`, one request), then per batch of `workflows.poll.BATCH` changes, in the
poll's order (`workflows.poll.batches`), the batch's snapshots (`activities.triggers.
read_changed`). Requests and response bytes come from the simulator's request log.

Lower bound: 1 (the change list) + per batch one read per source the snapshot is made of:
the record (custom report restricted to the batch), the employmentStatus rows, the jobInfo
rows, and the managers' names when a supervisor is outside the batch (a second report):
1 + 4 x ⌈k / BATCH⌉ (1 when k = 0). Bytes: per change, against one download of the two
company-wide tables (what every poll that saw a change read before).
"""

from __future__ import annotations

import math
import random
import time
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from bench.results import table
from bench.runner import Context, Outcome, goal, parser, run_benchmark
from integrations.bamboohr import build_bamboohr_client
from integrations.serving import ThreadedServer
from lifecycle.policy import load_policy, required_fields
from lifecycle.settings import SIM_BAMBOOHR_KEY, Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.seed import generate_company, load_bamboohr

NAME = "poll_cost"
ISSUE_SIZES = {"employees": 10_000, "changes": "0,1,10,100,1000"}
SOURCES_PER_BATCH = 4  # report, employmentStatus, jobInfo, managers' report
OVERLAP = timedelta(seconds=120)  # the poll's own (PollInput.overlap_seconds)


def build_parser() -> Any:
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument("--employees", type=int, default=10_000, help="HR records in the company")
    p.add_argument("--changes", default="0,1,10,100,1000", help="k values, comma-separated")
    return p


async def body(ctx: Context) -> Outcome:
    from activities.triggers import read_changed
    from contracts.activities import EmployeeChange
    from workflows.poll import BATCH, batches

    args = ctx.args
    ks = [int(k) for k in str(args.changes).split(",") if k.strip()]
    policy = load_policy("config/policy.yaml")
    fields = required_fields(policy)
    # The latency profile applies to the API only (the store is seeded directly).
    hr = BambooHRSimulator(api_key=SIM_BAMBOOHR_KEY, faults=ctx.deployment.latency.bamboohr)
    generated = generate_company(args.seed, args.employees, today=hr.store.today())
    load_bamboohr(hr.store, generated)
    ids = sorted(str(e.id) for e in generated.employees)
    ctx.log(f"company of {len(ids)} HR records")
    rng = random.Random(args.seed)
    rows: list[dict[str, Any]] = []
    with ThreadedServer(hr.app, name="bamboohr-sim") as server:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bamboohr_base_url=server.url,
            bamboohr_api_key=SecretStr(SIM_BAMBOOHR_KEY),
        )
        client = build_bamboohr_client(settings)
        try:
            hr.requests.clear()
            await client.get_table("all", "employmentStatus")
            await client.get_table("all", "jobInfo")
            company_tables = hr.requests.stats()["bytes"]
            for k in ks:
                hr.clock.advance(3600)
                cursor = hr.clock.now()
                hr.clock.advance(600)  # past the poll's overlap
                for eid in rng.sample(ids, min(k, len(ids))):
                    hr.clock.advance(1)
                    title = f"Title {rng.random():.6f}"
                    hr.store.change_job(eid, hr.store.today(), job_title=title)
                hr.clock.advance(60)
                hr.requests.clear()
                began = time.monotonic()
                changed = await client.fetch_changed(cursor - OVERLAP)
                changes = [
                    EmployeeChange(
                        employee_id=c.employee_id, action=c.action, last_changed=c.last_changed
                    )
                    for c in changed.changes
                ]
                snapshots = 0
                for batch in batches(changes):
                    snapshots += len((await read_changed(client, fields, batch, cursor)).snapshots)
                seconds = time.monotonic() - began
                stats = hr.requests.stats()
                bound = 1 + SOURCES_PER_BATCH * math.ceil(len(changes) / BATCH)
                row = {
                    "k": k,
                    "changes_seen": len(changes),
                    "snapshots": snapshots,
                    "requests": stats["requests"],
                    "lower_bound": bound,
                    "ratio": round(stats["requests"] / bound, 2),
                    "bytes": stats["bytes"],
                    "bytes_per_change": round(stats["bytes"] / k) if k else None,
                    "read_seconds": round(seconds, 2),
                    "by_operation": stats["byOperation"],
                }
                ctx.log(f"k={k}: {row['requests']} requests (bound {bound}), {row['bytes']} bytes")
                rows.append(row)
        finally:
            await client.aclose()
    results = {"employees": len(ids), "batch": BATCH, "company_tables_bytes": company_tables}
    results["runs"] = rows
    notes = [
        "Before this change every poll that saw any change read both company-wide tables "
        f"({company_tables} bytes here) whatever k was.",
        "Above one batch, bytes per change grow a little: a batch's changed-tables read "
        "(since its earliest change) also returns the later batches' employees; batches go "
        "earliest first, so the total stays under (k/BATCH + 1)/2 times the minimum.",
    ]
    return Outcome(results=results, table=_table(results), goals=_goals(results), notes=notes)


def _table(results: dict[str, Any]) -> str:
    return table(
        [
            "k changed",
            "requests",
            "lower bound",
            "x bound",
            "bytes",
            "bytes per change",
            "read time (s)",
        ],
        [
            [
                r["k"],
                r["requests"],
                r["lower_bound"],
                r["ratio"],
                r["bytes"],
                r["bytes_per_change"] if r["bytes_per_change"] is not None else "-",
                r.get("read_seconds"),
            ]
            for r in results["runs"]
        ],
    )


def _goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    runs = results["runs"]
    worst = max((r["ratio"] for r in runs), default=0)
    out = [goal("calls", "requests ≤ 1.2 x the lower bound at every k", worst, worst <= 1.2)]
    idle = [r for r in runs if r["k"] == 0]
    if idle:
        r = idle[0]
        out.append(
            goal(
                "idle",
                "no change → one small request",
                f"{r['requests']} request, {r['bytes']} bytes",
                r["requests"] == 1 and r["bytes"] < 1_000,
            )
        )
    busy = [r for r in runs if r["k"]]
    if busy:
        per_change = [r["bytes_per_change"] for r in busy]
        spread = max(per_change) / max(1, min(per_change))
        out.append(
            goal(
                "bytes",
                "bytes O(k): bytes per change stays within 3x across k, and one change "
                "reads under 1 % of the company's tables",
                f"{min(per_change)}-{max(per_change)} bytes per change; company tables "
                f"{results['company_tables_bytes']} bytes",
                spread <= 3 and busy[0]["bytes"] < results["company_tables_bytes"] / 100,
            )
        )
    return out


def main() -> int:
    args = build_parser().parse_args()
    return run_benchmark(NAME, "Poll cost (BambooHR reads per poll)", args, ISSUE_SIZES, body)


if __name__ == "__main__":
    raise SystemExit(main())
