"""Reconciliation's early-warning gate: an apply whose plan would suspend or deactivate more
accounts than the policy allows waits here until an operator approves it (`approve` update,
or `lifecycle ops approve --run <workflow id>`). The guarantee itself is the mass-change guard
(workflows/guard) that every lifecycle asks at the moment of the write."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError


class ApproveInput(BaseModel):
    approver: str = ""
    note: str = ""


class ApproveResult(BaseModel):
    approved: bool
    message: str


class Approval:
    def __init__(self) -> None:
        self.waiting = False
        self.reason: str | None = None
        self.approved_by: str | None = None
        self.note: str | None = None
        self._approved = False

    async def wait(self, reason: str) -> None:
        self.waiting = True
        self.reason = reason
        workflow.set_current_details(f"**waiting for approval**: {reason}")
        await workflow.wait_condition(lambda: self._approved)
        self.waiting = False
        workflow.set_current_details(f"approved by {self.approved_by or 'ops'}: {reason}")

    def validate(self, input: ApproveInput | None) -> None:
        if not self.waiting:
            raise ApplicationError(
                "nothing to approve: this run is not waiting for an approval",
                type="Rejected",
                non_retryable=True,
            )

    def approve(self, input: ApproveInput | None) -> ApproveResult:
        self.approved_by = (input.approver if input else "") or "ops"
        self.note = (input.note if input else "") or None
        self._approved = True
        return ApproveResult(approved=True, message=f"approved: {self.reason}")
