"""The writes that take access away when they cannot simply go ahead: a deactivation that
keeps failing (rounds, alerts), a leave Okta cannot suspend, a protected account."""

from __future__ import annotations

import contextlib

from temporalio import workflow
from temporalio.exceptions import ActivityError

from lifecycle.models import AccountStatus

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        NotificationEvent,
        SetOktaStatusResult,
    )
    from contracts.employee import (
        EmployeeInput,
        EmployeeState,
        FailedStep,
    )
    from lifecycle.models import (
        DatedAction,
        LifecyclePlan,
        ReviewCode,
        ReviewReason,
    )
    from workflows import options
    from workflows.employee.patches import (
        PATCH_ALERT_UNSUSPENDED_LEAVE,
        PATCH_DEPROVISION_RECHECK,
    )
    from workflows.errors import error_text, is_non_retryable


class Deprovisioning:
    """Mixed into EmployeeLifecycle: the failure paths of taking access away."""

    s: EmployeeState
    input: EmployeeInput

    async def _deactivate(
        self, user_id: str, action: DatedAction | None, plan: LifecyclePlan
    ) -> SetOktaStatusResult | None:
        """One round of deactivation: up to N attempts, then people are told (once per action)
        and the main loop looks again later. Deprovisioning never gives up, but each look
        starts from the top: HR may have withdrawn it, ops may have paused or cancelled it,
        and the run may continue as new in between."""
        alert_after = self.input.deprovision_alert_after or plan.deprovision_alert_after
        key = action.key if action else "status"
        try:
            result = await self._set_status(
                user_id,
                AccountStatus.DEPROVISIONED,
                action,
                plan,
                # The first round ends after N attempts, when people must hear of it.
                retry=options.DEPROVISION_ROUND
                if self.s.deprovision_alerted == key
                else options.bounded(alert_after),
            )
            self.s.failed_step = None
            return result
        except ActivityError as err:
            now = workflow.now()
            non_retryable = is_non_retryable(err)
            self.s.failed_step = FailedStep.next_in_episode(
                self.s.failed_step,
                "deactivate",
                error_text(err),
                now,
                # A human must fix a refusal (permissions, a policy): look again later or on
                # `retry`. After a round of transient failures, go straight on.
                retry_at=now + options.DEPROVISION_RECHECK if non_retryable else now,
                attempts=1 if non_retryable else alert_after,
            )
            if self.s.deprovision_alerted != key:
                self.s.deprovision_alerted = key
                self._log("deactivation failing", "failed", error_text(err))
                await self._notify(
                    NotificationEvent.DEPROVISION_FAILING,
                    ["security", "it"],
                    {"attempts": alert_after, "error": error_text(err), "action": key},
                )
            if workflow.patched(PATCH_DEPROVISION_RECHECK):
                return None
            # Histories from before the patch waited in place.
            return await self._deactivate_in_place(user_id, action, plan, err, alert_after)

    async def _deactivate_in_place(
        self,
        user_id: str,
        action: DatedAction | None,
        plan: LifecyclePlan,
        err: ActivityError,
        alert_after: int,
    ) -> SetOktaStatusResult | None:
        """The pre-patch loop, kept only so that running histories replay."""
        while True:
            if is_non_retryable(err):
                self._retry_requested = False
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._retry_requested,
                        timeout=options.DEPROVISION_RECHECK,
                        timeout_summary="deprovisioning re-check",
                    )
            try:
                return await self._set_status(
                    user_id, AccountStatus.DEPROVISIONED, action, plan, retry=options.UNLIMITED
                )
            except ActivityError as again:
                err = again
                self.s.failed_step = FailedStep(
                    step="deactivate",
                    error=error_text(err),
                    at=workflow.now(),
                    attempts=alert_after,
                )

    async def _alert_not_suspended(
        self, status: SetOktaStatusResult, action: DatedAction | None
    ) -> None:
        """The leave goes on (groups are still taken away) but the account stays usable
        until a later convergence finds it ACTIVE and suspends it. Alerted once per leave,
        not on every convergence."""
        if not workflow.patched(PATCH_ALERT_UNSUSPENDED_LEAVE):
            return
        key = action.key if action else "status"
        if self.s.unsuspended_alert_key == key:
            return
        self.s.unsuspended_alert_key = key
        await self._notify(
            NotificationEvent.LEAVE_NOT_SUSPENDED,
            ["security", "it"],
            {"action": key, "okta_status": status.before, "reason": status.not_applicable},
        )

    async def _hold(self, action: DatedAction | None, reason: str) -> None:
        key = action.key if action else "status"
        self._log(f"{key} held", "held", reason)  # the activity wrote the audit record
        if self.s.held_key != key:
            self.s.held_key = key
            await self._notify(
                NotificationEvent.PROTECTED_HELD,
                ["it", "security"],
                {"action": key, "reason": reason},
            )
        await self._enter_review(
            ReviewReason(
                code=ReviewCode.PROTECTED_ACCOUNT,
                message=f"{key} held: {reason}. Either cancel it (`lifecycle ops cancel "
                f"{self.s.employee_id} --key {key} --reason ...`: the account stays as it is) "
                f"or lift the protection and `lifecycle ops resolve {self.s.employee_id}`.",
            ),
            notify=False,
        )
