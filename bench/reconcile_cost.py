"""Reconciliation API cost: what a reconciliation run of a whole company asks of Okta and
BambooHR, against the least the APIs allow, and how long it takes.

Setup (not measured): a generated company of `--employees` HR records (the seed generator)
in the simulated BambooHR, and an Okta org exactly in step with it (see `bench.org`).
Optionally (`--with-workflows`) every employee's workflow is started first by an `apply`
reconciliation, as in production, where each employee's lifecycle already runs.

Measured, each with the simulators' counters reset just before:
1. a no-op run (`--noop-mode`, default `drift`, the nightly run) on the org in step;
2. a drift run after `--drift-percent` of the employees with an active account were given
   exactly one difference each in Okta (a profile attribute changed, a managed group taken
   away, or a managed group added): each needs exactly one write to set right.

Start = the `Reconcile` workflow is started. "Run done" = its result; "repaired" = every
planted difference is set right in Okta (drift run). Calls are counted once no request has
reached Okta for 3 s (the handed-over employee workflows finish after the run). Lower bound =
the pages needed to read everything once (users 200 per page, the group list, each managed or
protected group's members 1,000 per page) + exactly one write per drifted item; BambooHR's is
3 (the custom report and the two tables; the worker also reads the field list once per
process).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
import uuid
from typing import Any

from bench.org import build_org_in_step
from bench.people import wait_idle
from bench.results import table
from bench.runner import Context, Outcome, goal, parser, run_benchmark
from bench.stack import UNLIMITED, BenchStack, StackConfig, bench_stack
from contracts.employee import workflow_id_for
from simulators.seed import generate_company, load_bamboohr

NAME = "reconcile_cost"
ISSUE_SIZES = {"employees": 10_000, "drift_percent": 1.0}
USERS_PAGE = 200
MEMBERS_PAGE = 1000
GROUPS_PAGE = 10_000
HR_LOWER_BOUND = 3
READ_OPERATIONS = {"listUsers", "listGroups", "listGroupUsers"}
DRIFT_TITLE_PREFIX = "Drifted "


def build_parser() -> Any:
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument("--employees", type=int, default=10_000, help="HR records in the company")
    p.add_argument(
        "--drift-percent",
        type=float,
        default=1.0,
        help="share of employees with an active account given one difference in Okta",
    )
    p.add_argument(
        "--noop-mode",
        choices=["drift", "plan"],
        default="drift",
        help="mode of the no-op run (drift: the nightly run; plan: compare only)",
    )
    p.add_argument(
        "--with-workflows",
        action="store_true",
        help="start every employee's workflow first (an apply run, rate limits lifted)",
    )
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    return p


async def body(ctx: Context) -> Outcome:
    from workflows.reconcile import ReconcileInput  # noqa: F401 - fail early if not built

    args = ctx.args
    config = StackConfig(name=NAME, okta_log_size=200_000, deployment=ctx.deployment)
    company: dict[str, Any] = {}

    def seed_hr(stack: BenchStack) -> None:
        generated = generate_company(args.seed, args.employees, today=stack.hr.store.today())
        load_bamboohr(stack.hr.store, generated)
        for group in generated.okta_groups:  # the org's other groups (apps, admins)
            if stack.okta.store.find_group(group.name) is None:
                stack.okta.store.create_group(group.name, group.description, group.type)
        company["records"] = len(generated.employees)

    async with bench_stack(config, ctx.temporal, ctx.workdir, prepare=seed_hr) as stack:
        ctx.log(f"company of {company['records']} HR records; building Okta in step")
        org = await build_org_in_step(stack)
        ctx.log(f"  {org['accounts_created']} accounts; corrections {org['corrections']}")
        results: dict[str, Any] = {
            "setup": org,
            "with_workflows": args.with_workflows,
            "drift_percent": args.drift_percent,
        }
        if args.with_workflows:
            results["workflows_started"] = await start_all_workflows(ctx, stack)
        bound = lower_bound(stack)
        results["lower_bound_reads"] = bound
        ctx.log(f"no-op run ({args.noop_mode}); lower bound {bound['okta_reads']} Okta reads")
        results["noop"] = await measured_run(ctx, stack, args.noop_mode, planted={})
        planted = plant_drift(stack, args.drift_percent, args.seed)
        stack.started_workflows.update(workflow_id_for(e) for e in planted)
        ctx.log(f"drift run with {len(planted)} drifted employees")
        results["drift"] = await measured_run(ctx, stack, "drift", planted=planted)
    return Outcome(
        results=results, table=_table(results), goals=_goals(results), notes=_notes(results)
    )


# --- setup --------------------------------------------------------------------------------------
async def start_all_workflows(ctx: Context, stack: BenchStack) -> dict[str, Any]:
    """An apply run hands every employee to their workflow ("ensure"); setup only."""
    limits = dict(stack.okta.limiter.limits)
    stack.okta.limiter.set_limits(dict.fromkeys(limits, UNLIMITED))
    try:
        ctx.log("starting every employee's workflow (apply run, rate limits lifted)")
        result = await _reconcile(stack, "apply", ctx.args.timeout)
        linked = [
            str(u["profile"]["bambooHrId"])
            for u in stack.okta.store.list_users()
            if u["profile"].get("bambooHrId")
        ]
        stack.started_workflows.update(workflow_id_for(e) for e in linked)
        # Leavers whose account is already deprovisioned get no workflow.
        await wait_idle(stack.client, linked, timeout=ctx.args.timeout, missing_ok=True)
    finally:
        stack.okta.limiter.set_limits(limits)
        stack.okta.limiter.reset()
    return {"delivered": result.get("summary", {}).get("deliveries")}


def plant_drift(stack: BenchStack, percent: float, seed: int) -> dict[str, dict[str, Any]]:
    """One difference each for `percent` of the employees with an ACTIVE linked account;
    employee id -> what was planted (and how to tell it was set right)."""
    store = stack.okta.store
    managed = sorted(stack.policy.managed_groups)
    candidates = sorted(
        (
            u
            for u in store.list_users()
            if u["status"] == "ACTIVE" and u["profile"].get("bambooHrId")
        ),
        key=lambda u: u["id"],
    )
    count = max(1, round(len(candidates) * percent / 100))
    chosen = random.Random(seed).sample(candidates, min(count, len(candidates)))
    planted: dict[str, dict[str, Any]] = {}
    for i, user in enumerate(chosen):
        employee = str(user["profile"]["bambooHrId"])
        uid = user["id"]
        groups = {store.require_group(g)["profile"]["name"] for g in store.user_group_ids(uid)}
        kind = ("profile", "group_removed", "group_added")[i % 3]
        mine = sorted(g for g in groups if g in managed)
        if kind == "group_removed" and mine:
            name = mine[0]
            store.remove_member(_group_id(stack, name), uid)
            planted[employee] = {"kind": kind, "user_id": uid, "group": name}
            continue
        others = [g for g in managed if g not in groups]
        if kind == "group_added" and others:
            name = others[0]
            store.add_member(_group_id(stack, name), uid)
            planted[employee] = {"kind": kind, "user_id": uid, "group": name}
            continue
        title = user["profile"].get("title") or ""
        store.update_user(uid, {"title": DRIFT_TITLE_PREFIX + title})
        planted[employee] = {"kind": "profile", "user_id": uid, "title": title}
    return planted


def _group_id(stack: BenchStack, name: str) -> str:
    group = stack.okta.store.find_group(name)
    assert group is not None, name
    return str(group["id"])


def _repaired(stack: BenchStack, item: dict[str, Any]) -> bool:
    store = stack.okta.store
    uid = item["user_id"]
    if item["kind"] == "profile":
        user = store.get_user(uid)
        return user is not None and (user["profile"].get("title") or "") == item["title"]
    group = store.find_group(item["group"])
    member = group is not None and group["id"] in store.user_group_ids(uid)
    return member if item["kind"] == "group_removed" else not member


def lower_bound(stack: BenchStack) -> dict[str, Any]:
    """The fewest Okta reads that see everything a comparison needs."""
    store = stack.okta.store
    listed = {
        name.casefold() for name in (*stack.policy.managed_groups, *stack.policy.protected.groups)
    }
    groups = store.list_groups()
    member_pages = {
        g["profile"]["name"]: max(1, math.ceil(store.member_count(g["id"]) / MEMBERS_PAGE))
        for g in groups
        if g["profile"]["name"].casefold() in listed
    }
    users = store.user_count()
    pages = {
        "listUsers": max(1, math.ceil(users / USERS_PAGE)),
        "listGroups": max(1, math.ceil(len(groups) / GROUPS_PAGE)),
        "listGroupUsers": sum(member_pages.values()),
    }
    return {
        "okta_users": users,
        "okta_groups": len(groups),
        "listed_groups": len(member_pages),
        "pages": pages,
        "okta_reads": sum(pages.values()),
        "bamboohr": HR_LOWER_BOUND,
    }


# --- a measured run ------------------------------------------------------------------------------
async def measured_run(
    ctx: Context, stack: BenchStack, mode: str, planted: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    stack.okta.recorder.reset_stats()
    stack.okta.recorder.clear_requests()
    stack.okta.limiter.reset()
    stack.hr.requests.clear()
    bound = lower_bound(stack)
    log_offset = _log_size(stack)
    t0 = time.monotonic()
    result = await _reconcile(stack, mode, ctx.args.timeout)
    run_done = time.monotonic() - t0
    repaired_at = None
    if planted:
        deadline = time.monotonic() + ctx.args.timeout
        while time.monotonic() < deadline:
            if all(_repaired(stack, item) for item in planted.values()):
                repaired_at = time.monotonic() - t0
                break
            await asyncio.sleep(0.25)
        with_workflows = list(planted)
        try:
            await wait_idle(stack.client, with_workflows, timeout=120)
        except TimeoutError:
            pass
    await _quiet(stack, 3.0)
    okta = stack.okta.stats()
    hr = stack.hr.stats()
    ops = dict(sorted(okta["by_operation"].items()))
    reads = sum(v for k, v in ops.items() if k in READ_OPERATIONS)
    expected_writes = len(planted)
    kinds = {
        k: sum(1 for p in planted.values() if p["kind"] == k)
        for k in ("profile", "group_removed", "group_added")
    }
    call_bound = bound["okta_reads"] + expected_writes
    summary = result.get("summary", {})
    return {
        "mode": mode,
        "run_done_seconds": round(run_done, 2),
        "repaired_seconds": None if repaired_at is None else round(repaired_at, 2),
        "repaired": sum(1 for item in planted.values() if _repaired(stack, item)),
        "planted": len(planted),
        "planted_kinds": kinds,
        "okta_calls": okta["api_requests"],
        "okta_reads_list": reads,
        "okta_writes": okta["writes"],
        "okta_write_attempts": okta["write_attempts"],
        "okta_429": okta["served_429"],
        "okta_by_operation": ops,
        "okta_lower_bound": call_bound,
        "okta_ratio": round(okta["api_requests"] / call_bound, 3) if call_bound else None,
        "bamboohr_calls": hr["requests"],
        "bamboohr_by_operation": hr["byOperation"],
        "deliveries": summary.get("deliveries"),
        "notifications": _notifications(stack, log_offset),
        "summary_counts": summary.get("counts"),
        "report": result.get("report"),
    }


def _log_size(stack: BenchStack) -> int:
    path = stack.worker.err_path
    return path.stat().st_size if path.exists() else 0


def _notifications(stack: BenchStack, offset: int) -> dict[str, int]:
    """Notifications the worker sent since `offset` of its log, by event (the log sink)."""
    counts: dict[str, int] = {}
    with open(stack.worker.err_path, "rb") as handle:
        handle.seek(offset)
        for line in handle:
            if b'"lifecycle.notify"' not in line:
                continue
            try:
                event = json.loads(line).get("notification", {}).get("event")
            except ValueError:
                continue
            if event:
                counts[event] = counts.get(event, 0) + 1
    return counts


async def _reconcile(stack: BenchStack, mode: str, timeout: float) -> dict[str, Any]:
    from workflows.reconcile import ReconcileInput, ReconcileWorkflow

    handle = await stack.client.start_workflow(
        ReconcileWorkflow.run,
        ReconcileInput(mode=mode),
        id=f"bench-reconcile-{mode}-{uuid.uuid4().hex[:8]}",
        task_queue=stack.task_queue,
    )
    stack.started_workflows.add(handle.id)
    result = await asyncio.wait_for(handle.result(), timeout)
    return result.model_dump(mode="json") if hasattr(result, "model_dump") else dict(result)


async def _quiet(stack: BenchStack, seconds: float, limit: float = 120.0) -> None:
    """Until no request has reached Okta for `seconds` (late work of employee workflows)."""
    deadline = time.monotonic() + limit
    last = stack.okta.stats()["api_requests"]
    since = time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        now = stack.okta.stats()["api_requests"]
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return


# --- report --------------------------------------------------------------------------------------
def _table(r: dict[str, Any]) -> str:
    rows = []
    drift_label = f"{r.get('drift_percent', 1.0):g} % drift"
    for key, label in (("noop", "no-op"), ("drift", drift_label)):
        run = r.get(key)
        if not run:
            continue
        rows.append(
            [
                f"{label} ({run['mode']})",
                run["okta_calls"],
                run["okta_lower_bound"],
                run["okta_ratio"],
                run["okta_writes"],
                run["planted"],
                run["bamboohr_calls"],
                run["run_done_seconds"],
                run["repaired_seconds"],
            ]
        )
    return table(
        [
            "run",
            "Okta calls",
            "bound",
            "ratio",
            "writes",
            "drifted",
            "HR calls",
            "run done (s)",
            "repaired (s)",
        ],
        rows,
    )


def _goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    noop, drift, bound = r.get("noop"), r.get("drift"), r["lower_bound_reads"]
    if noop:
        met = (
            noop["okta_ratio"] is not None and noop["okta_ratio"] <= 1.1 and not noop["okta_writes"]
        )
        why = close = None
        if not met:
            extra = _extra_operations(noop, bound)
            why = (
                f"{noop['okta_calls']} calls against a bound of {noop['okta_lower_bound']} "
                f"({noop['okta_writes']} writes); beyond the bound: {extra or 'none'}"
            )
            close = (
                "Read only with the list calls (users 200 per page, group members 1,000 per "
                "page) and hand nobody over when nothing differs."
            )
        out.append(
            goal(
                "reconcile_noop",
                "no-op reconciliation within 1.1x of the call lower bound and zero writes",
                f"{noop['okta_calls']} calls vs bound {noop['okta_lower_bound']} "
                f"({noop['okta_ratio']}x), {noop['okta_writes']} writes",
                met,
                why=why,
                close=close,
            )
        )
    if drift:
        exact = (
            drift["okta_writes"] == drift["planted"]
            and drift["okta_write_attempts"] == drift["planted"]
            and drift["repaired"] == drift["planted"]
        )
        why = close = None
        if not exact:
            why = (
                f"{drift['okta_writes']} writes ({drift['okta_write_attempts']} write "
                f"requests) for {drift['planted']} drifted items ({drift['repaired']} set right)"
            )
            close = "Write only the differing attribute or membership, once per drifted item."
        out.append(
            goal(
                "reconcile_drift_writes",
                "drift run writes exactly the drifted items",
                f"{drift['okta_writes']} writes for {drift['planted']} drifted "
                f"({drift['repaired']} repaired); {drift['okta_calls']} calls vs bound "
                f"{drift['okta_lower_bound']} ({drift['okta_ratio']}x)",
                exact,
                why=why,
                close=close,
            )
        )
    return out


def _notes(r: dict[str, Any]) -> list[str]:
    notes = []
    drift = r.get("drift")
    if drift and drift["planted"]:
        extra = drift["okta_calls"] - drift["okta_lower_bound"]
        notes.append(
            f"Drift run: {extra} calls beyond the bound, {extra / drift['planted']:.1f} per "
            f"drifted employee ({_extra_operations(drift, r['lower_bound_reads']) or 'none'}): "
            "each handed-over workflow reads the account and its groups before writing."
        )
    for key in ("noop", "drift"):
        run = r.get(key)
        if run and run.get("notifications"):
            sent = ", ".join(f"{k} {v}" for k, v in sorted(run["notifications"].items()))
            notes.append(f"Notifications sent during the {key} run: {sent}.")
            if run["notifications"].get("account_activated"):
                notes.append(
                    "A hand-over that starts an employee's workflow makes it announce the "
                    "account's activation (`account_activated` to IT) although the account "
                    "was activated long ago: the new workflow takes its current dated action "
                    "for a new one."
                )
    if r.get("with_workflows"):
        notes.append("Every employee's workflow was running before the measured runs.")
    else:
        notes.append(
            "No employee workflow was running before the measured runs (a first "
            "reconciliation); drift hand-overs start the drifted employees' workflows. "
            "`--with-workflows` measures the production case."
        )
    return notes


_WRITE_FOR_KIND = {
    "profile": "updateUser",
    "group_removed": "assignUserToGroup",
    "group_added": "unassignUserFromGroup",
}


def _extra_operations(run: dict[str, Any], bound: dict[str, Any]) -> str:
    """Calls beyond the bound, by operation: list pages over the count needed, and anything
    else except the one expected write per drifted item."""
    allowed = dict(bound["pages"])
    for kind, count in run.get("planted_kinds", {}).items():
        op = _WRITE_FOR_KIND[kind]
        allowed[op] = allowed.get(op, 0) + count
    extra = [
        f"{op} {count - allowed.get(op, 0)}"
        for op, count in run["okta_by_operation"].items()
        if count > allowed.get(op, 0)
    ]
    return ", ".join(extra)


def main() -> int:
    args = build_parser().parse_args()
    return run_benchmark(NAME, "Reconciliation API cost", args, ISSUE_SIZES, body)


if __name__ == "__main__":
    raise SystemExit(main())
