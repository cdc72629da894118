"""The org-wide mass-change guard: one workflow per deployment that every employee lifecycle
asks before it suspends or deactivates an account a person can sign in with.

Why here and not in the triggers: a change may reach the lifecycles by the poller, a webhook,
reconciliation or a timer set weeks ago, dated in the past or in the future. Only the moment
of the write sees them all, so the guard counts writes, not HR changes.

The rule: within any `safeguards.window`, at most `threshold` disruptive actions go through on
their own (the policy's `max(min_count, max_share * active accounts)`). Past that, and for as
long as anything stays held (an *episode*), requests are held, never dropped: IT and security
are alerted once, and an operator releases them (`approve`, all or some) or turns them down
(`reject`: those employees go to review, their accounts untouched). A planned mass change can
be allowed in advance (`allow`: a count, until a time, optionally for one department).
Everything is in this workflow's state, so it survives worker and server restarts.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        Activity,
        NotificationEvent,
        RecordAuditEventInput,
        RecordAuditEventResult,
    )
    from contracts.employee import workflow_id_for
    from contracts.guard import (
        AUDIT_SUBJECT,
        DECISION_SIGNAL,
        WORKFLOW_NAME,
        Allowance,
        AllowInput,
        ApproveHeldInput,
        DisruptionRequest,
        Grant,
        GuardDecision,
        GuardInput,
        GuardOpsResult,
        GuardState,
        GuardStatus,
        HeldRequest,
        Outgoing,
        RejectHeldInput,
        Verdict,
        window_text,
    )
    from workflows import options
    from workflows.alerts import alert

# A decision is remembered this long for requests asked again.
DECISION_MEMORY = timedelta(days=30)
ALERT_SAMPLE = 20


@workflow.defn(name=WORKFLOW_NAME)
class DisruptionGuard:
    @workflow.init
    def __init__(self, input: GuardInput) -> None:
        self.input = input
        self.s = input.state or GuardState()

    @workflow.run
    async def run(self, input: GuardInput) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    self._work_waiting(self.s.alert_due_at),
                    timeout=self._until_alert(),
                    timeout_summary="alert of the held actions",
                )
            await self._send_outbox()
            if self._alert_due():
                await self._send_alert()
            if self._history_full():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._forget_old()
                workflow.continue_as_new(self.input.model_copy(update={"state": self.s}))

    # ---------------------------------------------------------------------------------------
    # Requests from employee workflows
    # ---------------------------------------------------------------------------------------
    @workflow.update(name="request")
    def request(self, request: DisruptionRequest) -> GuardDecision:
        now = workflow.now()
        self.s.threshold = request.threshold
        self.s.active_accounts = request.active_accounts
        self.s.window_seconds = request.window_seconds
        known = self.s.decided.get(request.key)
        if known is not None:
            return known
        if any(h.request.key == request.key for h in self.s.held):
            return self._decision(request, "held", "already held by the mass-change guard")
        allowance = self._allowance_for(request)
        if allowance is not None:
            allowance.used += 1
            return self._grant(request, "allowance", f"allowed in advance: {allowance.reason}")
        self._prune_window()
        if not self.s.held and len(self.s.grants) < request.threshold:
            return self._grant(request, "window", "")
        # Over the threshold, or an episode is open: a slow trickle of a bulk edit must not
        # get through once the burst has been noticed.
        self.s.held.append(HeldRequest(request=request, since=now))
        if self.s.episode_since is None:
            self.s.episode_since = now
            self.s.alert_due_at = now + timedelta(seconds=self.input.alert_delay_seconds)
        self._audit(
            request.employee_id,
            "guard.held",
            {"action": request.action, "verb": request.verb, "threshold": request.threshold},
        )
        return self._decision(
            request,
            "held",
            f"more than {request.threshold} suspensions/deactivations within "
            f"{window_text(request.window_seconds)}: waiting for an operator's approval",
        )

    @workflow.signal(name="withdraw")
    def withdraw(self, decision: GuardDecision) -> None:
        """An employee no longer needs its held action (HR withdrew it, ops cancelled it)."""
        key = f"{decision.employee_id}/{decision.action}"
        self.s.held = [h for h in self.s.held if h.request.key != key]
        self._episode_maybe_over()

    # ---------------------------------------------------------------------------------------
    # Ops: approve, reject, allow (updates, for the CLI, the Temporal UI and the CLI alike)
    # ---------------------------------------------------------------------------------------
    @workflow.update(name="approve")
    def approve(self, input: ApproveHeldInput) -> GuardOpsResult:
        by = input.approver or "ops"
        ids = self._decide_held(
            input.employees, "granted", input.note or "approved", by, {"note": input.note or None}
        )
        return GuardOpsResult(message=f"released {len(ids)} held action(s)", employees=ids)

    @approve.validator
    def _validate_approve(self, input: ApproveHeldInput) -> None:
        self._check_selection(input.employees)

    @workflow.update(name="reject")
    def reject(self, input: RejectHeldInput) -> GuardOpsResult:
        by = input.by or "ops"
        ids = self._decide_held(
            input.employees, "rejected", input.reason, by, {"reason": input.reason}
        )
        return GuardOpsResult(
            message=f"rejected {len(ids)} held action(s); those employees are in review",
            employees=ids,
        )

    def _decide_held(
        self, employees: list[str], verdict: Verdict, reason: str, by: str, why: dict[str, Any]
    ) -> list[str]:
        """An operator's decision on held actions (all, or those of `employees`): remembered,
        told to each lifecycle, audited per employee. (Approvals never use the window's own
        budget, so nothing is counted.)"""
        decided = self._take_held(employees)
        for held in decided:
            request = held.request
            decision = self._remember(
                GuardDecision(
                    employee_id=request.employee_id,
                    action=request.action,
                    verdict=verdict,
                    reason=reason,
                    by=by,
                )
            )
            self.s.outbox.append(Outgoing(decision=decision))
            action = "guard.approve" if verdict == "granted" else "guard.reject"
            self._audit(request.employee_id, action, {"action": request.action, "by": by, **why})
        self._episode_maybe_over()
        return sorted({h.request.employee_id for h in decided})

    @reject.validator
    def _validate_reject(self, input: RejectHeldInput) -> None:
        if not input.reason.strip():
            raise _refused("reject needs a reason")
        self._check_selection(input.employees)

    @workflow.update(name="allow")
    def allow(self, input: AllowInput) -> GuardOpsResult:
        allowance = Allowance(
            id=self.s.next_allowance_id,
            count=input.count,
            until=input.until,
            department=input.department or None,
            reason=input.reason,
            by=input.by or "ops",
            at=workflow.now(),
        )
        self.s.next_allowance_id += 1
        self.s.allowances.append(allowance)
        self._audit(
            AUDIT_SUBJECT,
            "guard.allow",
            {
                "count": allowance.count,
                "until": allowance.until.isoformat(),
                "department": allowance.department,
                "reason": allowance.reason,
                "by": allowance.by,
            },
        )
        scope = f" in {allowance.department}" if allowance.department else ""
        return GuardOpsResult(
            message=f"allowance #{allowance.id}: {allowance.count} suspensions/deactivations"
            f"{scope} until {allowance.until.isoformat()} ({allowance.reason})"
        )

    @allow.validator
    def _validate_allow(self, input: AllowInput) -> None:
        if input.count < 1:
            raise _refused("allow needs a count of at least 1")
        if input.until.tzinfo is None:
            raise _refused("allow needs --until with a time zone (e.g. 2026-12-04T18:00Z)")
        if input.until <= workflow.now():
            raise _refused(f"--until {input.until.isoformat()} is already past")
        if not input.reason.strip():
            raise _refused("allow needs a reason (kept in the audit trail)")

    @workflow.query(name="status")
    def status(self) -> GuardStatus:
        self._prune_window()
        now = workflow.now()
        return GuardStatus(
            held=list(self.s.held),
            granted_in_window=len(self.s.grants),
            window=timedelta(seconds=self.s.window_seconds),
            threshold=self.s.threshold,
            active_accounts=self.s.active_accounts,
            allowances=[a for a in self.s.allowances if a.until > now and a.used < a.count],
            episode_since=self.s.episode_since,
        )

    # ---------------------------------------------------------------------------------------
    # Bookkeeping
    # ---------------------------------------------------------------------------------------
    def _grant(self, request: DisruptionRequest, via: str, reason: str) -> GuardDecision:
        if via == "window":  # only the window's own budget is counted
            self.s.grants.append(
                Grant(
                    employee_id=request.employee_id,
                    action=request.action,
                    at=workflow.now(),
                    via="window",
                )
            )
        return self._remember(
            GuardDecision(
                employee_id=request.employee_id,
                action=request.action,
                verdict="granted",
                reason=reason,
            )
        )

    def _decision(self, request: DisruptionRequest, verdict: str, reason: str) -> GuardDecision:
        return GuardDecision(
            employee_id=request.employee_id,
            action=request.action,
            verdict=verdict,  # type: ignore[arg-type]
            reason=reason,
        )

    def _remember(self, decision: GuardDecision) -> GuardDecision:
        key = f"{decision.employee_id}/{decision.action}"
        self.s.decided[key] = decision
        self.s.decided_at[key] = workflow.now()
        return decision

    def _allowance_for(self, request: DisruptionRequest) -> Allowance | None:
        now = workflow.now()
        department = (request.department or "").strip().casefold()
        for allowance in self.s.allowances:
            if allowance.until <= now or allowance.used >= allowance.count:
                continue
            if allowance.department and allowance.department.strip().casefold() != department:
                continue
            return allowance
        return None

    def _prune_window(self) -> None:
        start = workflow.now() - timedelta(seconds=self.s.window_seconds)
        # Approvals are an operator's decision, not the automatic budget: they never count.
        self.s.grants = [g for g in self.s.grants if g.via == "window" and g.at > start]

    def _take_held(self, employees: list[str]) -> list[HeldRequest]:
        wanted = set(employees)
        taken = [h for h in self.s.held if not wanted or h.request.employee_id in wanted]
        self.s.held = [h for h in self.s.held if h not in taken]
        return taken

    def _check_selection(self, employees: list[str]) -> None:
        if not self.s.held:
            raise _refused("nothing is held by the mass-change guard")
        unknown = sorted(set(employees) - {h.request.employee_id for h in self.s.held})
        if unknown:
            raise _refused(f"not held by the guard: {', '.join(unknown)}")

    def _episode_maybe_over(self) -> None:
        if not self.s.held:
            self.s.episode_since = None
            self.s.alert_due_at = None

    def _audit(self, subject: str, action: str, detail: dict[str, object]) -> None:
        self.s.outbox.append(
            Outgoing(
                audit=RecordAuditEventInput(
                    employee_id=subject, action=action, result="info", detail=detail
                )
            )
        )

    def _work_waiting(self, due: datetime | None) -> Any:
        """Wake for work to send, for a new episode (its alert timer starts), or for a full
        history; the alert's own time is the wait's timeout."""
        return lambda: bool(self.s.outbox) or self.s.alert_due_at != due or self._history_full()

    def _alert_due(self) -> bool:
        due = self.s.alert_due_at
        return due is not None and workflow.now() >= due

    def _until_alert(self) -> timedelta | None:
        due = self.s.alert_due_at
        if due is None:
            return None
        return max(due - workflow.now(), timedelta(seconds=1))

    def _history_full(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self.input.max_history_events
        )

    def _forget_old(self) -> None:
        cutoff = workflow.now() - DECISION_MEMORY
        old = [k for k, at in self.s.decided_at.items() if at < cutoff]
        for key in old:
            self.s.decided.pop(key, None)
            self.s.decided_at.pop(key, None)
        now = workflow.now()
        self.s.allowances = [a for a in self.s.allowances if a.until > now]
        self._prune_window()

    async def _send_outbox(self) -> None:
        while self.s.outbox:
            item = self.s.outbox[0]
            if item.decision is not None:
                await self._tell_employee(item.decision)
            if item.audit is not None:
                await workflow.execute_activity(
                    Activity.RECORD_AUDIT_EVENT,
                    item.audit,
                    result_type=RecordAuditEventResult,
                    start_to_close_timeout=options.START_TO_CLOSE,
                    retry_policy=options.UNLIMITED,
                    summary=f"audit {item.audit.action}",
                )
            self.s.outbox.pop(0)

    async def _tell_employee(self, decision: GuardDecision) -> None:
        handle = workflow.get_external_workflow_handle(workflow_id_for(decision.employee_id))
        try:
            await handle.signal(DECISION_SIGNAL, decision)
        except (ApplicationError, FailureError) as err:
            # The lifecycle is gone (completed, or its id reused): nothing is waiting. A
            # running one that missed this asks again and gets the remembered decision.
            workflow.logger.warning("guard decision not delivered: %s", err)

    async def _send_alert(self) -> None:
        self.s.alert_due_at = None
        held = self.s.held
        if not held:
            return
        await alert(
            NotificationEvent.SAFEGUARD_PAUSED,
            {
                "run": "guard",
                "workflow_id": workflow.info().workflow_id,
                "affected": len(held),
                "active_total": self.s.active_accounts,
                "threshold": self.s.threshold,
                "window": window_text(self.s.window_seconds),
                "deactivate": sum(1 for h in held if h.request.verb == "deactivate"),
                "suspend": sum(1 for h in held if h.request.verb == "suspend"),
                "employee_ids": [h.request.employee_id for h in held][:ALERT_SAMPLE],
            },
            summary="notify safeguard_paused",
        )


def _refused(message: str) -> ApplicationError:
    return ApplicationError(message, type="Rejected", non_retryable=True)
