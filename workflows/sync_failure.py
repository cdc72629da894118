"""What the poller and reconciliation do when a step fails in a way retries cannot fix.

Transient trouble (5xx, timeouts, 429) is retried by the activity retry policies and never
reaches here. A non-retryable failure — BambooHR or Okta refusing the credentials, a
permission missing, a request the API rejects — needs a person. Left alone, a failing
poller means HR changes, terminations included, silently stop reaching Okta; so:

- the poller alerts IT and security once, then re-checks every `RECHECK` while holding its
  cursor (the schedule's overlap policy SKIP starts no other poll meanwhile). When the cause
  is fixed the same run catches up and nothing is lost;
- a reconciliation run alerts and then fails, so its caller (the CLI, the daily schedule)
  sees the error; the next scheduled run starts afresh.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import NotificationEvent
    from workflows.alerts import alert
    from workflows.errors import error_text

# workflow.patched id: keep it, running poll workflows may depend on it.
SYNC_FAILURE_PATCH = "alert-on-non-retryable-sync-failure"

RECHECK = timedelta(minutes=10)


class SyncFailure:
    """The open problem of one run, alerted once however often it is seen again."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.problem: str | None = None
        self._alerted = False

    async def report(self, step: str, err: ActivityError, *, retrying: bool) -> None:
        self.problem = f"{step}: {error_text(err)}"
        state = f"re-checking every {int(RECHECK.total_seconds() // 60)} min" if retrying else ""
        workflow.set_current_details(f"**blocked**: {self.problem} {state}".strip())
        if self._alerted:
            return
        self._alerted = True
        await alert(
            NotificationEvent.SYNC_FAILING,
            {
                "run": self.run,
                "workflow_id": workflow.info().workflow_id,
                "step": step,
                "last_error": error_text(err),
                "retrying": retrying,
                "recheck_minutes": int(RECHECK.total_seconds() // 60) if retrying else None,
            },
            summary="notify sync_failing",
        )

    def cleared(self) -> None:
        if self.problem is not None:
            workflow.set_current_details(f"recovered from: {self.problem}")
        self.problem = None
