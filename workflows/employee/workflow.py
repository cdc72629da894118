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
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        Activity,
        ChooseLoginInput,
        ChooseLoginResult,
        EnsureOktaUserInput,
        EnsureOktaUserResult,
        FetchEmployeeInput,
        FetchEmployeeResult,
        FindOktaUserInput,
        FindOktaUserResult,
        NotificationEvent,
        PlanLifecycleInput,
        PlanLifecycleResult,
        RevokeOktaSessionsInput,
        RevokeOktaSessionsResult,
        SendOktaActivationInput,
        SendOktaActivationResult,
        SetOktaStatusInput,
        SetOktaStatusResult,
        SyncManagedGroupsInput,
        SyncManagedGroupsResult,
        UpdateOktaProfileInput,
        UpdateOktaProfileResult,
        WriteBackWorkEmailInput,
        WriteBackWorkEmailResult,
    )
    from contracts.employee import (
        BLOCKED_HR_READ,
        HISTORY_KEEP,
        WORKFLOW_NAME,
        ActionRecord,
        EmployeeInput,
        EmployeeState,
        FailedStep,
        HrChanged,
        LifecycleState,
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
    from lifecycle.okta_status import ACTIVATED
    from workflows import options
    from workflows.employee.deprovisioning import Deprovisioning
    from workflows.employee.guard_gate import GuardGate
    from workflows.employee.okta_changes import OktaChanges
    from workflows.employee.ops import OpsHandlers
    from workflows.employee.patches import (
        PATCH_CONVERGE_NEW_PLAN,
        PATCH_GENERATE_LOGIN,
        PATCH_PROFILE_ON_LEAVE,
        PATCH_REHIRE_EMAIL_AFTER_PROFILE,
    )
    from workflows.employee.records import Records
    from workflows.employee.views import StatusViews
    from workflows.errors import error_text

_STATE_FOR_STATUS = {
    AccountStatus.NONE: LifecycleState.PENDING_START,
    AccountStatus.STAGED: LifecycleState.STAGED,
    AccountStatus.ACTIVE: LifecycleState.ACTIVE,
    AccountStatus.SUSPENDED: LifecycleState.ON_LEAVE,
    AccountStatus.DEPROVISIONED: LifecycleState.TERMINATED,
}

_DEPROVISIONING = {ActionKind.TERMINATE, ActionKind.RESCIND}

WRITE_BACK_ATTEMPTS = 6  # about a minute of BambooHR errors before a person is asked

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
    ReviewCode.LOGIN_NOT_GENERATED,
}


