"""One employee's identity lifecycle, from offer to rehire: the single writer of their Okta
account.

The story, each time something happens (an HR change, a dated action coming due, an ops
command):
1. make sure we hold the newest HR snapshot (re-read BambooHR when only hinted);
2. let the policy turn it into a plan: the desired Okta account over time;
3. converge Okta to the account the plan wants *now* (create, profile, groups, status);
4. sleep until the next dated action or the next signal.
Everything else here is bookkeeping so that operators and auditors can follow it.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import (
        Activity,
        AskGuardInput,
        AskGuardResult,
        EnsureOktaUserInput,
        EnsureOktaUserResult,
        FetchEmployeeInput,
        FetchEmployeeResult,
        FindOktaUserInput,
        FindOktaUserResult,
        NotificationEvent,
        NotifyInput,
        NotifyResult,
        PlanLifecycleInput,
        PlanLifecycleResult,
        RecordAuditEventInput,
        RecordAuditEventResult,
        RevokeOktaSessionsInput,
        RevokeOktaSessionsResult,
        SendOktaActivationInput,
        SendOktaActivationResult,
        SetOktaStatusInput,
        SetOktaStatusResult,
        SyncManagedGroupsInput,
        SyncManagedGroupsResult,
        TargetStatus,
        UpdateOktaProfileInput,
        UpdateOktaProfileResult,
    )
    from lifecycle.models import (
        AccountStatus,
        ActionKind,
        DatedAction,
        DesiredAccount,
        HrSnapshot,
        LifecyclePlan,
        ReviewCode,
        ReviewReason,
    )
    from lifecycle.reconcile.status import ACTIVATED, SIGN_IN
    from workflows import search_attributes as sa
    from workflows.employee import options
    from workflows.employee.models import (
        BLOCKED_AUDIT,
        BLOCKED_HR_READ,
        HISTORY_KEEP,
        WORKFLOW_NAME,
        ActionRecord,
        CancelInput,
        EmployeeInput,
        EmployeeState,
        FailedStep,
        FastForwardInput,
        GuardHold,
        HrChanged,
        LifecycleState,
        OpsResult,
        PauseInput,
        PendingView,
        ResolveInput,
        StatusView,
    )
    from workflows.guard.models import DECISION_SIGNAL, GuardDecision, guard_workflow_id

_STATE_FOR_STATUS = {
    AccountStatus.NONE: LifecycleState.PENDING_START,
    AccountStatus.STAGED: LifecycleState.STAGED,
    AccountStatus.ACTIVE: LifecycleState.ACTIVE,
    AccountStatus.SUSPENDED: LifecycleState.ON_LEAVE,
    AccountStatus.DEPROVISIONED: LifecycleState.TERMINATED,
}

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

_DEPROVISIONING = {ActionKind.TERMINATE, ActionKind.RESCIND}

# workflow.patched ids (keep them: running histories depend on them).
AUDIT_DECISIONS_PATCH = "audit-reviews-and-ops"
ANNOUNCE_CHANGES_PATCH = "announce-only-okta-changes"
QUIET_DRIFT_PATCH = "no-access-notice-for-drift-repair"
PATCH_PROFILE_ON_LEAVE = "profile-on-leave"
PATCH_CONVERGE_NEW_PLAN = "converge-every-new-plan"
PATCH_ALERT_UNSUSPENDED_LEAVE = "alert-when-leave-cannot-suspend"
PATCH_DEPROVISION_RECHECK = "deprovision-recheck-in-main-loop"
PATCH_REHIRE_EMAIL_AFTER_PROFILE = "rehire-activation-email-after-profile"
PATCH_MASS_CHANGE_GUARD = "mass-change-guard"
GUARD_GRANTS_KEPT = 10

# Okta suspends only ACTIVE users. In the other activated statuses the person can still get
# in (finish activation, reset a password, wait out a lock), so a leave that cannot suspend
# the account is a gap security must hear about.
_SIGN_IN_POSSIBLE = ACTIVATED - {"ACTIVE"}

# Reviews that a fresh HR snapshot may have fixed; the others need an operator's `resolve`.
_DATA_REVIEWS = {
    ReviewCode.NO_WORK_EMAIL,
    ReviewCode.INVALID_EMAIL,
    ReviewCode.UNKNOWN_DEPARTMENT,
    ReviewCode.UNKNOWN_LOCATION,
    ReviewCode.UNKNOWN_STATUS,
    ReviewCode.MISSING_DATE,
    ReviewCode.EMAIL_CONFLICT,
    ReviewCode.DELETED_IN_HR,
    ReviewCode.BAD_HR_DATA,
    ReviewCode.OKTA_REJECTED,
    ReviewCode.AMBIGUOUS_MATCH,
}


class _Rejected(Exception):
    """Raised by ops validators: Temporal reports the message to the caller."""


@workflow.defn(name=WORKFLOW_NAME)
class EmployeeLifecycle:
    @workflow.init
    def __init__(self, input: EmployeeInput) -> None:
        self.input = input
        self.s: EmployeeState = input.state or EmployeeState(employee_id=input.employee_id)
        # Wake-up flags set by handlers; the main loop acts on them.
        self._wake = False
        if self.s.plan is None and self.s.snapshot is not None:
            self.s.replan = True
        self._converge_due = True
        self._retry_requested = False
        self._sa_last: dict[str, Any] = {}
        self._busy = True  # False only while parked waiting for time or a signal
        self._changed_okta = False  # this convergence changed the account's existence/status
        self._hr_moved = True  # HR news since the last convergence (the first one: yes)
        self._converging_hr_news = True  # _hr_moved as it was when this convergence began

    # ---------------------------------------------------------------------------------------
    # The story
    # ---------------------------------------------------------------------------------------
    @workflow.run
    async def run(self, input: EmployeeInput) -> EmployeeState:
        while True:
            # Cleared before the work, not before the sleep: a signal that lands while we
            # work must still wake the next sleep.
            self._wake = False
            await self._flush_audit()
            await self._take_stock()
            if not self.s.paused and self.s.review is None and self._converge_due:
                self._converge_due = False
                # A failed step leaves the employee in review; `status` and history say why.
                with contextlib.suppress(_StepFailed):
                    await self._converge()
            self._publish()
            if self._finished():
                self._log("lifecycle complete", "info", "retention after termination elapsed")
                return self.s
            info = workflow.info()
            if (
                info.is_continue_as_new_suggested()
                or info.get_current_history_length() > self.input.max_history_events
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self.input.model_copy(update={"state": self.s}))
            await self._sleep_until_something_happens()

    async def _take_stock(self) -> None:
        """Newest snapshot in hand, plan up to date."""
        if self.s.needs_refresh or self.s.snapshot is None:
            await self._refresh()
        if self.s.replan and self.s.snapshot is not None:
            self.s.replan = False
            await self._plan()

    async def _sleep_until_something_happens(self) -> None:
        now = workflow.now()
        deadline = self._next_wakeup(now)
        recheck = self._next_recheck()
        only_recheck = recheck is not None and (deadline is None or recheck < deadline)
        if only_recheck:
            deadline = recheck
        self._busy = False
        try:
            if deadline is None:
                await workflow.wait_condition(lambda: self._wake)
            else:
                await workflow.wait_condition(
                    lambda: self._wake,
                    timeout=max(deadline - now, timedelta(seconds=1)),
                    timeout_summary=self._next_summary(),
                )
        except TimeoutError:
            if only_recheck:
                return  # the main loop reads or records again; Okta needs nothing new
            self._converge_due = True  # a dated action, a recheck (or retention end) came due
            failed = self.s.failed_step
            if failed is not None and failed.step == "deactivate" and failed.retry_at is not None:
                # A deprovisioning recheck reads HR again first: it may have been withdrawn.
                self.s.needs_refresh = True
            if self.s.review is not None and self.s.review.code in _DATA_REVIEWS:
                # A data problem must not hold a termination: at its instant the plan is
                # made again, and a terminated employee's data problems do not block it.
                self.s.review = None
                self.s.replan = True
        finally:
            self._busy = True

    # ---------------------------------------------------------------------------------------
    # Reading HR and planning
    # ---------------------------------------------------------------------------------------
    async def _refresh(self) -> None:
        try:
            result: FetchEmployeeResult = await self._run(
                Activity.FETCH_EMPLOYEE,
                # The lifecycle's clock is the policy's "today" (the same clock its timers use).
                FetchEmployeeInput(employee_id=self.s.employee_id, as_of=workflow.now()),
                FetchEmployeeResult,
                f"read employee {self.s.employee_id} from BambooHR",
            )
        except ActivityError as err:
            # A rotated or revoked key (401/403), a request BambooHR refuses (400): retries
            # cannot fix it, but the lifecycle must not end. It keeps its timers, pause and
            # cancellations, acts on the HR data it holds, and reads again later.
            self.s.needs_refresh = True
            await self._block(BLOCKED_HR_READ, err)
            return
        self._unblock(BLOCKED_HR_READ)
        self.s.needs_refresh = False
        if result.not_found:
            await self._enter_review(
                ReviewReason(
                    code=ReviewCode.DELETED_IN_HR,
                    message="the BambooHR record no longer exists; nothing is done "
                    "automatically (a deletion is not a termination)",
                )
            )
            return
        if result.problem is not None:
            await self._enter_review(result.problem)
            return
        if self.s.review is not None and self.s.review.code is ReviewCode.DELETED_IN_HR:
            self.s.review = None  # the record is back
            self._converge_due = True
        if result.snapshot is not None:
            self._accept_snapshot(result.snapshot, source="refresh")

    def _accept_snapshot(self, snapshot: HrSnapshot, source: str) -> bool:
        """Keep the newer snapshot; out-of-order and duplicate deliveries change nothing."""
        current = self.s.snapshot
        if current is not None:
            new_at, old_at = snapshot.last_changed, current.last_changed
            if new_at is not None and old_at is not None and new_at < old_at:
                self._log(f"hr_changed from {source} ignored", "ignored", "older than held")
                return False
            if _same_snapshot(snapshot, current):
                return False
        self.s.snapshot = snapshot
        self._hr_moved = True
        if self.s.review is not None and self.s.review.code in _DATA_REVIEWS:
            self.s.review = None  # re-evaluated by the plan and the next convergence
        self.s.replan = True
        self._converge_due = True
        return True

    async def _plan(self) -> None:
        assert self.s.snapshot is not None
        try:
            result: PlanLifecycleResult = await self._run(
                Activity.PLAN_LIFECYCLE,
                PlanLifecycleInput(snapshot=self.s.snapshot),
                PlanLifecycleResult,
                "apply the policy",
            )
        except ActivityError as err:
            await self._enter_review(
                ReviewReason(code=ReviewCode.BAD_HR_DATA, message=_error_text(err))
            )
            return
        self.s.plan = result.plan
        if workflow.patched(PATCH_CONVERGE_NEW_PLAN):
            # A newer snapshot that arrived while this plan was being made was followed by a
            # convergence to the *previous* plan, which cleared the flag: every new plan must
            # be converged, or Okta stays at an older HR state until the next signal.
            self._converge_due = True
        if result.plan.review is not None:
            await self._enter_review(result.plan.review)

    # ---------------------------------------------------------------------------------------
    # Converging Okta
    # ---------------------------------------------------------------------------------------
    async def _converge(self) -> None:
        plan = self.s.plan
        if plan is None:
            return
        now = workflow.now()
        action = plan.current_action(now, self.s.skipped, self.s.forced)
        desired = action.account if action else plan.baseline
        failed = self.s.failed_step
        if failed is not None and (
            failed.step != "deactivate" or desired.status is not AccountStatus.DEPROVISIONED
        ):
            # A failing deactivation stays visible through its rounds until it succeeds or
            # the plan no longer wants it (HR withdrew it, ops cancelled it).
            self.s.failed_step = None
        await self._withdraw_stale_guard_hold(action, desired)
        self._changed_okta = False
        # Cleared now, not at the end: HR news that arrives while this convergence runs
        # belongs to the next one (and its manager notice must not be lost).
        self._converging_hr_news, self._hr_moved = self._hr_moved, False

        if self.s.okta_user_id is None and not await self._find_or_create(desired, action):
            return
        user_id = self.s.okta_user_id
        assert user_id is not None

        if desired.status is AccountStatus.DEPROVISIONED:
            done = await self._deprovision(user_id, desired, action, plan)
        elif desired.status is AccountStatus.SUSPENDED:
            done = await self._suspend(user_id, desired, action, plan)
        else:
            done = await self._provision(user_id, desired, action, plan)
        if done:
            await self._announce(action)

    async def _find_or_create(self, desired: DesiredAccount, action: DatedAction | None) -> bool:
        """Give the workflow its Okta account; False when there is nothing (yet) to act on."""
        if desired.status is AccountStatus.NONE:
            self.s.state = LifecycleState.PENDING_START
            return False
        snapshot = self.s.snapshot
        if desired.status is AccountStatus.DEPROVISIONED:
            # Termination is never dropped: find any account this employee may still have.
            found: FindOktaUserResult = await self._activity(
                Activity.FIND_OKTA_USER,
                FindOktaUserInput(
                    employee_id=self.s.employee_id,
                    employee_number=snapshot.employee_number if snapshot else None,
                    login=desired.login,
                    email=snapshot.work_email if snapshot else None,
                ),
                FindOktaUserResult,
                "look for an account to deprovision",
            )
            strong = [
                c for c in found.candidates if {"bambooHrId", "employeeNumber"} & set(c.matched_by)
            ]
            if len(strong) == 1:
                self.s.okta_user_id = strong[0].account.user_id
                self.s.okta_status = strong[0].account.status
                return True
            if found.candidates:
                logins = ", ".join(c.account.login for c in found.candidates)
                await self._enter_review(
                    ReviewReason(
                        code=ReviewCode.AMBIGUOUS_MATCH,
                        message=f"terminated in HR; possible Okta accounts need a human "
                        f"decision before deactivation: {logins}",
                    )
                )
                return False
            self._mark_applied(action, "no Okta account to deprovision")
            self.s.state = LifecycleState.TERMINATED
            return False

        result: EnsureOktaUserResult = await self._activity(
            Activity.ENSURE_OKTA_USER,
            EnsureOktaUserInput(
                employee_id=self.s.employee_id,
                employee_number=snapshot.employee_number if snapshot else None,
                login=desired.login or "",
                profile=desired.profile,
            ),
            EnsureOktaUserResult,
            # Ids only: summaries are stored in history and shown in the UI.
            f"ensure Okta account for employee {self.s.employee_id}",
        )
        if result.review is not None:
            await self._enter_review(result.review)
            return False
        if result.account is None:
            self.s.dry_run_planned += len(result.planned)
            self._log("create Okta account", "planned", "dry-run: nothing sent")
            return False
        self.s.okta_user_id = result.account.user_id
        self.s.okta_status = result.account.status
        self._changed_okta = self._changed_okta or result.created
        verb = "created" if result.created else "linked existing"
        self._log(f"{verb} Okta account", "done", result.account.user_id)
        return True

    async def _provision(
        self, user_id: str, desired: DesiredAccount, action: DatedAction | None, plan: LifecyclePlan
    ) -> bool:
        """STAGED or ACTIVE (or an existing account before its pre-board date)."""
        profile = await self._update_profile(user_id, desired)
        groups = await self._sync_groups(user_id, desired.groups, plan)
        if desired.status in (AccountStatus.ACTIVE, AccountStatus.STAGED):
            target = TargetStatus(desired.status.value)
            status = await self._set_status(user_id, target, action, plan)
            if status is None:
                return False
            if profile is not None and profile.skipped_reason and status.operations:
                # A rehired account could not take profile changes while deprovisioned.
                await self._update_profile(user_id, desired)
            if status.activation_email_due:
                # Only now does the profile hold the rehire's new address: the old mailbox
                # may have been reassigned or forwarded.
                mail: SendOktaActivationResult = await self._activity(
                    Activity.SEND_OKTA_ACTIVATION,
                    SendOktaActivationInput(employee_id=self.s.employee_id, user_id=user_id),
                    SendOktaActivationResult,
                    "send the activation e-mail",
                )
                if mail.sent:
                    self._log("activation e-mail sent", "planned" if mail.planned else "done")
        await self._tell_manager(desired, action, groups, profile)
        if desired.status is AccountStatus.ACTIVE and self.s.leave_removed_groups:
            self._log("leave access re-granted", "done", ", ".join(self.s.leave_removed_groups))
            self.s.leave_removed_groups = []
        self.s.applied_groups = sorted(desired.groups)
        # A rehired account's retention clock starts again at its next termination.
        self.s.terminated_at = None
        # An account staged before its start moved later stays staged meanwhile.
        self.s.state = (
            LifecycleState.STAGED
            if desired.status is AccountStatus.NONE
            else _STATE_FOR_STATUS[desired.status]
        )
        return True

    async def _suspend(
        self, user_id: str, desired: DesiredAccount, action: DatedAction | None, plan: LifecyclePlan
    ) -> bool:
        if not await self._cleared_by_guard(action, "suspend", plan):
            return False
        status = await self._set_status(user_id, TargetStatus.SUSPENDED, action, plan)
        if status is None:
            return False
        if status.not_applicable and status.before in _SIGN_IN_POSSIBLE:
            await self._alert_not_suspended(status, action)
        if workflow.patched(PATCH_PROFILE_ON_LEAVE):
            # A job change made while (or just before) someone is away belongs on the account
            # now, as the groups do; Okta takes profile writes to SUSPENDED users.
            await self._update_profile(user_id, desired)
        groups = await self._sync_groups(user_id, desired.groups, plan)
        if groups is not None and groups.removed:
            # Remember what the leave took away so the return can be checked against it.
            removed = set(self.s.leave_removed_groups) | set(groups.removed)
            self.s.leave_removed_groups = sorted(removed)
        self.s.state = LifecycleState.ON_LEAVE
        return True

    async def _deprovision(
        self, user_id: str, desired: DesiredAccount, action: DatedAction | None, plan: LifecyclePlan
    ) -> bool:
        if not await self._cleared_by_guard(action, "deactivate", plan):
            return False
        status = await self._deactivate(user_id, action, plan)
        if status is None:
            return False
        if status.operations or not self.s.terminated_at:
            await self._activity(
                Activity.REVOKE_OKTA_SESSIONS,
                RevokeOktaSessionsInput(employee_id=self.s.employee_id, user_id=user_id),
                RevokeOktaSessionsResult,
                "revoke sessions and OAuth tokens",
            )
            self._log("sessions and tokens revoked", "done")
        await self._sync_groups(user_id, desired.groups, plan)
        self.s.leave_removed_groups = []
        self.s.terminated_at = self.s.terminated_at or workflow.now()
        self.s.state = LifecycleState.TERMINATED
        return True

    async def _update_profile(
        self, user_id: str, desired: DesiredAccount
    ) -> UpdateOktaProfileResult | None:
        result: UpdateOktaProfileResult = await self._activity(
            Activity.UPDATE_OKTA_PROFILE,
            UpdateOktaProfileInput(
                employee_id=self.s.employee_id, user_id=user_id, profile=desired.profile
            ),
            UpdateOktaProfileResult,
            "update Okta profile",
        )
        if result.changes:
            names = ", ".join(sorted(result.changes))
            self._log("profile updated", "planned" if result.planned else "done", names)
        return result

    async def _sync_groups(
        self, user_id: str, desired: list[str], plan: LifecyclePlan
    ) -> SyncManagedGroupsResult | None:
        result: SyncManagedGroupsResult = await self._activity(
            Activity.SYNC_MANAGED_GROUPS,
            SyncManagedGroupsInput(
                employee_id=self.s.employee_id,
                user_id=user_id,
                desired=sorted(desired),
                managed=plan.managed_groups,
            ),
            SyncManagedGroupsResult,
            "sync managed groups",
        )
        if result.added or result.removed:
            detail = f"+{result.added} -{result.removed}"
            self._log("managed groups synced", "planned" if result.planned else "done", detail)
        if result.missing_groups:
            self._log("groups missing in Okta", "failed", ", ".join(result.missing_groups))
        return result

    async def _set_status(
        self,
        user_id: str,
        target: TargetStatus,
        action: DatedAction | None,
        plan: LifecyclePlan,
        retry: Any = None,
    ) -> SetOktaStatusResult | None:
        """Returns None when a protected account held the change."""
        result: SetOktaStatusResult = await self._activity(
            Activity.SET_OKTA_STATUS,
            SetOktaStatusInput(
                employee_id=self.s.employee_id,
                user_id=user_id,
                target=target,
                send_activation_email=plan.send_activation_email,
                reason=action.key if action else "",
                protected=plan.protected,
                protected_groups=plan.protected_groups,
                activation_email_after_profile=target is TargetStatus.ACTIVE
                and workflow.patched(PATCH_REHIRE_EMAIL_AFTER_PROFILE),
            ),
            SetOktaStatusResult,
            f"set Okta status {target.value}",
            retry=retry,
        )
        self.s.okta_status = result.after
        if result.held:
            await self._hold(action, result.held_reason or "protected account")
            return None
        if result.operations:
            self._changed_okta = self._changed_okta or not result.planned
            outcome = "planned" if result.planned else "done"
            self._log(f"{'/'.join(result.operations)} ({result.before}→{result.after})", outcome)
        if result.not_applicable:
            self._log(f"status {target.value} not applicable", "noop", result.not_applicable)
        return result

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
                TargetStatus.DEPROVISIONED,
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
            non_retryable = _is_non_retryable(err)
            self.s.failed_step = FailedStep.next_in_episode(
                self.s.failed_step,
                "deactivate",
                _error_text(err),
                now,
                # A human must fix a refusal (permissions, a policy): look again later or on
                # `retry`. After a round of transient failures, go straight on.
                retry_at=now + options.DEPROVISION_RECHECK if non_retryable else now,
                attempts=1 if non_retryable else alert_after,
            )
            if self.s.deprovision_alerted != key:
                self.s.deprovision_alerted = key
                self._log("deactivation failing", "failed", _error_text(err))
                await self._notify(
                    NotificationEvent.DEPROVISION_FAILING,
                    ["security", "it"],
                    {"attempts": alert_after, "error": _error_text(err), "action": key},
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
            if _is_non_retryable(err):
                self._retry_requested = False
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._retry_requested,
                        timeout=options.DEPROVISION_RECHECK,
                        timeout_summary="deprovisioning re-check",
                    )
            try:
                return await self._set_status(
                    user_id, TargetStatus.DEPROVISIONED, action, plan, retry=options.UNLIMITED
                )
            except ActivityError as again:
                err = again
                self.s.failed_step = FailedStep(
                    step="deactivate",
                    error=_error_text(err),
                    at=workflow.now(),
                    attempts=alert_after,
                )

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
            reason = f"the mass-change guard did not answer: {_error_text(err)}"
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
            self._log(f"notify {event.value}", "failed", _error_text(err))

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
            previous, step, _error_text(err), now, retry_at=now + options.BLOCKED_RECHECK
        )
        if previous is None:
            self._log(f"{step} failing", "failed", _error_text(err))
            await self._notify(
                NotificationEvent.SYNC_FAILING,
                ["it", "security"],
                {
                    "step": step,
                    "error": _error_text(err),
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

    # ---------------------------------------------------------------------------------------
    # Signals: HR events
    # ---------------------------------------------------------------------------------------
    @workflow.signal(name="hr_changed")
    def hr_changed(self, change: HrChanged) -> None:
        if change.okta_user_id and self.s.okta_user_id is None:
            # Reconciliation linked an existing account: adopt it, never create another.
            self.s.okta_user_id = change.okta_user_id
            self._log("linked existing Okta account", "done", change.okta_user_id)
            self._converge_due = True
        if change.source in ("reconcile", "drift", "ops"):
            # These come because Okta may have drifted from the plan even though HR did not
            # change: converge again whatever the snapshot says.
            self._converge_due = True
        if change.deleted:
            self.s.needs_refresh = True
        elif change.snapshot is not None:
            self._accept_snapshot(change.snapshot, source=change.source)
        else:
            held = self.s.snapshot.last_changed if self.s.snapshot else None
            if change.last_changed is not None and held is not None and change.last_changed <= held:
                pass  # we already hold this change (or a newer one)
            else:
                self.s.needs_refresh = True
        self._wake = True

    @workflow.signal(name=DECISION_SIGNAL)
    def guard_decision(self, decision: GuardDecision) -> None:
        """The mass-change guard released (an operator approved) or rejected a held action."""
        if decision.verdict == "granted":
            self._guard_granted(decision.action, decision.by)
        elif decision.verdict == "rejected":
            self._reject_by_guard(decision.action, decision.reason, decision.by)
        self._kick()

    # ---------------------------------------------------------------------------------------
    # Ops: updates with validators, and signals of the same names for the Temporal UI
    # ---------------------------------------------------------------------------------------
    def _check_fast_forward(self, _: FastForwardInput | None) -> None:
        if self.s.paused:
            raise _Rejected("the lifecycle is paused: resume it first")
        if self.s.review is not None:
            code = self.s.review.code.value
            raise _Rejected(f"the lifecycle needs review ({code}): resolve it first")
        if self._next_action() is None:
            raise _Rejected("nothing pending to fast-forward")

    def _do_fast_forward(self, input: FastForwardInput | None) -> OpsResult:
        nxt = self._next_action()
        assert nxt is not None
        self.s.forced.append(nxt.key)
        reason = (input.reason if input else "") or None
        self._log(f"fast-forward {nxt.key}", "info", reason)
        self._queue_audit("ops.fast_forward", {"action": nxt.key, "reason": reason})
        self._kick()
        return OpsResult(message=f"{nxt.key} will run now", state=self.s.state)

    @workflow.update(name="fast_forward")
    def fast_forward(self, input: FastForwardInput | None = None) -> OpsResult:
        return self._do_fast_forward(input)

    @fast_forward.validator
    def _validate_fast_forward(self, input: FastForwardInput | None = None) -> None:
        _as_application_error(self._check_fast_forward, input)

    @workflow.signal(name="fast_forward")
    def fast_forward_signal(self, input: FastForwardInput | None = None) -> None:
        self._signal_as_update(
            "fast_forward", self._check_fast_forward, self._do_fast_forward, input
        )

    def _cancellable(self) -> list[DatedAction]:
        """Future actions, and first the action in force now if it could not be carried out
        (held for a protected account, or a deprovisioning that keeps failing)."""
        stuck: list[DatedAction] = []
        plan = self.s.plan
        if plan is not None:
            current = plan.current_action(workflow.now(), self.s.skipped, self.s.forced)
            held = self.s.review is not None and self.s.review.code is ReviewCode.PROTECTED_ACCOUNT
            failing = self.s.failed_step is not None
            guarded = self.s.guard_hold is not None and current is not None
            held = held or (guarded and self.s.guard_hold.action == current.key)  # type: ignore[union-attr]
            if current is not None and current.key != self.s.applied_key and (held or failing):
                stuck.append(current)
        return stuck + self._pending()

    def _check_cancel(self, input: CancelInput | None) -> None:
        if input is None or not input.reason.strip():
            raise _Rejected("cancel needs a reason")
        cancellable = self._cancellable()
        if not cancellable:
            raise _Rejected("nothing pending to cancel")
        if input.key is not None and input.key not in {a.key for a in cancellable}:
            keys = ", ".join(a.key for a in cancellable)
            raise _Rejected(f"no pending action {input.key!r}; pending: {keys}")

    def _do_cancel(self, input: CancelInput | None) -> OpsResult:
        assert input is not None
        key = input.key or self._cancellable()[0].key
        stuck = key not in {a.key for a in self._pending()}  # the held or failing one
        self.s.skipped[key] = input.reason
        if stuck:
            # The action that could not be carried out is gone: nothing left to review or
            # to retry for it.
            if self.s.review is not None and self.s.review.code is ReviewCode.PROTECTED_ACCOUNT:
                self.s.review = None
                self.s.review_notified = None
            self.s.failed_step = None
        self._log(f"cancel {key}", "info", input.reason)
        self._queue_audit("ops.cancel", {"action": key, "reason": input.reason})
        self._kick()
        return OpsResult(message=f"{key} cancelled", state=self.s.state)

    @workflow.update(name="cancel")
    def cancel(self, input: CancelInput | None = None) -> OpsResult:
        return self._do_cancel(input)

    @cancel.validator
    def _validate_cancel(self, input: CancelInput | None = None) -> None:
        _as_application_error(self._check_cancel, input)

    @workflow.signal(name="cancel")
    def cancel_signal(self, input: CancelInput | None = None) -> None:
        self._signal_as_update("cancel", self._check_cancel, self._do_cancel, input)

    def _check_retry(self, _: Any) -> None:
        failed = self.s.failed_step is not None or bool(self.s.blocked)
        rejected = self.s.review is not None and self.s.review.code is ReviewCode.OKTA_REJECTED
        if not (failed or rejected):
            raise _Rejected("no failed step to retry")

    def _do_retry(self, _: Any) -> OpsResult:
        if self.s.review is not None and self.s.review.code is ReviewCode.OKTA_REJECTED:
            self.s.review = None
        if BLOCKED_HR_READ in self.s.blocked:
            self.s.needs_refresh = True
        self._retry_requested = True
        self._log("retry requested", "info")
        self._queue_audit("ops.retry", {})
        self._kick()
        return OpsResult(message="the failed step runs again now", state=self.s.state)

    @workflow.update(name="retry")
    def retry(self) -> OpsResult:
        return self._do_retry(None)

    @retry.validator
    def _validate_retry(self) -> None:
        _as_application_error(self._check_retry, None)

    @workflow.signal(name="retry")
    def retry_signal(self) -> None:
        self._signal_as_update("retry", self._check_retry, self._do_retry, None)

    def _check_pause(self, _: PauseInput | None) -> None:
        if self.s.paused:
            raise _Rejected("already paused")

    def _do_pause(self, input: PauseInput | None) -> OpsResult:
        self.s.paused = True
        self.s.pause_reason = (input.reason if input else "") or None
        self._log("paused", "info", self.s.pause_reason)
        self._queue_audit("ops.pause", {"reason": self.s.pause_reason})
        self._kick()
        return OpsResult(message="paused: no Okta changes until resumed", state=self.s.state)

    @workflow.update(name="pause")
    def pause(self, input: PauseInput | None = None) -> OpsResult:
        return self._do_pause(input)

    @pause.validator
    def _validate_pause(self, input: PauseInput | None = None) -> None:
        _as_application_error(self._check_pause, input)

    @workflow.signal(name="pause")
    def pause_signal(self, input: PauseInput | None = None) -> None:
        self._signal_as_update("pause", self._check_pause, self._do_pause, input)

    def _check_resume(self, _: Any) -> None:
        if not self.s.paused:
            raise _Rejected("not paused")

    def _do_resume(self, _: Any) -> OpsResult:
        self.s.paused = False
        self.s.pause_reason = None
        self._log("resumed", "info")
        self._queue_audit("ops.resume", {})
        self._kick()
        return OpsResult(message="resumed: catching up with the plan", state=self.s.state)

    @workflow.update(name="resume")
    def resume(self) -> OpsResult:
        return self._do_resume(None)

    @resume.validator
    def _validate_resume(self) -> None:
        _as_application_error(self._check_resume, None)

    @workflow.signal(name="resume")
    def resume_signal(self) -> None:
        self._signal_as_update("resume", self._check_resume, self._do_resume, None)

    def _check_resolve(self, _: ResolveInput | None) -> None:
        if self.s.review is None:
            raise _Rejected("nothing to resolve: the lifecycle does not need review")

    def _do_resolve(self, input: ResolveInput | None) -> OpsResult:
        assert self.s.review is not None
        code = self.s.review.code
        self.s.review = None
        self.s.review_notified = None
        if input is not None and input.okta_user_id:
            self.s.okta_user_id = input.okta_user_id
        if code is ReviewCode.DELETED_IN_HR:
            self.s.needs_refresh = True
        note = (input.note if input else "") or None
        self._log(f"review {code.value} resolved", "info", note)
        self._queue_audit(
            "ops.resolve",
            {"review": code.value, "note": note, "okta_user_id": self.s.okta_user_id},
        )
        self._kick()
        return OpsResult(message=f"{code.value} resolved; converging again", state=self.s.state)

    @workflow.update(name="resolve")
    def resolve(self, input: ResolveInput | None = None) -> OpsResult:
        return self._do_resolve(input)

    @resolve.validator
    def _validate_resolve(self, input: ResolveInput | None = None) -> None:
        _as_application_error(self._check_resolve, input)

    @workflow.signal(name="resolve")
    def resolve_signal(self, input: ResolveInput | None = None) -> None:
        self._signal_as_update("resolve", self._check_resolve, self._do_resolve, input)

    def _signal_as_update(self, name: str, check: Any, do: Any, input: Any) -> None:
        """Signals cannot answer; a nonsensical one is recorded and otherwise ignored."""
        try:
            check(input)
        except _Rejected as exc:
            self._log(f"{name} signal ignored", "ignored", str(exc))
            return
        do(input)

    @workflow.query(name="status")
    def status(self) -> StatusView:
        nxt = self._next_action()
        return StatusView(
            employee_id=self.s.employee_id,
            state=self.s.state,
            okta_user_id=self.s.okta_user_id,
            okta_status=self.s.okta_status,
            paused=self.s.paused,
            pause_reason=self.s.pause_reason,
            review=self.s.review,
            failed_step=self.s.failed_step,
            next_action=_view(nxt) if nxt else None,
            pending=[_view(a) for a in self._pending()],
            cancelled=dict(self.s.skipped),
            last_actions=self.s.history[-20:],
            department=self.s.snapshot.department if self.s.snapshot else None,
            blocked=dict(self.s.blocked),
            held_by_guard=self.s.guard_hold,
            busy=self._busy or self._wake,
        )

    # ---------------------------------------------------------------------------------------
    # Bookkeeping
    # ---------------------------------------------------------------------------------------
    def _kick(self) -> None:
        self._converge_due = True
        self._wake = True

    def _pending(self) -> list[DatedAction]:
        if self.s.plan is None:
            return []
        return self.s.plan.pending(workflow.now(), self.s.skipped, self.s.forced)

    def _next_action(self) -> DatedAction | None:
        pending = self._pending()
        return pending[0] if pending else None

    def _retention_end(self) -> datetime | None:
        if self.s.state is LifecycleState.TERMINATED and self.s.terminated_at is not None:
            return self.s.terminated_at + timedelta(days=self.input.retention_days)
        return None

    def _finished(self) -> bool:
        end = self._retention_end()
        return (
            end is not None
            and workflow.now() >= end
            and self._next_action() is None
            and not self._wake
            and self.s.review is None
            # Nothing accepted may be left undone: records still to write, reads failing.
            and not self.s.audit_queue
            and not self.s.blocked
            and self.s.guard_hold is None
        )

    def _next_wakeup(self, now: datetime) -> datetime | None:
        candidates = []
        if not self.s.paused:
            if self.s.review is None:
                nxt = self._next_action()
            else:
                # In review only a deprovisioning still comes due on its own.
                nxt = next((a for a in self._pending() if a.kind in _DEPROVISIONING), None)
            if nxt is not None:
                candidates.append(nxt.at)
            failed = self.s.failed_step
            if self.s.review is None and failed is not None and failed.retry_at is not None:
                candidates.append(failed.retry_at)
            if self.s.review is None and self.s.guard_hold is not None:
                candidates.append(self.s.guard_hold.retry_at)
        end = self._retention_end()
        if end is not None:
            candidates.append(end)
        return min(candidates) if candidates else None

    def _next_recheck(self) -> datetime | None:
        """When a blocked read or record is tried again. Even while paused or in review:
        these write nothing to Okta, and a review may be waiting for exactly that read."""
        return min((b.retry_at for b in self.s.blocked.values() if b.retry_at), default=None)

    def _next_summary(self) -> str:
        nxt = self._next_action()
        return f"until {nxt.key}" if nxt else "until retention ends"

    def _log(self, action: str, result: str, detail: str | None = None) -> None:
        self.s.history.append(
            ActionRecord(at=workflow.now(), action=action, result=result, detail=detail)
        )
        del self.s.history[:-HISTORY_KEEP]

    async def _run(
        self, name: str, arg: Any, result_type: type, summary: str, retry: Any = None
    ) -> Any:
        """Every activity but notifications, with the one set of timeouts and retries
        (options.py); an error retries cannot fix reaches the caller as ActivityError."""
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=options.START_TO_CLOSE,
            heartbeat_timeout=options.HEARTBEAT,
            retry_policy=retry or options.UNLIMITED,
            summary=summary,
        )

    async def _activity(
        self, name: str, arg: Any, result_type: type, summary: str, retry: Any = None
    ) -> Any:
        """Run an Okta activity; non-retryable rejections move the employee to review."""
        try:
            return await self._run(name, arg, result_type, summary, retry)
        except ActivityError as err:
            if retry is not None:
                raise  # the caller runs its own failure policy (deprovisioning)
            self.s.failed_step = FailedStep(step=name, error=_error_text(err), at=workflow.now())
            await self._enter_review(
                ReviewReason(code=ReviewCode.OKTA_REJECTED, message=f"{name}: {_error_text(err)}")
            )
            raise _StepFailed(name) from err

    def _publish(self) -> None:
        """Search attributes and the UI's current-details line, only when they change."""
        nxt = self._next_action()
        values: dict[str, Any] = {
            "EmployeeId": self.s.employee_id,
            "LifecycleState": self.s.state.value,
            "Department": (self.s.snapshot.department if self.s.snapshot else None) or "",
            "NextAction": nxt.kind.value if nxt else "",
            "NextActionAt": nxt.at if nxt else None,
            "HeldByGuard": self.s.guard_hold.action if self.s.guard_hold else "",
        }
        if values == self._sa_last:
            return
        self._sa_last = values
        workflow.upsert_search_attributes(
            [
                sa.EMPLOYEE_ID.value_set(values["EmployeeId"]),
                sa.LIFECYCLE_STATE.value_set(values["LifecycleState"]),
                sa.DEPARTMENT.value_set(values["Department"]),
                sa.NEXT_ACTION.value_set(values["NextAction"]),
                sa.NEXT_ACTION_AT.value_set(values["NextActionAt"])
                if values["NextActionAt"]
                else sa.NEXT_ACTION_AT.value_unset(),
                sa.HELD_BY_GUARD.value_set(values["HeldByGuard"]),
            ]
        )
        details = f"**{self.s.state.value}**"
        if self.s.review:
            details += f" — review: {self.s.review.code.value}: {self.s.review.message}"
        if nxt:
            details += f" — next: {nxt.key} at {nxt.at.isoformat()}"
        if self.s.paused:
            details += " — paused"
        if self.s.guard_hold is not None:
            hold = self.s.guard_hold
            details += (
                f" — {hold.action} held by the mass-change guard since {hold.since.isoformat()}"
            )
        for blocked in self.s.blocked.values():
            details += f" — {blocked.step} failing since {blocked.at.isoformat()}: {blocked.error}"
        if self.s.failed_step is not None:
            details += f" — {self.s.failed_step.step} failing: {self.s.failed_step.error}"
        workflow.set_current_details(details)


class _StepFailed(Exception):
    """Internal: a step moved the employee to review; unwinds the current convergence."""


def _view(action: DatedAction) -> PendingView:
    return PendingView(key=action.key, kind=action.kind, at=action.at)


def _same_snapshot(a: HrSnapshot, b: HrSnapshot) -> bool:
    return a.model_dump(exclude={"fetched_at"}) == b.model_dump(exclude={"fetched_at"})


def _error_text(err: BaseException) -> str:
    cause = err.cause if isinstance(err, ActivityError) else None
    while cause is not None and isinstance(cause, ActivityError):
        cause = cause.cause
    if isinstance(cause, ApplicationError):
        return f"{cause.type or 'error'}: {cause.message}"
    return str(cause or err)


def _is_non_retryable(err: ActivityError) -> bool:
    cause = err.cause
    return isinstance(cause, ApplicationError) and cause.non_retryable


def _as_application_error(check: Any, input: Any) -> None:
    try:
        check(input)
    except _Rejected as exc:
        raise ApplicationError(str(exc), type="Rejected", non_retryable=True) from None
