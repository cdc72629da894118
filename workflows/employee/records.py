"""Telling people and keeping the record: notifications, manager notices, the audit queue,
blocked reads and records, and review states."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        Activity,
        NotificationEvent,
        NotifyInput,
        NotifyResult,
        RecordAuditEventInput,
        RecordAuditEventResult,
        SyncManagedGroupsResult,
        UpdateOktaProfileResult,
    )
    from contracts.employee import (
        BLOCKED_AUDIT,
        EmployeeInput,
        EmployeeState,
        FailedStep,
        LifecycleState,
    )
    from lifecycle.models import (
        AccountStatus,
        ActionKind,
        DatedAction,
        DesiredAccount,
        ReviewReason,
    )
    from workflows import options
    from workflows.employee.patches import (
        ANNOUNCE_CHANGES_PATCH,
        AUDIT_DECISIONS_PATCH,
        QUIET_DRIFT_PATCH,
    )
    from workflows.errors import error_text

# What each action tells whom once it has been carried out.
_ANNOUNCE: dict[ActionKind, tuple[NotificationEvent, list[str]]] = {
    ActionKind.PRE_BOARD: (NotificationEvent.ACCOUNT_STAGED, ["it"]),
    ActionKind.ACTIVATE: (NotificationEvent.ACCOUNT_ACTIVATED, ["it"]),
    ActionKind.LEAVE_START: (NotificationEvent.LEAVE_STARTED, ["it", "hr"]),
    ActionKind.LEAVE_RETURN: (NotificationEvent.LEAVE_ENDED, ["it", "hr"]),
    ActionKind.TERMINATE: (NotificationEvent.TERMINATED, ["security", "hr"]),
    ActionKind.RESCIND: (NotificationEvent.OFFER_RESCINDED, ["it", "hr"]),
    ActionKind.REHIRE: (NotificationEvent.REHIRED, ["it", "hr"]),
}


class Records:
    """Mixed into EmployeeLifecycle: everything that tells someone what the lifecycle did."""

    s: EmployeeState
    input: EmployeeInput

    # ---------------------------------------------------------------------------------------
    # Telling people
    # ---------------------------------------------------------------------------------------
    async def _announce(self, action: DatedAction | None) -> None:
        key = action.key if action else None
        if key == self.s.applied_key:
            return
        self._mark_applied(action, None)
        # Only what this lifecycle changed in Okta is news: adopting an account that was
        # already active (a reconciliation hand-over, a new run) announces nothing.
        if action is None or action.kind not in _ANNOUNCE:
            return
        if self._changed_okta or not workflow.patched(ANNOUNCE_CHANGES_PATCH):
            event, audiences = _ANNOUNCE[action.kind]
            await self._notify(event, audiences, {"action": action.key, "kind": action.kind.value})

    def _mark_applied(self, action: DatedAction | None, note: str | None) -> None:
        if action is not None and action.key != self.s.applied_key:
            self.s.applied_key = action.key
            self._log(f"{action.key} applied", "done", note)

    async def _tell_manager(
        self,
        desired: DesiredAccount,
        action: DatedAction | None,
        groups: SyncManagedGroupsResult | None,
        profile: UpdateOktaProfileResult | None,
    ) -> None:
        """A transfer tells the manager what access changed. A new hire, return or rehire is
        announced by its own action, so only changes to an account already in use count."""
        if desired.status is not AccountStatus.ACTIVE:
            return
        newly_applied = action is not None and action.key != self.s.applied_key
        if newly_applied and action is not None and action.kind is not ActionKind.TRANSFER:
            return
        if not self._converging_hr_news and action is not None and action.key == self.s.applied_key:
            # Nothing changed in HR: this convergence only set right what was changed by
            # hand in Okta (drift repair). That is not news for the manager.
            if workflow.patched(QUIET_DRIFT_PATCH):
                return
        job_fields = {"title", "department", "division", "manager", "managerId"}
        added = groups.added if groups else []
        removed = groups.removed if groups else []
        job_changes = {
            name: change.model_dump(mode="json")
            for name, change in (profile.changes.items() if profile else [])
            if name in job_fields
        }
        if not (added or removed or job_changes):
            return
        snapshot = self.s.snapshot
        manager = snapshot.manager.work_email if snapshot and snapshot.manager else None
        await self._notify(
            NotificationEvent.ACCESS_CHANGED,
            [manager] if manager else ["it"],
            {"added": added, "removed": removed, "changes": job_changes},
        )

    async def _notify(
        self, event: NotificationEvent, audiences: list[str], data: dict[str, Any]
    ) -> None:
        # Notifications never block a lifecycle step: a failure is recorded and forgotten.
        snapshot = self.s.snapshot
        who = {
            "display_name": snapshot.display_name if snapshot else None,
            "login": snapshot.work_email if snapshot else None,
            "okta_user_id": self.s.okta_user_id,
        }
        data = {**who, **data}
        try:
            await workflow.execute_activity(
                Activity.NOTIFY,
                NotifyInput(
                    event=event, employee_id=self.s.employee_id, audiences=audiences, data=data
                ),
                result_type=NotifyResult,
                start_to_close_timeout=options.NOTIFY_TIMEOUT,
                retry_policy=options.NOTIFY_RETRY,
                summary=f"notify {event.value}",
            )
        except ActivityError as err:
            self._log(f"notify {event.value}", "failed", error_text(err))

    def _queue_audit(self, action: str, detail: dict[str, Any]) -> None:
        """Decisions that write nothing to Okta (reviews, ops commands) belong in the audit
        trail too; handlers cannot run activities, so the main loop records them."""
        self.s.audit_queue.append(
            RecordAuditEventInput(
                employee_id=self.s.employee_id, action=action, result="info", detail=detail
            )
        )

    async def _flush_audit(self) -> None:
        # Added after lifecycles were already running: older histories have no such step.
        queue = self.s.audit_queue
        if not queue or not workflow.patched(AUDIT_DECISIONS_PATCH):
            queue.clear()
            return
        while queue:
            # Removed only once written: a record the store refuses waits for the next look.
            try:
                await self._run(
                    Activity.RECORD_AUDIT_EVENT,
                    queue[0],
                    RecordAuditEventResult,
                    f"audit {queue[0].action}",
                )
            except ActivityError as err:
                await self._block(BLOCKED_AUDIT, err)
                return
            queue.pop(0)
        self._unblock(BLOCKED_AUDIT)

    async def _block(self, step: str, err: ActivityError) -> None:
        """A read or record that retries cannot finish: visible in `status`, alerted once
        per episode, looked at again after BLOCKED_RECHECK and on every hint or ops command."""
        now = workflow.now()
        previous = self.s.blocked.get(step)
        self.s.blocked[step] = FailedStep.next_in_episode(
            previous, step, error_text(err), now, retry_at=now + options.BLOCKED_RECHECK
        )
        if previous is None:
            self._log(f"{step} failing", "failed", error_text(err))
            await self._notify(
                NotificationEvent.SYNC_FAILING,
                ["it", "security"],
                {
                    "step": step,
                    "error": error_text(err),
                    "note": "the lifecycle keeps its dates, pause and cancellations and acts "
                    "on what it holds; it tries again every "
                    f"{int(options.BLOCKED_RECHECK.total_seconds() // 60)} minutes, on every "
                    "new HR change and on `lifecycle ops retry`",
                },
            )

    def _unblock(self, step: str) -> None:
        if self.s.blocked.pop(step, None) is not None:
            self._log(f"{step} working again", "done")

    async def _enter_review(self, reason: ReviewReason, notify: bool = True) -> None:
        self.s.review = reason
        self.s.state = LifecycleState.NEEDS_REVIEW
        self._log(f"needs review: {reason.code.value}", "failed", reason.message)
        if notify and self.s.review_notified != reason.code.value:
            self.s.review_notified = reason.code.value
            self._queue_audit(
                "lifecycle.review",
                {"code": reason.code.value, "message": reason.message, "field": reason.field},
            )
            await self._flush_audit()
            await self._notify(
                NotificationEvent.NEEDS_REVIEW,
                ["it", "hr"],
                {"code": reason.code.value, "message": reason.message, "field": reason.field},
            )
