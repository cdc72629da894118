"""Reading an activity failure in workflow code (employee, poll and reconcile workflows)."""

from __future__ import annotations

from temporalio.exceptions import ActivityError, ApplicationError


def error_text(err: BaseException) -> str:
    """`Type: message` of the failure an activity raised (through any nesting)."""
    cause = err.cause if isinstance(err, ActivityError) else None
    while cause is not None and isinstance(cause, ActivityError):
        cause = cause.cause
    if isinstance(cause, ApplicationError):
        return f"{cause.type or 'error'}: {cause.message}"
    return str(cause or err)


def is_non_retryable(err: ActivityError) -> bool:
    """An error the activity marked final: retrying cannot fix it, a person must."""
    cause = err.cause
    return isinstance(cause, ApplicationError) and cause.non_retryable
