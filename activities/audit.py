"""Audit activities and the helper Okta write activities use to record what they did.

Every Okta write (and every planned write in dry-run) is appended to the audit store, which
outlives Temporal's retention. Records made inside an activity carry its workflow id, run
id, activity id and attempt; outcome records get an idempotency key derived from them, so a
retried activity leaves one outcome row per (activity, action, target) plus one row per
failed try.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.activities import Activity, RecordAuditEventInput, RecordAuditEventResult
from integrations.audit import AuditEntry, AuditMode, AuditResult, AuditStore
from integrations.audit.models import OUTCOME_RESULTS
from lifecycle.settings import Mode

# Keys of `RecordAuditEventInput.detail` stored in their own columns; the rest stays in
# `detail`.
_LIFTED_DETAIL_KEYS = ("target", "before", "after", "error", "request", "mode")


def activity_context() -> dict[str, Any]:
    """Workflow id, run id, activity id and attempt of the running activity ({} outside)."""
    if not activity.in_activity():
        return {}
    info = activity.info()
    return {
        "workflow_id": info.workflow_id,
        # A standalone activity (no workflow) still has a run id of its own.
        "run_id": info.workflow_run_id or info.activity_run_id,
        "activity_id": info.activity_id,
        "attempt": info.attempt,
    }


def idempotency_key(context: dict[str, Any], action: str, target: str | None) -> str | None:
    """`{workflow_id}:{run_id}:{activity_id}:{action}:{target}`; None without a run."""
    if not context.get("run_id") or not context.get("activity_id"):
        return None
    return (
        f"{context.get('workflow_id') or ''}:{context['run_id']}:{context['activity_id']}:"
        f"{action}:{target or ''}"
    )


def build_entry(
    *,
    employee_id: str,
    action: str,
    target: str | None,
    result: AuditResult,
    mode: AuditMode | Mode | str,
    before: Any = None,
    after: Any = None,
    error: str | None = None,
    request: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """The entry for one write, with the Temporal context when inside an activity."""
    context = activity_context()
    key = idempotency_key(context, action, target) if result in OUTCOME_RESULTS else None
    return AuditEntry(
        employee_id=employee_id,
        action=action,
        target=target,
        result=result,
        before=before,
        after=after,
        error=error,
        request=request,
        detail=detail,
        mode=mode,  # a Mode or its string; the model validates it
        idempotency_key=key,
        **context,
    )


async def audit_write(
    store: AuditStore,
    *,
    employee_id: str,
    action: str,
    target: str | None,
    result: AuditResult,
    before: Any = None,
    after: Any = None,
    error: str | None = None,
    request: Any = None,
    mode: AuditMode | Mode | str,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one audit record for a write (or planned write); return its id.

    Call it after the write's outcome is known (`success`, `noop`, `held`, `planned`) or
    when it failed (`failed`, with `error`). Raises `AuditStoreError` when the store is
    unreachable: let it fail the activity so Temporal retries; the outcome record is
    deduplicated on the retry.
    """
    entry = build_entry(
        employee_id=employee_id,
        action=action,
        target=target,
        result=result,
        mode=mode,
        before=before,
        after=after,
        error=error,
        request=request,
        detail=detail,
    )
    return await store.arecord(entry)


class AuditActivities:
    """Holds the audit store; `mode` is the service's mode, recorded on every row."""

    def __init__(self, store: AuditStore, *, mode: Mode | AuditMode = Mode.APPLY) -> None:
        self._store = store
        self._mode: str = mode.value if isinstance(mode, Enum) else str(mode)

    @activity.defn(name=Activity.RECORD_AUDIT_EVENT)
    async def record_audit_event(self, input: RecordAuditEventInput) -> RecordAuditEventResult:
        """Record a lifecycle event the workflow decided (a hold, a review, a note).

        `detail` keys `target`, `before`, `after`, `error`, `request` and `mode` go to their
        own columns; anything else is kept in the record's `detail`.
        """
        detail = dict(input.detail)
        lifted = {key: detail.pop(key) for key in _LIFTED_DETAIL_KEYS if key in detail}
        target = lifted.get("target")
        error = lifted.get("error")
        try:
            record_id = await audit_write(
                self._store,
                employee_id=input.employee_id,
                action=input.action,
                target=None if target is None else str(target),
                result=input.result,
                before=lifted.get("before"),
                after=lifted.get("after"),
                error=None if error is None else str(error),
                request=lifted.get("request"),
                mode=lifted.get("mode", self._mode),
                detail=detail or None,
            )
        except ValidationError as exc:
            # A malformed event never becomes valid by retrying.
            raise ApplicationError(
                f"invalid audit event: {exc.error_count()} problem(s): "
                + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
                type="InvalidAuditEvent",
                non_retryable=True,
            ) from None
        return RecordAuditEventResult(record_id=record_id)
