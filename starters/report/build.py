"""From what was read to the report's categories.

The comparison itself is reconciliation's (`lifecycle.reconcile.compare`): the same code
that decides what a reconciliation run would write decides what this report calls
orphaned, drifted or misaligned, so the report never disagrees with what the service does.
This module only sorts its plan into the categories an auditor asks about, and adds what
the comparison does not know: the employee workflows' pending actions and the audit
store's last action per employee.

Category rules (on top of the plan):
- orphaned: live accounts no HR record claims, that are neither service nor protected;
- terminated-but-active / on-leave-but-active: the plan's status findings;
- missing-accounts: people who should be working with an account (desired ACTIVE or
  SUSPENDED) and have none; a future hire not yet staged is not missing;
- group-misalignments: managed-group differences of live accounts of people not
  terminated (a terminated-but-active account is listed once, under its own category;
  a deactivated account has no access to misalign);
- attribute-drift: attributes Okta holds with a *different* value than HR gives; an
  attribute Okta has no value for yet is filled by the next convergence, not drift;
- needs-review: matches and HR records a person must decide on before anything happens.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from lifecycle.models import AccountStatus, HrSnapshot
from lifecycle.okta_status import DEPROVISIONED
from lifecycle.reconcile import (
    REVIEW_KINDS,
    EmployeeItem,
    Finding,
    FindingKind,
    ItemAction,
    ReconcilePlan,
    compare,
)
from lifecycle.reconcile.matching import id_order
from starters.report.gather import ReportSources
from starters.report.model import CategoryReport, Column, ComplianceReport, ReportRow

_EMPLOYEE = Column(key="employee_id", label="Employee", type="num")
_NAME = Column(key="name", label="Name")
_DEPARTMENT = Column(key="department", label="Department")
_LOGIN = Column(key="login", label="Okta login")
_OKTA_ID = Column(key="okta_user_id", label="Okta user id")
_OKTA_STATUS = Column(key="okta_status", label="Okta status")
_HR_STATUS = Column(key="hr_status", label="HR status")
_DETAIL = Column(key="detail", label="Detail")

LIVE_MISSING = (AccountStatus.ACTIVE, AccountStatus.SUSPENDED)


def build_report(sources: ReportSources, *, mode: str | None = None) -> ComplianceReport:
    plan = compare(
        sources.snapshots,
        sources.accounts,
        sources.policy,
        sources.as_of,
        unreadable=sources.unreadable,
        okta_groups=sources.okta_groups,
        login_claims=sources.login_claims,
    )
    return report_from_plan(plan, sources, mode=mode)


def report_from_plan(
    plan: ReconcilePlan, sources: ReportSources, *, mode: str | None = None
) -> ComplianceReport:
    people = {s.employee_id: s for s in sources.snapshots}
    rows = _Rows(people, plan.as_of)
    items = plan.employees

    categories = [
        CategoryReport(
            id="orphaned",
            title="Orphaned accounts",
            description="Live Okta accounts that no BambooHR record claims (service and "
            "protected accounts are not counted). Nothing is done to them automatically.",
            kind="finding",
            columns=[_LOGIN, _OKTA_ID, _OKTA_STATUS, _DETAIL],
            rows=[rows.finding(f) for f in plan.findings_of(FindingKind.ORPHANED_ACCOUNT)],
        ),
        CategoryReport(
            id="terminated-but-active",
            title="Terminated but active",
            description="Terminated in BambooHR, but the Okta account can still sign in.",
            kind="finding",
            columns=[
                _EMPLOYEE,
                _NAME,
                _DEPARTMENT,
                Column(key="when", label="Terminated on", type="date"),
                _LOGIN,
                _OKTA_STATUS,
                _DETAIL,
            ],
            rows=[
                rows.status_finding(f, "terminated")
                for f in plan.findings_of(FindingKind.TERMINATED_BUT_ACTIVE)
            ],
        ),
        CategoryReport(
            id="on-leave-but-active",
            title="On leave but active",
            description="On leave in BambooHR, but the Okta account is not suspended.",
            kind="finding",
            columns=[
                _EMPLOYEE,
                _NAME,
                _DEPARTMENT,
                _HR_STATUS,
                Column(key="when", label="Leave since", type="date"),
                _LOGIN,
                _OKTA_STATUS,
                _DETAIL,
            ],
            rows=[
                rows.status_finding(f, "leave")
                for f in plan.findings_of(FindingKind.ON_LEAVE_BUT_ACTIVE)
            ],
        ),
        CategoryReport(
            id="missing-accounts",
            title="Missing accounts",
            description="Working (or on leave) per BambooHR, with no Okta account at all.",
            kind="finding",
            columns=[
                _EMPLOYEE,
                _NAME,
                _DEPARTMENT,
                _HR_STATUS,
                Column(key="when", label="Hire date", type="date"),
                Column(key="login", label="Login to create"),
            ],
            rows=[
                rows.missing(i)
                for i in items
                if i.action is ItemAction.CREATE and i.desired_status in LIVE_MISSING
            ],
        ),
        CategoryReport(
            id="group-misalignments",
            title="Managed-group misalignments",
            description="Live accounts whose managed groups differ from the policy: groups "
            "to remove (extra) and to add (missing). Unmanaged groups are never counted.",
            kind="finding",
            columns=[
                _EMPLOYEE,
                _NAME,
                _DEPARTMENT,
                _LOGIN,
                Column(key="groups_extra", label="Extra (to remove)"),
                Column(key="groups_missing", label="Missing (to add)"),
            ],
            rows=[rows.groups(i) for i in items if _misaligned(i)],
        ),
        CategoryReport(
            id="attribute-drift",
            title="Attribute drift",
            description="Okta profile attributes holding a different value than BambooHR "
            "gives (Okta value → HR value). Attributes not yet set in Okta are not drift.",
            kind="finding",
            columns=[
                _EMPLOYEE,
                _NAME,
                _DEPARTMENT,
                _LOGIN,
                Column(key="attributes", label="Attributes (Okta → HR)"),
            ],
            rows=[r for r in (rows.drift(i) for i in items if _linked_live(i)) if r.attributes],
        ),
        CategoryReport(
            id="needs-review",
            title="Needs review",
            description="Account matches and HR records a person must decide on (e-mail-only "
            "or ambiguous matches, taken logins, unusable HR data); nothing is done until then.",
            kind="finding",
            columns=[
                Column(key="employee_id", label="Employees", type="num"),
                _NAME,
                Column(key="action", label="Kind"),
                _LOGIN,
                _OKTA_ID,
                _DETAIL,
            ],
            rows=[rows.review(f) for f in plan.findings if f.kind in REVIEW_KINDS],
        ),
        _pending(sources, rows),
        _last_actions(sources, rows),
    ]
    linked = sum(1 for i in items if i.action is ItemAction.LINK)
    totals = {
        "hr_records": len(sources.snapshots) + len(sources.unreadable),
        "okta_accounts": len(sources.accounts),
        "linked_accounts": linked,
        "service_accounts": len(plan.findings_of(FindingKind.SERVICE_ACCOUNT)),
        "protected_accounts": len(plan.protected),
    }
    if sources.workflows is not None:
        totals["running_workflows"] = len(sources.workflows)
    return ComplianceReport(
        generated_at=datetime.now(UTC),
        as_of=plan.as_of,
        mode=mode,
        sources=dict(sources.origin),
        totals=totals,
        notes=list(sources.notes),
        categories=categories,
    )


def _linked_live(item: EmployeeItem) -> bool:
    return (
        item.action is ItemAction.LINK
        and item.okta_status not in (None, DEPROVISIONED)
        and item.desired_status is not AccountStatus.DEPROVISIONED
    )


def _misaligned(item: EmployeeItem) -> bool:
    return _linked_live(item) and bool(item.groups_add or item.groups_remove)


def _pending(sources: ReportSources, rows: _Rows) -> CategoryReport:
    workflows = sources.workflows
    due = sorted(
        (w for w in workflows or [] if w.next_action_at is not None),
        key=lambda w: (w.next_action_at, id_order(w.employee_id)),
    )
    return CategoryReport(
        id="pending-actions",
        title="Pending dated actions",
        description="The next dated action of each running employee workflow (pre-boarding, "
        "activation, leave, return, termination...), soonest first.",
        kind="info",
        available=workflows is not None,
        columns=[
            _EMPLOYEE,
            _NAME,
            _DEPARTMENT,
            Column(key="state", label="State"),
            Column(key="action", label="Next action"),
            Column(key="when", label="Due", type="date"),
        ],
        rows=[
            ReportRow(
                employee_id=w.employee_id,
                name=rows.name(w.employee_id),
                department=w.department or rows.department(w.employee_id),
                state=w.state,
                action=w.next_action,
                when=w.next_action_at,
            )
            for w in due
        ],
    )


def _last_actions(sources: ReportSources, rows: _Rows) -> CategoryReport:
    records = sources.last_actions
    listed = sorted((records or {}).values(), key=lambda r: id_order(r.employee_id))
    return CategoryReport(
        id="last-actions",
        title="Last action per employee",
        description="The latest Okta write or hold recorded in the audit store for each "
        "employee (`lifecycle audit <employee>` shows the full history).",
        kind="info",
        available=records is not None,
        columns=[
            _EMPLOYEE,
            _NAME,
            _DEPARTMENT,
            Column(key="action", label="Action"),
            Column(key="when", label="At", type="date"),
            _DETAIL,
        ],
        rows=[
            ReportRow(
                employee_id=r.employee_id,
                name=rows.name(r.employee_id),
                department=rows.department(r.employee_id),
                action=r.action,
                when=r.at,
                detail=" · ".join(
                    x for x in (r.result, r.target, "dry-run" if r.mode == "dry-run" else None) if x
                ),
            )
            for r in listed
        ],
    )


class _Rows:
    """Row builders that fill names and HR facts from the snapshots."""

    def __init__(self, people: dict[str, HrSnapshot], as_of: datetime) -> None:
        self.people = people
        self.as_of = as_of

    def name(self, employee_id: str) -> str | None:
        person = self.people.get(employee_id)
        if person is None:
            return None
        if person.display_name:
            return person.display_name
        parts = [person.preferred_name or person.first_name, person.last_name]
        return " ".join(p for p in parts if p) or None

    def department(self, employee_id: str) -> str | None:
        person = self.people.get(employee_id)
        return person.department if person else None

    def _person(self, employee_id: str | None) -> ReportRow:
        if employee_id is None:
            return ReportRow()
        person = self.people.get(employee_id)
        return ReportRow(
            employee_id=employee_id,
            name=self.name(employee_id),
            department=person.department if person else None,
            hr_status=person.employment_status if person else None,
        )

    def finding(self, finding: Finding) -> ReportRow:
        row = self._person(finding.employee_ids[0] if finding.employee_ids else None)
        row.login, row.okta_user_id, row.okta_status = (
            finding.login,
            finding.okta_user_id,
            finding.okta_status,
        )
        row.detail = finding.message
        return row

    def status_finding(self, finding: Finding, what: str) -> ReportRow:
        row = self.finding(finding)
        person = self.people.get(row.employee_id or "")
        if person is not None:
            row.when = person.termination_date if what == "terminated" else self._since(person)
        return row

    def _since(self, person: HrSnapshot) -> date | None:
        """The date the employment status in effect today started."""
        today = self.as_of.date()
        current = [r for r in person.employment_status_rows if r.date <= today]
        return max(current, key=lambda r: r.date).date if current else None

    def missing(self, item: EmployeeItem) -> ReportRow:
        row = self._person(item.employee_id)
        person = self.people.get(item.employee_id)
        row.when = person.hire_date if person else None
        row.login = item.login
        return row

    def _account(self, item: EmployeeItem) -> ReportRow:
        row = self._person(item.employee_id)
        row.login, row.okta_user_id, row.okta_status = (
            item.okta_login,
            item.okta_user_id,
            item.okta_status,
        )
        return row

    def groups(self, item: EmployeeItem) -> ReportRow:
        row = self._account(item)
        row.groups_extra, row.groups_missing = list(item.groups_remove), list(item.groups_add)
        return row

    def drift(self, item: EmployeeItem) -> ReportRow:
        row = self._account(item)
        row.attributes = {
            name: diff for name, diff in item.profile.items() if not _empty(diff.before)
        }
        return row

    def review(self, finding: Finding) -> ReportRow:
        row = self.finding(finding)
        row.employee_id = ", ".join(finding.employee_ids) or None
        names = [n for n in (self.name(e) for e in finding.employee_ids) if n]
        row.name = ", ".join(names) or None
        row.action = finding.kind.value.replace("_", " ")
        return row


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
