"""`lifecycle reconcile`: compare BambooHR with Okta, adopt the existing population, repair
drift.

    lifecycle reconcile --plan  [--output FILE] [--show N]   what an apply would do; no writes
    lifecycle reconcile --apply [--wait]                     hand everyone to their workflow
    lifecycle reconcile --drift [--wait]                     repair drifted profiles/groups

`--plan` runs here, with the clients, not through Temporal: it needs no worker (useful
before the service is set up on a new org), it cannot write to Okta because this code path
has no write at all, and the whole plan lands in a local JSON file (`--output`, default
`.data/reconcile/plan-<time>.json`). `--apply` and `--drift` start the `Reconcile`
workflow, because the changes are made by the employee workflows and may wait for a
safeguard approval (`lifecycle ops approve --run <workflow id>`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecycle.reconcile import EmployeeItem, FindingKind, ItemAction, ReconcilePlan
from lifecycle.reconcile import Mode as RunMode
from lifecycle.settings import Settings
from starters.progress import terminal_progress
from starters.runtime import run_with_runtime

if TYPE_CHECKING:
    from activities.reconcile import ProgressHook

DEFAULT_SHOW = 25


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "reconcile",
        help="compare BambooHR with Okta: plan, apply (adopt/link/create) or repair drift",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--plan", action="store_true", help="show what an apply would do (default); no writes"
    )
    what.add_argument("--apply", action="store_true", help="run the reconciliation (Temporal)")
    what.add_argument(
        "--drift", action="store_true", help="repair drifted Okta profiles and managed groups"
    )
    parser.add_argument("--output", type=Path, help="--plan: where to write the plan as JSON")
    parser.add_argument(
        "--show",
        type=int,
        default=DEFAULT_SHOW,
        metavar="N",
        help=f"--plan: rows shown per section (default {DEFAULT_SHOW}; the file has all)",
    )
    parser.add_argument(
        "--wait", action="store_true", help="--apply/--drift: wait for the run and print it"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from lifecycle.settings import load_settings

    settings = load_settings()
    if args.apply or args.drift:
        settings.require("temporal")
        mode: RunMode = "apply" if args.apply else "drift"
        return run_with_runtime(lambda runtime: _start(settings, mode, args.wait, runtime))
    settings.require("okta", "bamboohr")
    progress = terminal_progress()
    try:
        plan, requests = asyncio.run(plan_directly(settings, progress))
    finally:
        if progress is not None:
            progress.close()
    output = args.output or default_output(settings, plan.as_of)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    print(render_plan(plan, show=args.show))
    reads = ", ".join(f"{k} {v}" for k, v in sorted(requests.items()))
    print(f"\nread: {reads}; written to Okta: nothing")
    print(f"plan written to {output}")
    return 0


# --- plan, without Temporal -----------------------------------------------------------------


async def plan_directly(
    settings: Settings, progress: ProgressHook | None = None
) -> tuple[ReconcilePlan, dict[str, int]]:
    """Read both systems and compare, in this process (read-only by construction)."""
    from activities.reconcile import InventoryReader
    from integrations.bamboohr import build_bamboohr_client
    from integrations.okta import build_okta_client
    from lifecycle.policy import load_policy, required_fields

    policy = load_policy(settings.lifecycle_policy)
    okta = build_okta_client(settings)
    bamboohr = build_bamboohr_client(settings)
    try:
        reader = InventoryReader(
            bamboohr=bamboohr,
            okta=okta,
            policy=policy,
            fields=required_fields(policy),
            progress=progress,
        )
        as_of = datetime.now(UTC)
        inventory = await reader.read(as_of)
        if policy.identity.generate_login is not None:
            inventory.login_claims = await _login_claims(settings)
        plan = await asyncio.to_thread(reader.compare, inventory, as_of)
        return plan, dict(inventory.requests)
    finally:
        await okta.aclose()
        await bamboohr.aclose()


async def _login_claims(settings: Settings) -> dict[str, str]:
    """The generated logins' claims, so employees are planned as their workflows plan them;
    without the audit store the plan is still made, with a warning saying what it lacks."""
    from integrations.audit import AuditStoreError
    from starters.audit_cmd import read_login_claims

    try:
        return await asyncio.to_thread(read_login_claims, settings.lifecycle_audit_url)
    except AuditStoreError as exc:
        print(
            f"warning: generated logins not read ({exc}): employees whose login was "
            "generated may show as review, creates or login drift",
            file=sys.stderr,
        )
        return {}


def default_output(settings: Settings, as_of: datetime) -> Path:
    stamp = as_of.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.lifecycle_data_dir / "reconcile" / f"plan-{stamp}.json"


# --- apply and drift, through Temporal ------------------------------------------------------


async def start_reconcile(client: Any, settings: Settings, apply: bool) -> str:
    """Start a reconciliation run (apply, or plan only) and return its workflow id; used by
    `lifecycle dev` to adopt a freshly seeded company."""
    return await _start_workflow(client, settings, "apply" if apply else "plan")


async def _start_workflow(client: Any, settings: Settings, mode: RunMode) -> str:
    from workflows.reconcile import (
        DRIFT_WORKFLOW_ID,
        RECONCILE_WORKFLOW_ID,
        ReconcileInput,
        ReconcileWorkflow,
    )

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    base = DRIFT_WORKFLOW_ID if mode == "drift" else f"{RECONCILE_WORKFLOW_ID}-{mode}"
    workflow_id = f"{base}-{stamp}"
    await client.start_workflow(
        ReconcileWorkflow.run,
        ReconcileInput(mode=mode),
        id=workflow_id,
        task_queue=settings.temporal_task_queue,
        static_summary=f"reconciliation ({mode})",
    )
    return workflow_id


async def _start(settings: Settings, mode: RunMode, wait: bool, runtime: Any = None) -> int:
    from starters.runtime import connect_client

    client = await connect_client(settings, runtime)
    workflow_id = await _start_workflow(client, settings, mode)
    print(f"started {mode} run {workflow_id} on task queue {settings.temporal_task_queue}")
    if not wait:
        print(
            f"follow it in the Temporal UI; if held by the safeguard: "
            f"lifecycle ops approve --run {workflow_id}"
        )
        return 0
    return await _follow(client, workflow_id)


async def _follow(client: Any, workflow_id: str) -> int:
    from workflows.reconcile import ReconcileResult, ReconcileStatus

    handle = client.get_workflow_handle(workflow_id, result_type=ReconcileResult)
    told = False
    progress = terminal_progress()
    phase, delivered = None, 0
    try:
        while True:
            try:
                status: ReconcileStatus = await handle.query("status", result_type=ReconcileStatus)
            except Exception:  # no worker yet, or the first task not processed: ask again
                status = None  # type: ignore[assignment]
            if status is not None and progress is not None:
                if status.phase != phase:
                    phase = status.phase
                    progress(f"run: {phase}", 0)
                if status.delivered is not None and status.delivered > delivered:
                    progress("delivered to employee workflows", status.delivered - delivered)
                    delivered = status.delivered
            if status is not None and status.waiting_for_approval and not told:
                told = True
                print(
                    f"held: {status.reason}\napprove with: lifecycle ops approve --run "
                    f"{workflow_id}"
                )
            if status is not None and status.phase == "done":
                break
            await asyncio.sleep(1.0)
    finally:
        if progress is not None:
            progress.close()
    result: ReconcileResult = await handle.result()
    print(render_result(result))
    return 0


# --- rendering ------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    texts = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in texts:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(widths[i]) for i, v in enumerate(r)).rstrip() for r in texts]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return " ".join(str(value).split())


def _changes(item: EmployeeItem) -> str:
    parts = []
    if item.profile:
        parts.append("attrs: " + ", ".join(sorted(item.profile)))
    if item.groups_add:
        parts.append("+" + ", +".join(item.groups_add))
    if item.groups_remove:
        parts.append("-" + ", -".join(item.groups_remove))
    if item.status_change:
        parts.append(item.status_change)
    return "; ".join(parts) or "in step"


def _section(title: str, headers: Sequence[str], rows: list[list[Any]], show: int) -> str:
    if not rows:
        return f"\n{title}: none"
    shown = rows[: max(0, show)]
    more = (
        f"\n… and {len(rows) - len(shown)} more (see the JSON file)"
        if len(rows) > len(shown)
        else ""
    )
    return f"\n{title} ({len(rows)})\n" + table(headers, shown) + more


def render_plan(plan: ReconcilePlan, show: int = DEFAULT_SHOW) -> str:
    c = plan.counts
    guard = plan.safeguard
    out = [
        f"Reconciliation plan as of {plan.as_of.isoformat()}",
        table(
            ["what", "count"],
            [
                ["HR employees", c.employees],
                ["Okta accounts", c.okta_accounts],
                ["link (bambooHrId)", c.link_by_hr_id],
                ["link (employeeNumber)", c.link_by_employee_number],
                ["create", c.create],
                ["nothing to do", c.none],
                ["needs review", c.review],
                ["linked and in step", c.in_sync],
                [
                    "profile updates (employees / attributes)",
                    f"{c.profile_updates} / {c.attribute_writes}",
                ],
                [
                    "group changes (employees / + / -)",
                    f"{c.group_updates} / {c.group_adds} / {c.group_removes}",
                ],
                ["activate / unsuspend", f"{c.activate} / {c.unsuspend}"],
                ["suspend / deactivate", f"{c.suspend} / {c.deactivate}"],
                [
                    "safeguard",
                    f"{len(guard.disruptive)} disruptive, limit {guard.threshold} of "
                    f"{guard.active_accounts} active"
                    + (": an apply waits for approval" if guard.needs_approval else ""),
                ],
            ],
        ),
    ]
    items = plan.employees
    links = [i for i in items if i.action is ItemAction.LINK]
    out.append(
        _section(
            "Links that need changes",
            ["employee", "okta login", "matched by", "okta status", "changes"],
            [
                [i.employee_id, i.okta_login, i.matched_by, i.okta_status, _changes(i)]
                for i in links
                if i.changes or not i.linked_by_id
            ],
            show,
        )
    )
    out.append(
        _section(
            "Creates",
            ["employee", "login", "status wanted"],
            [
                [i.employee_id, i.login, i.desired_status.value]
                for i in items
                if i.action is ItemAction.CREATE
            ],
            show,
        )
    )
    review_kinds = [
        FindingKind.AMBIGUOUS_MATCH,
        FindingKind.EMAIL_ONLY_MATCH,
        FindingKind.LOGIN_TAKEN,
        FindingKind.HR_DATA,
        FindingKind.POSSIBLE_DUPLICATE,
        FindingKind.MISSING_GROUP,
    ]
    out.append(
        _section(
            "Review (never acted on automatically)",
            ["kind", "okta login", "employees", "why"],
            [
                [f.kind.value, f.login, f.employee_ids, f.message]
                for f in plan.findings
                if f.kind in review_kinds
            ],
            show,
        )
    )
    for kind, title in (
        (FindingKind.ORPHANED_ACCOUNT, "Orphaned accounts (no HR record; left alone)"),
        (FindingKind.TERMINATED_BUT_ACTIVE, "Terminated in HR, account still active"),
        (FindingKind.ON_LEAVE_BUT_ACTIVE, "On leave in HR, account not suspended"),
        (FindingKind.SERVICE_ACCOUNT, "Service accounts (no HR record)"),
        (FindingKind.PROTECTED_ACCOUNT, "Protected accounts with no HR record"),
    ):
        out.append(
            _section(
                title,
                ["okta login", "status", "employees"],
                [[f.login, f.okta_status, f.employee_ids] for f in plan.findings_of(kind)],
                show,
            )
        )
    return "\n".join(out)


def render_result(result: Any) -> str:
    s = result.summary
    rows = [
        ["mode", s.mode + (" (dry-run: nothing sent to Okta)" if s.dry_run else "")],
        ["plan", s.plan_id],
        ["employees / Okta accounts", f"{s.counts.employees} / {s.counts.okta_accounts}"],
        ["handed to workflows", s.deliveries],
        ["by reason", ", ".join(f"{k} {v}" for k, v in s.delivery_reasons.items())],
        ["review items", s.counts.review],
        ["approved by", result.approved_by],
    ]
    if result.report is not None:
        r = result.report
        rows += [
            ["report", r.report_id],
            [
                "delivered / skipped (running, in step) / failed",
                f"{r.delivered} / {r.skipped_running} / {r.failed}",
            ],
            ["repaired employees", r.repaired_employees],
            [
                "attributes / groups + / groups -",
                f"{r.repaired_attributes} / {r.repaired_group_adds} / {r.repaired_group_removes}",
            ],
        ]
    return table(["", ""], rows)
