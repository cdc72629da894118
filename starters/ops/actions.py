"""The operator verbs as plain async functions over a Temporal client.

Thin on purpose: every decision (is there anything to fast-forward? is this run waiting for
an approval?) belongs to the workflow's update validators, so the CLI, the Temporal UI and
`temporal workflow update execute` all get the same answer. This module only finds the
workflow, sends the update or query, and turns Temporal's errors into one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import FailureError
from temporalio.service import RPCError, RPCStatusCode

from contracts.employee import OpsResult, StatusView, workflow_id_for
from workflows import search_attributes as sa
from workflows.approval import ApproveInput, ApproveResult

WORKFLOW_PREFIX = workflow_id_for("")


class OpsError(Exception):
    """A refusal or failure to report to the operator as one line (exit code 1)."""

    def __init__(self, message: str, *, rejected: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.rejected = rejected  # the workflow's validator said no (vs. not found, timeout)


def employee_workflow_id(employee: str) -> str:
    """`123` or `employee-123` → `employee-123`."""
    text = employee.strip()
    if not text:
        raise OpsError("an employee (BambooHR id or workflow id) is required")
    return text if text.startswith(WORKFLOW_PREFIX) else workflow_id_for(text)


def employee_id_of(workflow_id: str) -> str:
    return workflow_id.removeprefix(WORKFLOW_PREFIX)


@dataclass(frozen=True)
class EmployeeRow:
    """One line of `ops list`, read from visibility (no query to the workflow needed)."""

    workflow_id: str
    employee_id: str
    state: str | None
    department: str | None
    next_action: str | None
    next_action_at: datetime | None
    status: str
    started: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "employee_id": self.employee_id,
            "state": self.state,
            "department": self.department,
            "next_action": self.next_action,
            "next_action_at": self.next_action_at.isoformat() if self.next_action_at else None,
            "status": self.status,
            "started": self.started.isoformat() if self.started else None,
        }


def _row(execution: WorkflowExecution) -> EmployeeRow:
    attrs = execution.typed_search_attributes
    status = execution.status.name if execution.status else "UNKNOWN"
    return EmployeeRow(
        workflow_id=execution.id,
        employee_id=attrs.get(sa.EMPLOYEE_ID) or employee_id_of(execution.id),
        state=attrs.get(sa.LIFECYCLE_STATE) or None,
        department=attrs.get(sa.DEPARTMENT) or None,
        next_action=attrs.get(sa.NEXT_ACTION) or None,
        next_action_at=attrs.get(sa.NEXT_ACTION_AT),
        status=status,
        started=execution.start_time,
    )


def _sort_key(row: EmployeeRow) -> tuple[Any, ...]:
    # Soonest action first; then numerically by BambooHR id.
    at = row.next_action_at.timestamp() if row.next_action_at else float("inf")
    eid = row.employee_id
    return (at, int(eid) if eid.isdigit() else 0, eid)


async def list_employees(
    client: Client, query: str, *, limit: int | None = None
) -> tuple[list[EmployeeRow], bool]:
    """Rows matching `query` and whether `limit` cut the list short."""
    fetch = None if limit is None else limit + 1
    try:
        rows = [_row(e) async for e in client.list_workflows(query, limit=fetch)]
    except RPCError as exc:
        if exc.status is RPCStatusCode.INVALID_ARGUMENT:
            raise OpsError(f"the visibility store refused the query: {exc.message}") from None
        raise
    truncated = limit is not None and len(rows) > limit
    rows.sort(key=_sort_key)
    return (rows[:limit] if truncated else rows), truncated


async def describe_status(client: Client, workflow_id: str) -> str:
    """Execution status (RUNNING, COMPLETED...) or OpsError when there is no such workflow."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        description = await handle.describe()
    except RPCError as exc:
        raise _rpc_error(exc, workflow_id) from None
    status = description.status
    return status.name if status else "UNKNOWN"


async def employee_status(client: Client, workflow_id: str) -> tuple[StatusView, str]:
    """The `status` query answer plus the execution status."""
    execution = await describe_status(client, workflow_id)
    handle = client.get_workflow_handle(workflow_id)
    try:
        view = await handle.query("status", result_type=StatusView)
    except WorkflowQueryFailedError as exc:
        raise OpsError(f"{workflow_id}: the status query failed: {exc}") from None
    except RPCError as exc:
        raise _rpc_error(exc, workflow_id) from None
    return view, execution


async def employee_update(
    client: Client, workflow_id: str, name: str, arg: BaseModel | None
) -> OpsResult:
    """Send one of the employee workflow's ops updates; the validator's refusal → OpsError."""
    handle = client.get_workflow_handle(workflow_id)
    args = [] if arg is None else [arg]
    result = await _update(handle, name, args, OpsResult, workflow_id)
    assert isinstance(result, OpsResult)
    return result


async def approve(client: Client, workflow_id: str, arg: ApproveInput) -> ApproveResult:
    """The `approve` update of a poll or reconciliation run held by the mass-change safeguard."""
    handle = client.get_workflow_handle(workflow_id)
    result = await _update(handle, "approve", [arg], ApproveResult, workflow_id)
    assert isinstance(result, ApproveResult)
    return result


async def _update(
    handle: Any, name: str, args: list[Any], result_type: type, workflow_id: str
) -> Any:
    try:
        return await handle.execute_update(name, args=args, result_type=result_type)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        message = cause.message if isinstance(cause, FailureError) else str(cause or exc)
        raise OpsError(f"{workflow_id}: {name} rejected: {message}", rejected=True) from None
    except RPCError as exc:
        raise _rpc_error(exc, workflow_id) from None


def _rpc_error(exc: RPCError, workflow_id: str) -> OpsError:
    if exc.status is RPCStatusCode.NOT_FOUND:
        if "completed" in exc.message.lower() or "closed" in exc.message.lower():
            return OpsError(f"{workflow_id} is not running any more ({exc.message})")
        if workflow_id.startswith(WORKFLOW_PREFIX):
            return OpsError(
                f"no lifecycle workflow for employee {employee_id_of(workflow_id)} "
                f"(workflow id {workflow_id}); `lifecycle ops list` shows the running ones"
            )
        return OpsError(
            f"no workflow with id {workflow_id} (a held run's id is in the safeguard alert and "
            "in the Temporal UI's list of running workflows)"
        )
    return OpsError(f"{workflow_id}: Temporal refused the request: {exc.message}")


def is_running(status: str) -> bool:
    return status == WorkflowExecutionStatus.RUNNING.name