@workflow.defn(name=WORKFLOW_NAME)
class EmployeeLifecycle(OpsHandlers, GuardGate, Deprovisioning, OktaChanges, Records, StatusViews):
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
            if self.s.okta_events:
                # Someone else changed the account in Okta: judged against the current plan.
                await self._judge_okta_changes()
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
                FetchEmployeeInput(
                    employee_id=self.s.employee_id,
                    as_of=workflow.now(),
                    supervisor_hint=self.s.snapshot.supervisor_id if self.s.snapshot else None,
                ),
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
        result = await self._plan_once()
        if result is None:
            return
        if (
            result.plan.login_needed
            and self.s.generated_login is None
            and workflow.patched(PATCH_GENERATE_LOGIN)
        ):
            # No work email in HR and the policy generates logins: choose one (claimed, so
            # every later plan and any retry keeps it), then plan with it.
            if not await self._choose_login():
                return
            result = await self._plan_once()
            if result is None:
                return
        if self.s.generated_login is not None and not self.s.login_written_back:
            await self._write_back_login(self.s.generated_login)
        self.s.plan = result.plan
        if workflow.patched(PATCH_CONVERGE_NEW_PLAN):
            # A newer snapshot that arrived while this plan was being made was followed by a
            # convergence to the *previous* plan, which cleared the flag: every new plan must
            # be converged, or Okta stays at an older HR state until the next signal.
            self._converge_due = True
        if result.plan.review is not None:
            await self._enter_review(result.plan.review)

    async def _plan_once(self) -> PlanLifecycleResult | None:
        assert self.s.snapshot is not None
        try:
            result: PlanLifecycleResult = await self._run(
                Activity.PLAN_LIFECYCLE,
                PlanLifecycleInput(
                    snapshot=self.s.snapshot, generated_login=self.s.generated_login
                ),
                PlanLifecycleResult,
                "apply the policy",
            )
        except ActivityError as err:
            await self._enter_review(
                ReviewReason(code=ReviewCode.BAD_HR_DATA, message=error_text(err))
            )
            return None
        return result

    async def _choose_login(self) -> bool:
        assert self.s.snapshot is not None
        try:
            chosen: ChooseLoginResult = await self._run(
                Activity.CHOOSE_LOGIN,
                ChooseLoginInput(employee_id=self.s.employee_id, snapshot=self.s.snapshot),
                ChooseLoginResult,
                f"choose a login for employee {self.s.employee_id}",
            )
        except ActivityError as err:
            await self._enter_review(
                ReviewReason(
                    code=ReviewCode.LOGIN_NOT_GENERATED,
                    message=f"choosing a login failed: {error_text(err)}",
                )
            )
            return False
        if chosen.login is None:
            await self._enter_review(
                chosen.review
                or ReviewReason(code=ReviewCode.LOGIN_NOT_GENERATED, message="no login chosen")
            )
            return False
        self.s.generated_login = chosen.login
        self._log("login generated", "done", chosen.login)
        return True

    async def _write_back_login(self, login: str) -> None:
        """BambooHR's workEmail becomes the generated login (only while it is empty there).
        A refusal is alerted once; the Okta side goes on with the generated login. Retries
        are bounded: a BambooHR write outage must not hold the new hire's lifecycle (the plan
        is stored only after this step), so it ends as a refusal a person can act on."""
        try:
            result: WriteBackWorkEmailResult = await self._run(
                Activity.WRITE_BACK_WORK_EMAIL,
                WriteBackWorkEmailInput(employee_id=self.s.employee_id, work_email=login),
                WriteBackWorkEmailResult,
                f"write the work email of employee {self.s.employee_id} back to BambooHR",
                retry=options.bounded(WRITE_BACK_ATTEMPTS),
            )
            refused = result.refused
        except ActivityError as err:
            result, refused = WriteBackWorkEmailResult(), error_text(err)
        self.s.login_written_back = True
        if refused is not None:
            self._log("work email write-back refused", "failed", refused)
            await self._notify(
                NotificationEvent.LOGIN_WRITEBACK_REFUSED,
                ["it", "hr"],
                {"generated_login": login, "error": refused},
            )
        elif result.written or result.planned:
            self._log("work email written back", "planned" if result.planned else "done", login)
        elif result.skipped_reason:
            self._log("work email write-back skipped", "noop", result.skipped_reason)

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
                groups=desired.groups,  # a new account comes with them (one call)
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
            target = desired.status
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
        status = await self._set_status(user_id, AccountStatus.SUSPENDED, action, plan)
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
        target: AccountStatus,
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
                activation_email_after_profile=target is AccountStatus.ACTIVE
                and workflow.patched(PATCH_REHIRE_EMAIL_AFTER_PROFILE),
                known_status=self.s.okta_status,
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
            and not self.s.okta_events
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
            self.s.failed_step = FailedStep(step=name, error=error_text(err), at=workflow.now())
            await self._enter_review(
                ReviewReason(code=ReviewCode.OKTA_REJECTED, message=f"{name}: {error_text(err)}")
            )
            raise _StepFailed(name) from err


class _StepFailed(Exception):
    """Internal: a step moved the employee to review; unwinds the current convergence."""


def _same_snapshot(a: HrSnapshot, b: HrSnapshot) -> bool:
    return a.model_dump(exclude={"fetched_at"}) == b.model_dump(exclude={"fetched_at"})
