"""The mass-change guard's wire models: its requests, ops inputs, carried state and `status`
answer. Pure pydantic; safe inside the sandbox and shared with the activity and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from contracts.activities import RecordAuditEventInput

WORKFLOW_NAME = "DisruptionGuard"
DEFAULT_TASK_QUEUE = "employee-lifecycle"
# Org-wide records (approvals, allowances) are filed under this id in the audit store.
AUDIT_SUBJECT = "disruption-guard"
# The `guard_decision` signal every employee workflow listens for.
DECISION_SIGNAL = "guard_decision"

Verb = Literal["suspend", "deactivate"]
Verdict = Literal["granted", "held", "rejected"]


def guard_workflow_id(task_queue: str) -> str:
    """One guard per deployment (task queue): `disruption-guard` for the default one, so that
    the Temporal UI, the alerts and the docs all name the same workflow."""
    if task_queue == DEFAULT_TASK_QUEUE:
        return "disruption-guard"
    return f"disruption-guard-{task_queue}"


def window_text(seconds: float) -> str:
    minutes = seconds / 60
    if minutes >= 60 and minutes % 60 == 0:
        hours = int(minutes // 60)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes:g} minutes"


class DisruptionRequest(BaseModel):
    """Update `request`: may this employee's account be suspended or deactivated now?

    The threshold travels with the request (the activity derives it from the policy and the
    current count of active accounts) so that the guard stays free of I/O and of the policy.
    """

    employee_id: str
    action: str  # the lifecycle's action key, e.g. "TERMINATE:2026-12-03"
    verb: Verb
    department: str | None = None
    threshold: int
    active_accounts: int
    window_seconds: float

    @property
    def key(self) -> str:
        return f"{self.employee_id}/{self.action}"


class GuardDecision(BaseModel):
    """The answer to a request, and signal `guard_decision` to an employee whose request was
    held and is now released or rejected."""

    employee_id: str
    action: str
    verdict: Verdict
    reason: str = ""
    by: str | None = None  # who approved or rejected (None: automatic)


class Grant(BaseModel):
    employee_id: str
    action: str
    at: datetime
    via: Literal["window", "allowance", "approval"]


class HeldRequest(BaseModel):
    request: DisruptionRequest
    since: datetime


class Allowance(BaseModel):
    """An advance approval of a planned mass change (a layoff, a site closure)."""

    id: int
    count: int
    used: int = 0
    until: datetime
    department: str | None = None
    reason: str
    by: str
    at: datetime


class ApproveHeldInput(BaseModel):
    employees: list[str] = Field(default_factory=list)  # empty: every held action
    approver: str = ""
    note: str = ""


class RejectHeldInput(BaseModel):
    employees: list[str] = Field(default_factory=list)  # empty: every held action
    by: str = ""
    reason: str = ""


class AllowInput(BaseModel):
    count: int
    until: datetime
    department: str | None = None
    reason: str = ""
    by: str = ""


class GuardOpsResult(BaseModel):
    message: str
    employees: list[str] = Field(default_factory=list)


class Outgoing(BaseModel):
    """Work a handler decided on and the main loop carries out (handlers stay quick, and
    nothing decided is lost across continue-as-new)."""

    decision: GuardDecision | None = None
    audit: RecordAuditEventInput | None = None
    alert: bool = False


class GuardState(BaseModel):
    grants: list[Grant] = Field(default_factory=list)  # automatic grants still in the window
    held: list[HeldRequest] = Field(default_factory=list)
    # Every decision by request key, kept a while: a request asked again (a retried activity,
    # a workflow that lost the signal) gets the same answer.
    decided: dict[str, GuardDecision] = Field(default_factory=dict)
    decided_at: dict[str, datetime] = Field(default_factory=dict)
    allowances: list[Allowance] = Field(default_factory=list)
    next_allowance_id: int = 1
    episode_since: datetime | None = None  # the first hold of the current episode
    alert_due_at: datetime | None = None
    outbox: list[Outgoing] = Field(default_factory=list)
    # The latest figures requests brought (shown in `status`).
    threshold: int | None = None
    active_accounts: int | None = None
    window_seconds: float = 3600.0


class GuardInput(BaseModel):
    max_history_events: int = 2000
    # Hold the alert this long after an episode's first hold, so it carries the count of a
    # burst rather than "1".
    alert_delay_seconds: float = 20.0
    state: GuardState | None = None


class GuardStatus(BaseModel):
    held: list[HeldRequest]
    granted_in_window: int
    window: timedelta
    threshold: int | None
    active_accounts: int | None
    allowances: list[Allowance]
    episode_since: datetime | None
