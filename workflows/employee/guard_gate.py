"""Asking the mass-change guard (workflows/guard) before a suspension or deactivation, and
hearing its decision when an operator releases or rejects a held action."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        Activity,
        AskGuardInput,
        AskGuardResult,
    )
    from contracts.employee import (
        EmployeeInput,
        EmployeeState,
        GuardHold,
        LifecycleState,
    )
    from contracts.guard import DECISION_SIGNAL, GuardDecision, guard_workflow_id
    from lifecycle.models import (
        AccountStatus,
        DatedAction,
        DesiredAccount,
        LifecyclePlan,
        ReviewCode,
        ReviewReason,
    )
    from lifecycle.okta_status import SIGN_IN
    from workflows import options
    from workflows.employee.patches import (
        PATCH_MASS_CHANGE_GUARD,
    )
    from workflows.errors import error_text

GUARD_GRANTS_KEPT = 10


class GuardGate:
    """Mixed into EmployeeLifecycle: the guard's side of a convergence."""

    s: EmployeeState
    input: EmployeeInput

    # ---------------------------------------------------------------------------------------
    # The mass-change guard (workflows/guard): asked before every suspension/deactivation
    # ---------------------------------------------------------------------------------------
    async def _cleared_by_guard(
        self, action: DatedAction | None, verb: str, plan: LifecyclePlan
    ) -> bool:
        """May this disruptive write go ahead now? Accounts nobody can sign in with (already
        suspended, staged, gone) and protected ones (held anyway) need no permission."""
        key = action.key if action else f"{verb}:now"
        if plan.protected or key in self.s.guard_granted:
            return True
        if self.s.okta_status is not None and self.s.okta_status not in SIGN_IN:
            return True
        if not workflow.patched(PATCH_MASS_CHANGE_GUARD):
            return True
        snapshot = self.s.snapshot
        try:
            answer: AskGuardResult = await self._run(
                Activity.ASK_DISRUPTION_GUARD,
                AskGuardInput(
                    employee_id=self.s.employee_id,
                    action=key,
                    verb=verb,  # type: ignore[arg-type]
                    department=snapshot.department if snapshot else None,
                ),
                AskGuardResult,
                f"ask the mass-change guard: {verb}",
                retry=options.GUARD_ROUND,
            )
        except ActivityError as err:
            # Never skip the check: wait, visibly, and ask again soon.
            reason = f"the mass-change guard did not answer: {error_text(err)}"
            hold = self.s.guard_hold
            # Asked again soon, then less often (as long as it has lasted, up to the
            # blocked-read pace): an outage of hours must not fill the history.
            waited = workflow.now() - hold.since if hold and hold.action == key else timedelta(0)
            recheck = min(max(waited, options.GUARD_UNREACHABLE_RECHECK), options.BLOCKED_RECHECK)
            self._wait_for_guard(key, verb, reason, recheck)
            return False
        if key in self.s.guard_granted or answer.verdict == "granted":
            # (A release signal may have overtaken this very answer.)
            self._guard_granted(key, answer.by)
            return True
        if answer.verdict == "rejected":
            self._reject_by_guard(key, answer.reason, answer.by)
            return False
        self._wait_for_guard(key, verb, answer.reason, options.GUARD_RECHECK)
        return False

    def _wait_for_guard(self, key: str, verb: str, reason: str, recheck: timedelta) -> None:
        now = workflow.now()
        hold = self.s.guard_hold
        new = hold is None or hold.action != key
        self.s.guard_hold = GuardHold(
            action=key,
            verb=verb,  # type: ignore[arg-type]
            since=now if new or hold is None else hold.since,
            reason=reason,
            retry_at=now + recheck,
        )
        if new:
            self._log(f"{key} held by the mass-change guard", "held", reason)
        if self.s.state is LifecycleState.PENDING_START:
            # A lifecycle that began with this very action: the account it holds is in use.
            self.s.state = LifecycleState.ACTIVE

    def _guard_granted(self, key: str, by: str | None) -> None:
        if key not in self.s.guard_granted:
            self.s.guard_granted = [*self.s.guard_granted, key][-GUARD_GRANTS_KEPT:]
        hold = self.s.guard_hold
        if hold is not None and hold.action == key:
            self.s.guard_hold = None
            self._log(f"{key} released by the mass-change guard", "info", by)

    def _reject_by_guard(self, key: str, reason: str, by: str | None) -> None:
        """An operator turned the held action down: it is cancelled, the account stays as it
        is, and a person looks at the employee before anything else happens."""
        self.s.skipped[key] = f"rejected at the mass-change guard by {by or 'ops'}: {reason}"
        self.s.guard_hold = None
        review = ReviewReason(
            code=ReviewCode.GUARD_REJECTED,
            message=f"{key} was rejected at the mass-change guard by {by or 'ops'} ({reason}); "
            f"the account was left as it is. Check the HR record, then `lifecycle ops resolve "
            f"{self.s.employee_id}` to let later HR changes through.",
        )
        self.s.review = review
        self.s.review_notified = review.code.value
        self.s.state = LifecycleState.NEEDS_REVIEW
        self._log(f"needs review: {review.code.value}", "failed", review.message)
        self._queue_audit(
            "lifecycle.review",
            {"code": review.code.value, "message": review.message, "action": key},
        )

    async def _withdraw_stale_guard_hold(
        self, action: DatedAction | None, desired: DesiredAccount
    ) -> None:
        """HR withdrew the held action, ops cancelled it, or another took its place: the
        guard must not keep it in its list for an operator to approve."""
        hold = self.s.guard_hold
        if hold is None:
            return
        wanted = desired.status in (AccountStatus.SUSPENDED, AccountStatus.DEPROVISIONED)
        if wanted and (action.key if action else f"{hold.verb}:now") == hold.action:
            return
        self.s.guard_hold = None
        self._log(f"{hold.action} no longer held by the mass-change guard", "info", "withdrawn")
        guard = workflow.get_external_workflow_handle(guard_workflow_id(workflow.info().task_queue))
        try:
            await guard.signal(
                "withdraw",
                GuardDecision(employee_id=self.s.employee_id, action=hold.action, verdict="held"),
            )
        except (ApplicationError, FailureError) as err:
            # No guard to tell: it cannot release what it does not hold.
            self._log("withdraw at the mass-change guard", "failed", str(err))

    @workflow.signal(name=DECISION_SIGNAL)
    def guard_decision(self, decision: GuardDecision) -> None:
        """The mass-change guard released (an operator approved) or rejected a held action."""
        if decision.verdict == "granted":
            self._guard_granted(decision.action, decision.by)
        elif decision.verdict == "rejected":
            self._reject_by_guard(decision.action, decision.reason, decision.by)
        self._kick()
