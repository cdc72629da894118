"""What operators see of a lifecycle: the `status` query, the search attributes and the
Temporal UI's current-details line."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.employee import (
        EmployeeInput,
        EmployeeState,
        PendingView,
        StatusView,
    )
    from lifecycle.models import (
        DatedAction,
    )
    from workflows import search_attributes as sa


class StatusViews:
    """Mixed into EmployeeLifecycle: read-only views of `self.s`."""

    s: EmployeeState
    input: EmployeeInput

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

    def _next_summary(self) -> str:
        nxt = self._next_action()
        return f"until {nxt.key}" if nxt else "until retention ends"

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


def _view(action: DatedAction) -> PendingView:
    return PendingView(key=action.key, kind=action.kind, at=action.at)
