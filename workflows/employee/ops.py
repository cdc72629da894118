"""The operators' commands on one lifecycle: fast-forward, cancel, retry, pause, resume and
resolve. Each is an update with a validator (the caller hears why a nonsensical command
is refused) and a signal of the same name for tools that can only signal; the decisions
themselves stay in the main loop (workflow.py), which these handlers only wake."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.employee import (
        BLOCKED_HR_READ,
        CancelInput,
        EmployeeInput,
        EmployeeState,
        FastForwardInput,
        OpsResult,
        PauseInput,
        ResolveInput,
    )
    from lifecycle.models import DatedAction, ReviewCode


class _Rejected(Exception):
    """Raised by ops validators: Temporal reports the message to the caller."""


class OpsHandlers:
    """Mixed into EmployeeLifecycle: the handlers only change `self.s` and wake the loop."""

    s: EmployeeState
    input: EmployeeInput

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
        (held for a protected account or by the mass-change guard, or a deprovisioning that
        keeps failing)."""
        stuck: list[DatedAction] = []
        plan = self.s.plan
        if plan is not None:
            current = plan.current_action(workflow.now(), self.s.skipped, self.s.forced)
            held = self.s.review is not None and self.s.review.code is ReviewCode.PROTECTED_ACCOUNT
            hold = self.s.guard_hold
            held = held or (hold is not None and current is not None and hold.action == current.key)
            failing = self.s.failed_step is not None
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


def _as_application_error(check: Any, input: Any) -> None:
    try:
        check(input)
    except _Rejected as exc:
        raise ApplicationError(str(exc), type="Rejected", non_retryable=True) from None
