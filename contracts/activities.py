"""Activity names and their input/result models: the only part of `activities` that
workflows import.

This module must stay free of I/O libraries (no httpx, no database drivers) so workflow code
can import it inside Temporal's sandbox. Every activity takes exactly one input model and
returns one result model; both travel through the pydantic data converter.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from lifecycle.models import AccountStatus, HrSnapshot, LifecyclePlan, ReviewReason
from lifecycle.reconcile.models import Mode as ReconcileMode
from lifecycle.reconcile.models import ReconcileSummary, ReportSummary
from lifecycle.tamper import OktaEvent


class Activity:
    """Registered activity names (the Temporal UI shows these)."""

    # Okta
    FIND_OKTA_USER = "find_okta_user"
    ENSURE_OKTA_USER = "ensure_okta_user"
    UPDATE_OKTA_PROFILE = "update_okta_profile"
    SET_OKTA_STATUS = "set_okta_status"
    REVOKE_OKTA_SESSIONS = "revoke_okta_sessions"
    SEND_OKTA_ACTIVATION = "send_okta_activation"
    SYNC_MANAGED_GROUPS = "sync_managed_groups"
    ENSURE_OKTA_SCHEMA = "ensure_okta_schema"
    # BambooHR
    FETCH_EMPLOYEE = "fetch_employee"
    FETCH_CHANGED_SINCE = "fetch_changed_since"
    FETCH_ALL_EMPLOYEES = "fetch_all_employees"
    # Policy (outside the sandbox: time zones and calendars)
    PLAN_LIFECYCLE = "plan_lifecycle"
    CHOOSE_LOGIN = "choose_login"
    WRITE_BACK_WORK_EMAIL = "write_back_work_email"
    # Notifications and audit
    NOTIFY = "notify"
    RECORD_AUDIT_EVENT = "record_audit_event"
    # Triggers: handing HR changes to employee workflows
    GET_CURSOR = "get_cursor"
    SET_CURSOR = "set_cursor"
    DELIVER_CHANGES = "deliver_changes"
    # Okta changes made by someone else (event hooks, the System Log)
    DELIVER_OKTA_EVENTS = "deliver_okta_events"
    POLL_OKTA_LOG = "poll_okta_log"
    # The mass-change guard (workflows/guard)
    ASK_DISRUPTION_GUARD = "ask_disruption_guard"
    ALLOW_DISRUPTIONS = "allow_disruptions"
    # Reconciliation and drift repair
    RECONCILE_PLAN = "reconcile_plan"
    RECONCILE_DELIVER = "reconcile_deliver"
    RECONCILE_REPORT = "reconcile_report"


class _Io(BaseModel):
    """Base of every activity input/result."""


# --- shared pieces ---------------------------------------------------------------------------


class PlannedRequest(_Io):
    """A write that dry-run mode recorded instead of sending."""

    method: str
    path: str
    body: dict[str, Any] | None = None


class OktaAccount(_Io):
    """The parts of an Okta user the lifecycle reasons about."""

    user_id: str
    login: str
    status: str  # Okta's status: STAGED, PROVISIONED, ACTIVE, SUSPENDED, DEPROVISIONED, ...
    profile: dict[str, Any] = Field(default_factory=dict)
    bamboo_hr_id: str | None = None


# --- Okta ------------------------------------------------------------------------------------

MatchKey = Literal["bambooHrId", "employeeNumber", "login", "email"]


class FindOktaUserInput(_Io):
    employee_id: str
    employee_number: str | None = None
    login: str | None = None
    email: str | None = None


class OktaCandidate(_Io):
    account: OktaAccount
    matched_by: list[MatchKey]


class FindOktaUserResult(_Io):
    """All candidates, strongest key first, so ambiguity is visible to the caller."""

    candidates: list[OktaCandidate] = Field(default_factory=list)


class EnsureOktaUserInput(_Io):
    employee_id: str
    employee_number: str | None = None
    known_user_id: str | None = None  # the account this employee's workflow already owns
    login: str
    profile: dict[str, Any]  # desired profile incl. login, email, names, bambooHrId
    # Managed groups a new account is created in (Okta's `groupIds`: one call instead of one
    # per group); an existing account is left to sync_managed_groups.
    groups: list[str] = Field(default_factory=list)


class EnsureOktaUserResult(_Io):
    account: OktaAccount | None = None
    created: bool = False
    adopted: bool = False  # an existing account was linked (ours from an earlier attempt)
    review: ReviewReason | None = None  # e.g. login taken by another employee's account
    planned: list[PlannedRequest] = Field(default_factory=list)


class UpdateOktaProfileInput(_Io):
    employee_id: str
    user_id: str
    profile: dict[str, Any]  # only managed attributes; unmentioned ones are left alone


class AttributeChange(_Io):
    before: Any = None
    after: Any = None


class UpdateOktaProfileResult(_Io):
    changes: dict[str, AttributeChange] = Field(default_factory=dict)
    skipped_reason: str | None = None  # e.g. the account is DEPROVISIONED
    planned: list[PlannedRequest] = Field(default_factory=list)


class SetOktaStatusInput(_Io):
    employee_id: str
    user_id: str
    target: AccountStatus  # a status to reach: never NONE (no account is not a status)
    send_activation_email: bool = True
    reason: str = ""  # the lifecycle action key, for the audit trail
    # Protected accounts are never suspended or deactivated by automation.
    protected: bool = False
    protected_groups: list[str] = Field(default_factory=list)
    # A rehire: activate the DEPROVISIONED account without the e-mail (its profile, and so
    # its e-mail address, is still the old one until it is active); the workflow sends the
    # activation once the profile is current (`send_okta_activation`).
    activation_email_after_profile: bool = False
    # The status the workflow last saw. When a suspension or deactivation looks due, the
    # account and its groups (for the protected-groups check) are read together: one round
    # trip less on the path of revoking access.
    known_status: str | None = None

    @field_validator("target")
    @classmethod
    def _reachable(cls, value: AccountStatus) -> AccountStatus:
        if value is AccountStatus.NONE:
            raise ValueError("target must be an account status to reach, not NONE")
        return value


class SetOktaStatusResult(_Io):
    before: str
    after: str
    operations: list[str] = Field(default_factory=list)  # e.g. ["activate"], [] when a no-op
    held: bool = False  # protected account: nothing done
    held_reason: str | None = None
    not_applicable: str | None = None  # e.g. suspend of an account the user never activated
    planned: list[PlannedRequest] = Field(default_factory=list)
    # Reactivated from DEPROVISIONED without the e-mail: send it once the profile is current.
    activation_email_due: bool = False


class SendOktaActivationInput(_Io):
    employee_id: str
    user_id: str


class SendOktaActivationResult(_Io):
    sent: bool  # False: the account no longer waits for activation (nothing to send)
    planned: list[PlannedRequest] = Field(default_factory=list)


class RevokeOktaSessionsInput(_Io):
    employee_id: str
    user_id: str
    oauth_tokens: bool = True


class RevokeOktaSessionsResult(_Io):
    revoked: bool
    planned: list[PlannedRequest] = Field(default_factory=list)


class SyncManagedGroupsInput(_Io):
    employee_id: str
    user_id: str
    desired: list[str]  # managed group names the user must be in
    managed: list[str]  # every managed group name; nothing else is ever touched


class SyncManagedGroupsResult(_Io):
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    member_of: list[str] = Field(default_factory=list)  # all group names after the sync
    missing_groups: list[str] = Field(default_factory=list)  # desired names Okta lacks
    planned: list[PlannedRequest] = Field(default_factory=list)


class CustomAttribute(_Io):
    name: str
    title: str
    type: Literal["string", "boolean", "integer", "number"] = "string"


class EnsureOktaSchemaInput(_Io):
    attributes: list[CustomAttribute]


class EnsureOktaSchemaResult(_Io):
    added: list[str] = Field(default_factory=list)
    present: list[str] = Field(default_factory=list)
    planned: list[PlannedRequest] = Field(default_factory=list)


# --- BambooHR --------------------------------------------------------------------------------


class FetchEmployeeInput(_Io):
    employee_id: str
    # The caller's clock (a workflow's `workflow.now()`): the snapshot's `fetched_at`, i.e. the
    # policy's "today". None: the worker's clock.
    as_of: datetime | None = None
    # The supervisor in the snapshot the caller holds: read alongside the employee, so that
    # an unchanged supervisor adds no round trip to the path of an immediate termination.
    supervisor_hint: str | None = None


class FetchEmployeeResult(_Io):
    snapshot: HrSnapshot | None = None
    not_found: bool = False  # the record is gone: always human review
    problem: ReviewReason | None = None  # the record exists but its data is unusable


class FetchChangedSinceInput(_Io):
    since: datetime


class EmployeeChange(_Io):
    employee_id: str
    action: Literal["Inserted", "Updated", "Deleted"]
    last_changed: datetime | None = None


class FetchChangedSinceResult(_Io):
    latest: datetime | None = None
    changes: list[EmployeeChange] = Field(default_factory=list)


class FetchAllEmployeesInput(_Io):
    employee_ids: list[str] | None = None  # None: everyone (active and inactive)


class BadRecord(_Io):
    employee_id: str
    problem: ReviewReason


class FetchAllEmployeesResult(_Io):
    snapshots: list[HrSnapshot] = Field(default_factory=list)
    bad_records: list[BadRecord] = Field(default_factory=list)


# --- policy ----------------------------------------------------------------------------------


class PlanLifecycleInput(_Io):
    snapshot: HrSnapshot
    # The login chosen under identity.generate_login (the workflow remembers it).
    generated_login: str | None = None


class PlanLifecycleResult(_Io):
    plan: LifecyclePlan


# --- generated logins (identity.generate_login) -----------------------------------------------


class ChooseLoginInput(_Io):
    employee_id: str
    snapshot: HrSnapshot


class ChooseLoginResult(_Io):
    login: str | None = None  # the employee's claimed login
    review: ReviewReason | None = None  # none could be chosen
    claimed: bool = False  # claimed by this call (else found: an earlier claim or account)


class WriteBackWorkEmailInput(_Io):
    employee_id: str
    work_email: str


class WriteBackWorkEmailResult(_Io):
    written: bool = False
    planned: bool = False  # dry-run: recorded, not sent
    already: bool = False  # BambooHR already shows it
    skipped_reason: str | None = None  # HR has another work email: left alone
    refused: str | None = None  # BambooHR refused (permission, invalid value): alert


# --- notifications and audit -----------------------------------------------------------------


class NotificationEvent(StrEnum):
    ACCOUNT_STAGED = "account_staged"
    ACCOUNT_ACTIVATED = "account_activated"
    ACCESS_CHANGED = "access_changed"
    LEAVE_STARTED = "leave_started"
    LEAVE_ENDED = "leave_ended"
    TERMINATED = "terminated"
    OFFER_RESCINDED = "offer_rescinded"
    REHIRED = "rehired"
    NEEDS_REVIEW = "needs_review"
    PROTECTED_HELD = "protected_held"
    DEPROVISION_FAILING = "deprovision_failing"
    LEAVE_NOT_SUSPENDED = "leave_not_suspended"
    SYNC_FAILING = "sync_failing"
    SAFEGUARD_PAUSED = "safeguard_paused"
    OKTA_TAMPERED = "okta_tampered"
    LOGIN_WRITEBACK_REFUSED = "login_writeback_refused"


class NotifyInput(_Io):
    event: NotificationEvent
    employee_id: str | None = None
    # Audiences: "it", "security", "hr", or an explicit address (the manager's work email).
    audiences: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


class NotifyResult(_Io):
    delivered: list[str] = Field(default_factory=list)
    failed: dict[str, str] = Field(default_factory=dict)  # sink -> error; never raises


class RecordAuditEventInput(_Io):
    employee_id: str
    action: str
    result: Literal["success", "planned", "failed", "held", "noop", "info"] = "info"
    detail: dict[str, Any] = Field(default_factory=dict)


class RecordAuditEventResult(_Io):
    record_id: int | None = None


# --- triggers --------------------------------------------------------------------------------


class GetCursorInput(_Io):
    name: str


class GetCursorResult(_Io):
    value: datetime | None = None


class SetCursorInput(_Io):
    name: str
    value: datetime
    expected: datetime | None = None  # compare-and-set: a poller never moves it backwards


class SetCursorResult(_Io):
    moved: bool


TriggerSource = Literal["poll", "webhook", "reconcile", "drift", "ops"]


class DeliverChangesInput(_Io):
    changes: list[EmployeeChange]
    source: TriggerSource = "poll"
    # The caller's clock (a workflow's `workflow.now()`): the snapshot's `fetched_at`, i.e. the
    # policy's "today". None: the worker's clock.
    as_of: datetime | None = None


class DeliverChangesResult(_Io):
    delivered: list[str] = Field(default_factory=list)
    bad_records: list[BadRecord] = Field(default_factory=list)


# --- Okta changes made by someone else -------------------------------------------------------


class DeliverOktaEventsInput(_Io):
    """Watched Okta events (already parsed, any actor): keep those that concern a managed
    employee and were not made by this service, and signal each employee's workflow."""

    events: list[OktaEvent]
    source: Literal["hook", "log"] = "hook"


