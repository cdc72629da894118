"""`compare`: all HR snapshots + all Okta accounts + the policy → the `ReconcilePlan`.

Pure and deterministic (no I/O, no clock but `as_of`). For each employee the policy's plan
says what Okta should look like at `as_of`; matched accounts are compared with it the way the
employee workflow would converge them, so a difference here is a write there:
- the profile only where the workflow writes it (an ACTIVE/STAGED account: suspending and
  deprovisioning leave the profile alone, and Okta refuses profile writes to a DEPROVISIONED
  user), and only the attributes whose values differ;
- managed groups only, and only groups that exist in Okta (a missing group is one finding,
  not a change that can never be made);
- the status through the same transitions as the Okta activities.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from lifecycle.models import AccountStatus, HrSnapshot, LifecyclePlan, ReviewCode, ReviewReason
from lifecycle.okta_status import ACTIVATED, DEPROVISIONED, decide
from lifecycle.policy import PolicyConfig, build_plan, group_changes, profile_changes
from lifecycle.reconcile.accounts import is_protected, unclaimed_findings
from lifecycle.reconcile.matching import Match, Person, fold, id_order, match_accounts
from lifecycle.reconcile.models import (
    AttributeDiff,
    EmployeeItem,
    Finding,
    FindingKind,
    ItemAction,
    OktaAccountView,
    PendingView,
    ReconcileOptions,
    ReconcilePlan,
)
from lifecycle.reconcile.summary import count, safeguard

# Statuses whose account the workflow's `_provision` writes the profile of.
_PROFILE_WRITTEN = frozenset({AccountStatus.ACTIVE, AccountStatus.STAGED, AccountStatus.NONE})
_FINDING_ORDER = list(FindingKind)


def compare(
    snapshots: Iterable[HrSnapshot],
    accounts: Iterable[OktaAccountView],
    policy: PolicyConfig,
    as_of: datetime,
    *,
    options: ReconcileOptions | None = None,
    unreadable: Mapping[str, str] | None = None,
    okta_groups: Collection[str] | None = None,
    login_claims: Mapping[str, str] | None = None,
) -> ReconcilePlan:
    """The reconciliation plan as of `as_of` (an aware UTC instant).

    `unreadable`: employee id -> problem, for HR records that could not be read (listed for
    review; their accounts are nobody's orphans). `okta_groups`: names of the groups that
    exist in Okta as writable groups (None: assume every managed group exists).
    `login_claims`: employee id -> the login claimed for them under
    `identity.generate_login` (the audit store's `login_claims`): each employee is planned
    with it, as their workflow plans, so a generated login is neither missing while HR's
    work email is empty nor drift once HR types another address (`keep_login`).
    """
    options = options or policy.service_accounts
    unreadable = dict(unreadable or {})
    # As `build_plan` does, claims only count while the policy generates logins.
    claims = dict(login_claims or {}) if policy.identity.generate_login is not None else {}
    account_list = list(accounts)
    snapshot_list = sorted(snapshots, key=lambda s: id_order(s.employee_id))
    existing = None if okta_groups is None else {fold(g) for g in okta_groups}
    managed = [g for g in policy.managed_groups if existing is None or fold(g) in existing]
    canonical = {fold(g): g for g in policy.managed_groups}

    plans: dict[str, LifecyclePlan] = {}
    findings: list[Finding] = []
    for snapshot in snapshot_list:
        try:
            plans[snapshot.employee_id] = build_plan(
                snapshot, policy, generated_login=claims.get(snapshot.employee_id)
            )
        except Exception as exc:  # a record the policy cannot handle needs a person
            unreadable[snapshot.employee_id] = f"the policy could not plan it: {exc}"

    people = [
        _person(snapshot, plans[snapshot.employee_id], as_of, claims.get(snapshot.employee_id))
        for snapshot in snapshot_list
        if snapshot.employee_id in plans
    ]
    known_ids = {s.employee_id for s in snapshot_list} | set(unreadable)
    matched = match_accounts(
        people, account_list, policy.identity.okta_id_attribute, known_ids=known_ids
    )
    findings += matched.findings

    logins = {fold(a.login): a for a in account_list if a.login}
    items: list[EmployeeItem] = []
    for snapshot in snapshot_list:
        eid = snapshot.employee_id
        if eid not in plans:
            items.append(
                EmployeeItem(
                    employee_id=eid,
                    employee_number=snapshot.employee_number,
                    action=ItemAction.REVIEW,
                    review=ReviewReason(code=ReviewCode.BAD_HR_DATA, message=unreadable[eid]),
                )
            )
            continue
        item = _item(snapshot, plans[eid], matched.matches[eid], policy, as_of, managed, canonical)
        taken = _login_taken(item, logins)
        if taken is not None:
            findings.append(taken)
        hr_problem = plans[eid].review
        if hr_problem is not None:
            findings.append(
                Finding(
                    kind=FindingKind.HR_DATA,
                    message=f"employee {eid}: {hr_problem.message}",
                    okta_user_id=item.okta_user_id,
                    login=item.okta_login,
                    okta_status=item.okta_status,
                    employee_ids=[eid],
                )
            )
        findings += _status_findings(item)
        items.append(item)
    listed = {i.employee_id for i in items}
    for eid, problem in sorted(unreadable.items(), key=lambda kv: id_order(kv[0])):
        if eid not in listed:
            items.append(
                EmployeeItem(
                    employee_id=eid,
                    action=ItemAction.REVIEW,
                    review=ReviewReason(code=ReviewCode.BAD_HR_DATA, message=problem),
                )
            )
        findings.append(
            Finding(
                kind=FindingKind.HR_DATA, message=f"employee {eid}: {problem}", employee_ids=[eid]
            )
        )
    findings += unclaimed_findings(account_list, matched.owned, policy, options, known_ids)
    if existing is not None:
        for group in policy.managed_groups:
            if fold(group) not in existing:
                findings.append(
                    Finding(
                        kind=FindingKind.MISSING_GROUP,
                        message=f"the policy manages group {group!r}, which Okta does not have "
                        "(or which is not an Okta-mastered group): create it in Okta",
                    )
                )
    findings.sort(key=_finding_key)
    items.sort(key=lambda i: id_order(i.employee_id))
    plan = ReconcilePlan(
        as_of=as_of,
        employees=items,
        findings=findings,
        protected=sorted(a.login for a in account_list if a.login and is_protected(a, policy)),
    )
    plan.counts = count(plan, len(account_list))
    plan.safeguard = safeguard(plan, account_list, policy)
    return plan


def _person(
    snapshot: HrSnapshot, plan: LifecyclePlan, as_of: datetime, claimed: str | None
) -> Person:
    # A claimed login stands in for an empty work email, as in `build_plan`.
    work_email = snapshot.work_email if (snapshot.work_email or "").strip() else claimed
    return Person(
        employee_id=snapshot.employee_id,
        employee_number=snapshot.employee_number,
        login=_login(plan, as_of) or work_email,
        work_email=work_email,
        claimed_login=claimed,
    )


def _login(plan: LifecyclePlan, as_of: datetime) -> str | None:
    current = plan.desired_at(as_of)
    if current.login:
        return current.login
    return next((a.account.login for a in plan.actions if a.account.login), None)


def _item(
    snapshot: HrSnapshot,
    plan: LifecyclePlan,
    match: Match,
    policy: PolicyConfig,
    as_of: datetime,
    managed: list[str],
    canonical: dict[str, str],
) -> EmployeeItem:
    desired = plan.desired_at(as_of)
    item = EmployeeItem(
        employee_id=snapshot.employee_id,
        employee_number=snapshot.employee_number,
        login=_login(plan, as_of),
        action=ItemAction.NONE,
        desired_status=desired.status,
        pending=[PendingView(key=a.key, kind=a.kind, at=a.at) for a in plan.pending(as_of)],
        protected=plan.protected,
    )
    account = match.account
    if account is not None:
        item.okta_user_id = account.user_id
        item.okta_login = account.login or None
        item.okta_status = account.status
        item.matched_by = list(match.matched_by)
        item.protected = plan.protected or is_protected(account, policy)
    if plan.review is not None:
        item.action = ItemAction.REVIEW
        item.review = plan.review
        return item
    if match.review is not None:
        item.action = ItemAction.REVIEW
        item.review = ReviewReason(
            code=ReviewCode.AMBIGUOUS_MATCH,
            message=match.review_message or "the Okta account match needs a person",
        )
        return item
    if account is None:
        wants_account = desired.status not in (AccountStatus.NONE, AccountStatus.DEPROVISIONED)
        item.action = ItemAction.CREATE if wants_account else ItemAction.NONE
        return item

    item.action = ItemAction.LINK
    item.status_change = decide(account.status, desired.status.value).operation
    if desired.status in _PROFILE_WRITTEN:
        clear = set(policy.clear_when_empty)
        item.profile = {
            name: AttributeDiff(before=account.profile.get(name), after=value)
            for name, value in profile_changes(
                desired.profile, account.profile, clear=clear
            ).items()
        }
    have = [canonical.get(fold(g), g) for g in account.groups]
    wanted = [g for g in desired.groups if g in managed]
    item.groups_add, item.groups_remove = group_changes(wanted, have, managed)
    return item


def _login_taken(item: EmployeeItem, logins: Mapping[str, OktaAccountView]) -> Finding | None:
    """A create whose login another account holds (one that names another, or an unknown,
    employee: an unclaimed one would have matched): Okta would refuse it, and the account
    may be someone else's, so the employee goes to review instead."""
    if item.action is not ItemAction.CREATE or not item.login:
        return None
    holder = logins.get(fold(item.login))
    if holder is None:
        return None
    message = (
        f"the login {item.login} belongs to Okta account {holder.user_id}, which is not "
        "this employee's; nothing is created"
    )
    item.action = ItemAction.REVIEW
    item.review = ReviewReason(code=ReviewCode.EMAIL_CONFLICT, field="workEmail", message=message)
    return Finding(
        kind=FindingKind.LOGIN_TAKEN,
        message=message,
        okta_user_id=holder.user_id,
        login=holder.login,
        okta_status=holder.status,
        employee_ids=[item.employee_id],
    )


def _status_findings(item: EmployeeItem) -> list[Finding]:
    if item.action is not ItemAction.LINK or item.okta_status is None:
        return []
    if item.desired_status is AccountStatus.DEPROVISIONED and item.okta_status != DEPROVISIONED:
        kind, what = FindingKind.TERMINATED_BUT_ACTIVE, "terminated in BambooHR"
    elif item.desired_status is AccountStatus.SUSPENDED and item.okta_status in ACTIVATED:
        # Not only ACTIVE: a LOCKED_OUT, RECOVERY or PROVISIONED account Okta would not
        # suspend still lets the person (back) in; the workflow alerts on the same set.
        kind, what = FindingKind.ON_LEAVE_BUT_ACTIVE, "on leave in BambooHR"
    else:
        return []
    held = " (protected: the change will be held)" if item.protected else ""
    if item.status_change is None:
        outcome = "Okta suspends only ACTIVE accounts: lock it down by hand"
    else:
        outcome = f"an apply {item.status_change}s it{held}"
    return [
        Finding(
            kind=kind,
            message=f"employee {item.employee_id} is {what} but Okta account "
            f"{item.okta_login or item.okta_user_id} is {item.okta_status}; {outcome}",
            okta_user_id=item.okta_user_id,
            login=item.okta_login,
            okta_status=item.okta_status,
            employee_ids=[item.employee_id],
        )
    ]


def _finding_key(finding: Finding) -> tuple[int, tuple[int, int, str], str]:
    first = finding.employee_ids[0] if finding.employee_ids else ""
    return (_FINDING_ORDER.index(finding.kind), id_order(first), finding.login or "")
