"""The reconciliation plan: what a comparison of all of BambooHR with all of Okta found.

`ReconcilePlan` is the whole answer (one `EmployeeItem` per HR record, plus `Finding`s for
people to look at) and can be large: stored, never passed through workflow history.
`ReconcileSummary` is its small digest (counts and ids only, no names) that workflows,
queries and the CLI pass around.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from lifecycle.models import AccountStatus, ActionKind, ReviewReason
from lifecycle.policy.config import ServiceAccountsConfig

MatchKey = Literal["bambooHrId", "employeeNumber", "login", "email"]
Mode = Literal["plan", "apply", "drift"]


class OktaAccountView(BaseModel):
    """One Okta user as the comparison sees it (read by the activities in bulk)."""

    user_id: str
    status: str  # Okta's status, or the one it is transitioning to
    profile: dict[str, Any] = Field(default_factory=dict)
    groups: list[str] = Field(default_factory=list)  # listed groups (managed, protected) only

    @property
    def login(self) -> str:
        return str(self.profile.get("login") or "")

    @property
    def email(self) -> str:
        return str(self.profile.get("email") or "")


# How accounts of nobody in HR are told apart from orphans: the policy file's
# `service_accounts` section (see `ServiceAccountsConfig`), under the name the comparison
# has always used for it.
ReconcileOptions = ServiceAccountsConfig


class ItemAction(StrEnum):
    LINK = "link"  # adopt the existing account (matched by bambooHrId or employeeNumber)
    CREATE = "create"  # no account: the employee workflow creates it
    NONE = "none"  # no account and none wanted now (future hire, long-gone leaver)
    REVIEW = "review"  # a person must decide first; nothing is done automatically


StatusChange = Literal["activate", "unsuspend", "suspend", "deactivate"]


class AttributeDiff(BaseModel):
    before: Any = None
    after: Any = None


class PendingView(BaseModel):
    key: str
    kind: ActionKind
    at: datetime


class EmployeeItem(BaseModel):
    """One HR record: its account (if any), what differs, and what comes next."""

    employee_id: str
    employee_number: str | None = None
    login: str | None = None  # the login the policy wants
    action: ItemAction
    okta_user_id: str | None = None
    okta_login: str | None = None
    okta_status: str | None = None
    matched_by: list[MatchKey] = Field(default_factory=list)
    desired_status: AccountStatus = AccountStatus.NONE
    status_change: StatusChange | None = None
    profile: dict[str, AttributeDiff] = Field(default_factory=dict)
    groups_add: list[str] = Field(default_factory=list)
    groups_remove: list[str] = Field(default_factory=list)
    pending: list[PendingView] = Field(default_factory=list)
    protected: bool = False
    review: ReviewReason | None = None

    @property
    def drifted(self) -> bool:
        """Okta's profile attributes or managed groups differ from the plan."""
        return bool(self.profile or self.groups_add or self.groups_remove)

    @property
    def changes(self) -> bool:
        return self.drifted or self.status_change is not None

    @property
    def linked_by_id(self) -> bool:
        return "bambooHrId" in self.matched_by


class FindingKind(StrEnum):
    AMBIGUOUS_MATCH = "ambiguous_match"  # several candidates, or keys disagree
    EMAIL_ONLY_MATCH = "email_only_match"  # only login/e-mail tie the account to a person
    ORPHANED_ACCOUNT = "orphaned_account"  # live account of nobody in HR
    TERMINATED_BUT_ACTIVE = "terminated_but_active"  # terminated in HR, account still live
    ON_LEAVE_BUT_ACTIVE = "on_leave_but_active"  # on leave in HR, account not suspended
    SERVICE_ACCOUNT = "service_account"  # account of nobody in HR that looks like a service
    PROTECTED_ACCOUNT = "protected_account"  # account of nobody in HR the policy protects
    POSSIBLE_DUPLICATE = "possible_duplicate"  # a second account resembles a linked employee
    LOGIN_TAKEN = "login_taken"  # the login to create belongs to another account
    HR_DATA = "hr_data"  # the HR record needs fixing before anything is done
    MISSING_GROUP = "missing_group"  # a managed group the policy names does not exist in Okta


# Findings that hold an employee back (the rest are for information, or acted on by the
# employee's own lifecycle: a terminated or on-leave account is converged by its workflow).
REVIEW_KINDS = frozenset(
    {
        FindingKind.AMBIGUOUS_MATCH,
        FindingKind.EMAIL_ONLY_MATCH,
        FindingKind.LOGIN_TAKEN,
        FindingKind.HR_DATA,
    }
)