class DeliverOktaEventsResult(_Io):
    signalled: dict[str, int] = Field(default_factory=dict)  # employee id -> events
    ours: int = 0  # made by this service: nothing to judge
    unmanaged: int = 0  # not an employee's account, or not a managed group or attribute
    unreadable: int = 0  # the account could not be read (a permission): named in the log


class PollOktaLogInput(_Io):
    """Read the System Log since `since` (following its next links) and deliver the watched
    events as `deliver_okta_events` does; the events never pass through history."""

    since: datetime
    max_pages: int = 20  # a backlog is read over several runs, the cursor moving each time


class PollOktaLogResult(_Io):
    # Where the next read starts: the newest `published` seen, None when nothing was new.
    latest: datetime | None = None
    pages: int = 0
    read: int = 0
    delivered: DeliverOktaEventsResult = Field(default_factory=DeliverOktaEventsResult)


# --- the mass-change guard -------------------------------------------------------------------


class AskGuardInput(_Io):
    """May this account be suspended or deactivated now? (one disruptive action)"""

    employee_id: str
    action: str  # the lifecycle's action key
    verb: Literal["suspend", "deactivate"]
    department: str | None = None


class AskGuardResult(_Io):
    verdict: Literal["granted", "held", "rejected"]
    reason: str = ""
    by: str | None = None


