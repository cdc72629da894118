"""`lifecycle ops guard|approve|reject|allow`: the mass-change guard's operator verbs.

    lifecycle ops guard                                   what is held, counted and allowed
    lifecycle ops approve --all | --employee ID ...       release held suspensions/deactivations
    lifecycle ops reject  --all | --employee ID ... --reason R
    lifecycle ops allow --count N --until WHEN [--department D] --reason R

Each is one of the guard workflow's updates (`approve`, `reject`, `allow`) or its `status`
query; the same from the Temporal UI or `temporal workflow update execute --workflow-id
disruption-guard --name approve --input '{"employees": [], "approver": "dana"}'`.
"""

from __future__ import annotations

from typing import Any

from temporalio.client import Client, WorkflowQueryFailedError

from activities.guard import update_guard
from contracts.guard import (
    AllowInput,
    ApproveHeldInput,
    GuardOpsResult,
    GuardStatus,
    RejectHeldInput,
    guard_workflow_id,
    window_text,
)
from starters.ops.actions import OpsError, _rpc_error, _update
from starters.ops.table import cell, render_fields, render_table


async def guard_status(client: Client, task_queue: str) -> GuardStatus | None:
    """The guard's `status` query; None when this deployment has no guard yet (nothing was
    ever asked of it)."""
    from temporalio.service import RPCError, RPCStatusCode

    wid = guard_workflow_id(task_queue)
    try:
        return await client.get_workflow_handle(wid).query("status", result_type=GuardStatus)
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            return None
        raise _rpc_error(exc, wid) from None
    except WorkflowQueryFailedError as exc:
        raise OpsError(f"{wid}: status query failed: {exc}") from None


async def approve_held(client: Client, task_queue: str, arg: ApproveHeldInput) -> GuardOpsResult:
    return await _guard_update(client, task_queue, "approve", arg)


async def reject_held(client: Client, task_queue: str, arg: RejectHeldInput) -> GuardOpsResult:
    return await _guard_update(client, task_queue, "reject", arg)


async def allow(client: Client, task_queue: str, arg: AllowInput) -> GuardOpsResult:
    """Starts the guard if needed: an allowance may come before anything was ever asked."""
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.exceptions import FailureError

    try:
        result = await update_guard(client, task_queue, "allow", arg, GuardOpsResult)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        message = cause.message if isinstance(cause, FailureError) else str(cause or exc)
        raise OpsError(f"allow rejected: {message}", rejected=True) from None
    assert isinstance(result, GuardOpsResult)
    return result


async def _guard_update(client: Client, task_queue: str, name: str, arg: Any) -> GuardOpsResult:
    wid = guard_workflow_id(task_queue)
    if await guard_status(client, task_queue) is None:
        raise OpsError(f"{wid}: nothing is held by the mass-change guard", rejected=True)
    result = await _update(client.get_workflow_handle(wid), name, [arg], GuardOpsResult, wid)
    assert isinstance(result, GuardOpsResult)
    return result


def render_guard_status(status: GuardStatus | None) -> str:
    if status is None:
        return "mass-change guard: not started yet (nothing has been asked of it)"
    pairs: list[tuple[str, Any]] = [
        (
            "threshold",
            f"{status.threshold} per {window_text(status.window.total_seconds())} "
            f"({status.active_accounts} active accounts)",
        ),
        ("granted in window", status.granted_in_window),
        ("held", len(status.held)),
        ("episode since", status.episode_since),
    ]
    lines = [render_fields(pairs)]
    if status.held:
        lines.append("\nHeld (release: lifecycle ops approve; turn down: lifecycle ops reject)")
        rows = [
            [h.request.employee_id, h.request.verb, h.request.action, h.request.department, h.since]
            for h in status.held
        ]
        lines.append(render_table(["EMPLOYEE", "VERB", "ACTION", "DEPARTMENT", "SINCE"], rows))
    if status.allowances:
        lines.append("\nAllowances")
        rows = [
            [a.id, f"{a.used}/{a.count}", a.department or "any", cell(a.until), a.by, a.reason]
            for a in status.allowances
        ]
        lines.append(render_table(["ID", "USED", "DEPARTMENT", "UNTIL", "BY", "REASON"], rows))
    return "\n".join(lines)
