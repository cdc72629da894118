"""The employee workflow's wire models: its input, its signals/updates, its carried state and
the `status` query answer. Pure pydantic; safe inside the sandbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from contracts.activities import RecordAuditEventInput
from lifecycle.models import ActionKind, HrSnapshot, LifecyclePlan, ReviewReason
from lifecycle.tamper import OktaEvent

WORKFLOW_NAME = "EmployeeLifecycle"
HISTORY_KEEP = 50  # actions kept in the carried state (the audit store keeps everything)


def workflow_id_for(employee_id: str) -> str:
    return f"employee-{employee_id}"


class LifecycleState(StrEnum):
    PENDING_START = "PENDING_START"
    STAGED = "STAGED"
    ACTIVE = "ACTIVE"
    ON_LEAVE = "ON_LEAVE"
    TERMINATED = "TERMINATED"
    NEEDS_REVIEW = "NEEDS_REVIEW"


ChangeSource = Literal["poll", "webhook", "reconcile", "drift", "ops", "start"]


class HrChanged(BaseModel):
    """Signal `hr_changed`: a new HR snapshot, or a hint that one exists.

    Hints (no snapshot) make the workflow re-read the employee before acting; webhooks and
    the poller send hints or snapshots. `okta_user_id` is set by reconciliation when it links
    an existing account to this employee. Changes from reconciliation, drift repair and ops
    make the workflow converge Okta again even when the HR snapshot is unchanged.
    """

    employee_id: str
    snapshot: HrSnapshot | None = None
    last_changed: datetime | None = None
    deleted: bool = False
    source: ChangeSource = "poll"
    okta_user_id: str | None = None


class OktaChanged(BaseModel):
    """Signal `okta_changed`: someone other than this service changed the employee's Okta
    account (an event hook or the System Log saw it). The workflow judges each event once
    (by Okta's event uuid, the same from both sources) with the plan's tamper rule."""

    employee_id: str
    events: list[OktaEvent]


class EmployeeInput(BaseModel):
    employee_id: str
    # Tuning that tests and operators may change per deployment.
    retention_days: float = 30.0  # stay open this long after termination, then complete
    deprovision_alert_after: int | None = None  # None: the policy's number
    # Start a fresh run (continue-as-new) past this many history events, besides whenever
    # Temporal suggests it; lifecycles last years, histories must not.
    max_history_events: int = 4000
    state: EmployeeState | None = None  # carried across continue-as-new


class ActionRecord(BaseModel):
    at: datetime
    action: str  # e.g. "ACTIVATE:2026-12-07 activate", "hr_changed ignored (stale)"
    result: Literal["done", "planned", "noop", "held", "failed", "ignored", "info"]
    detail: str | None = None


class FailedStep(BaseModel):
    step: str
    error: str
    at: datetime  # when it first failed
    attempts: int = 1
    retry_at: datetime | None = None  # when the workflow looks again by itself

    @classmethod
    def next_in_episode(
        cls,
        previous: FailedStep | None,
        step: str,
        error: str,
        now: datetime,
        retry_at: datetime | None,
        attempts: int = 1,
    ) -> FailedStep:
        """One more failure of `step`: an episode keeps the time it began and counts on."""
        same = previous is not None and previous.step == step
        return cls(
            step=step,
            error=error,
            at=previous.at if same and previous else now,
            attempts=(previous.attempts if same and previous else 0) + attempts,
            retry_at=retry_at,
        )


class GuardHold(BaseModel):
    """A suspension or deactivation the mass-change guard has not let through (yet)."""

    action: str  # the action key
    verb: Literal["suspend", "deactivate"]
    since: datetime
    reason: str
    retry_at: datetime  # when the workflow asks the guard again by itself


# Keys of `EmployeeState.blocked`: the reads and records that retries could not finish.
BLOCKED_HR_READ = "read BambooHR"
BLOCKED_AUDIT = "record audit"


class EmployeeState(BaseModel):
    """Everything the workflow knows; carried whole across continue-as-new."""

    employee_id: str
    snapshot: HrSnapshot | None = None
    plan: LifecyclePlan | None = None
    okta_user_id: str | None = None
    okta_status: str | None = None
    state: LifecycleState = LifecycleState.PENDING_START
    review: ReviewReason | None = None
    review_notified: str | None = None  # the review code already notified (no spam)
    failed_step: FailedStep | None = None
    paused: bool = False
    pause_reason: str | None = None
    skipped: dict[str, str] = Field(default_factory=dict)  # cancelled action key -> reason
    forced: list[str] = Field(default_factory=list)  # fast-forwarded action keys
    applied_key: str | None = None  # the action whose account was last converged
    applied_groups: list[str] = Field(default_factory=list)
    leave_removed_groups: list[str] = Field(default_factory=list)
    held_key: str | None = None  # protected-account hold already alerted for this action
    # The leave whose account Okta could not suspend (LOCKED_OUT, RECOVERY...), once alerted.
    unsuspended_alert_key: str | None = None
    # The deprovisioning action whose failure security was already told about.
    deprovision_alerted: str | None = None
    # Steps that could not finish (401/403 from BambooHR, ...) by key; the lifecycle goes on
    # with what it holds and looks again at `retry_at` and on every new hint.
    blocked: dict[str, FailedStep] = Field(default_factory=dict)
    # The mass-change guard: the action it holds, and the actions it let through (kept so
    # that a deprovisioning round after a failure does not ask again).
    guard_hold: GuardHold | None = None
    guard_granted: list[str] = Field(default_factory=list)
    terminated_at: datetime | None = None
    # identity.generate_login: the login chosen for this employee (kept by every later plan)
    # and whether it was written back to BambooHR (or the write-back was settled otherwise).
    generated_login: str | None = None
    login_written_back: bool = False
    needs_refresh: bool = False
    # Work accepted but not yet done, carried across continue-as-new so none of it is lost:
    # a snapshot not yet planned, decisions not yet written to the audit store.
    replan: bool = False
    audit_queue: list[RecordAuditEventInput] = Field(default_factory=list)
    dry_run_planned: int = 0
    # Okta changes made by someone else, accepted but not yet judged; and the uuids of the
    # latest ones judged (hooks and the System Log report the same event).
    okta_events: list[OktaEvent] = Field(default_factory=list)
    okta_events_seen: list[str] = Field(default_factory=list)
    history: list[ActionRecord] = Field(default_factory=list)


class FastForwardInput(BaseModel):
    reason: str = ""


class CancelInput(BaseModel):
    reason: str
    key: str | None = None  # default: the next pending action


class PauseInput(BaseModel):
    reason: str = ""


class ResolveInput(BaseModel):
    note: str = ""
    okta_user_id: str | None = None  # link this account (e.g. after an email-only match)


class OpsResult(BaseModel):
    accepted: bool = True
    message: str
    state: LifecycleState | None = None


class PendingView(BaseModel):
    key: str
    kind: ActionKind
    at: datetime


class StatusView(BaseModel):
    """Answer of the `status` query."""

    employee_id: str
    state: LifecycleState
    okta_user_id: str | None
    okta_status: str | None
    paused: bool
    pause_reason: str | None
    review: ReviewReason | None
    failed_step: FailedStep | None
    next_action: PendingView | None
    pending: list[PendingView]
    cancelled: dict[str, str]
    last_actions: list[ActionRecord]
    department: str | None = None
    blocked: dict[str, FailedStep] = Field(default_factory=dict)
    held_by_guard: GuardHold | None = None
    busy: bool = False  # working right now (not parked on a timer or waiting for a signal)
    mode_note: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


EmployeeInput.model_rebuild()