class AllowDisruptionsInput(_Io):
    """Raise the guard's allowance for a planned mass change (e.g. an approved reconcile)."""

    count: int
    until: datetime
    department: str | None = None
    reason: str
    by: str


class AllowDisruptionsResult(_Io):
    message: str


# --- reconciliation and drift repair ---------------------------------------------------------
# The plan itself (10,000 employees) never travels through history: the activities store it
# in the audit store's documents and pass its id and a `ReconcileSummary`.


class ReconcilePlanInput(_Io):
    plan_id: str  # where to store the plan (the workflow's id and run id)
    mode: ReconcileMode = "plan"
    as_of: datetime  # the instant the desired state is computed for (workflow time)


class ReconcilePlanResult(_Io):
    summary: ReconcileSummary


class ReconcileDeliverInput(_Io):
    plan_id: str
    batch_size: int = 200


class ReconcileDeliverResult(_Io):
    delivered: int = 0
    skipped_running: int = 0  # in step already and their workflow is running: left alone
    failed: list[str] = Field(default_factory=list)  # employee ids Temporal refused


class ReconcileReportInput(_Io):
    plan_id: str
    delivered: ReconcileDeliverResult | None = None  # None: nothing was handed over (plan)
    approved_by: str | None = None


class ReconcileReportResult(_Io):
    report: ReportSummary