class FindingMatch(BaseModel):
    employee_id: str
    okta_user_id: str | None = None
    matched_by: list[MatchKey] = Field(default_factory=list)


class Finding(BaseModel):
    kind: FindingKind
    message: str
    okta_user_id: str | None = None
    login: str | None = None
    okta_status: str | None = None
    employee_ids: list[str] = Field(default_factory=list)
    matches: list[FindingMatch] = Field(default_factory=list)


class PlanCounts(BaseModel):
    employees: int = 0
    okta_accounts: int = 0
    link: int = 0
    link_by_hr_id: int = 0
    link_by_employee_number: int = 0
    create: int = 0
    none: int = 0
    review: int = 0
    in_sync: int = 0
    profile_updates: int = 0  # employees with at least one attribute to write
    attribute_writes: int = 0  # attributes to write, all employees together
    group_updates: int = 0  # employees with at least one managed group to add or remove
    group_adds: int = 0
    group_removes: int = 0
    activate: int = 0
    unsuspend: int = 0
    suspend: int = 0
    deactivate: int = 0
    findings: dict[str, int] = Field(default_factory=dict)


class Safeguard(BaseModel):
    """The mass-change safeguard applied to what an apply would do."""

    active_accounts: int = 0
    disruptive: list[str] = Field(default_factory=list)  # employee ids suspended/deactivated
    threshold: int = 0

    @property
    def needs_approval(self) -> bool:
        return len(self.disruptive) > self.threshold


class ReconcilePlan(BaseModel):
    as_of: datetime
    employees: list[EmployeeItem] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    protected: list[str] = Field(default_factory=list)  # logins the policy protects
    counts: PlanCounts = Field(default_factory=PlanCounts)
    safeguard: Safeguard = Field(default_factory=Safeguard)

    def item(self, employee_id: str) -> EmployeeItem | None:
        return next((i for i in self.employees if i.employee_id == employee_id), None)

    def findings_of(self, kind: FindingKind) -> list[Finding]:
        return [f for f in self.findings if f.kind is kind]


DeliveryReason = Literal["create", "link", "repair", "ensure"]


class Delivery(BaseModel):
    """One employee to hand to their workflow (the activity adds the HR snapshot)."""

    employee_id: str
    okta_user_id: str | None = None
    reason: DeliveryReason


class ReconcileSummary(BaseModel):
    """The digest that travels through workflow history: counts and ids, never names."""

    plan_id: str
    mode: Mode
    as_of: datetime
    dry_run: bool = False
    counts: PlanCounts = Field(default_factory=PlanCounts)
    active_accounts: int = 0
    would_suspend: int = 0
    would_deactivate: int = 0
    threshold: int = 0
    needs_approval: bool = False
    deliveries: int = 0  # employees this mode hands to their workflows
    delivery_reasons: dict[str, int] = Field(default_factory=dict)
    disruptive_ids: list[str] = Field(default_factory=list)  # first 50, for the alert


class DriftChange(BaseModel):
    """What drift repair set right for one employee (the employee workflow writes it)."""

    employee_id: str
    okta_user_id: str | None = None
    attributes: dict[str, AttributeDiff] = Field(default_factory=dict)
    groups_added: list[str] = Field(default_factory=list)
    groups_removed: list[str] = Field(default_factory=list)
    status_change: StatusChange | None = None


class SyncReport(BaseModel):
    """The report of one reconciliation run: for drift repair, every repair per employee."""

    report_id: str
    plan_id: str
    mode: Mode
    as_of: datetime
    finished_at: datetime
    dry_run: bool = False
    approved_by: str | None = None
    delivered: int = 0
    skipped_running: int = 0
    failed: list[str] = Field(default_factory=list)
    changes: list[DriftChange] = Field(default_factory=list)
    # Seen but not repaired by drift repair: status differences are the lifecycle's business
    # (its dated actions), and review items need a person.
    status_drift: list[str] = Field(default_factory=list)
    review: list[str] = Field(default_factory=list)
    counts: PlanCounts = Field(default_factory=PlanCounts)


class ReportSummary(BaseModel):
    report_id: str
    delivered: int = 0
    skipped_running: int = 0
    failed: int = 0
    repaired_employees: int = 0
    repaired_attributes: int = 0
    repaired_group_adds: int = 0
    repaired_group_removes: int = 0
    status_drift: int = 0
