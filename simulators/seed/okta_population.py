"""The Okta org as it looks before the lifecycle service first runs.

Built from the finished HR records so that a first reconciliation has every case to find:
linked accounts, accounts matchable only by employee number, email-only and ambiguous
matches (human review), orphans, terminated-but-active accounts, missing accounts, service
and break-glass accounts, and linked accounts with misaligned managed groups. Each planted
case is returned in the expectations dict, keyed like `models.Expectations`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from simulators.seed.groups import GroupRule, managed_groups_for
from simulators.seed.models import (
    AmbiguousMatch,
    EmailOnlyMatch,
    Employee,
    MisalignedGroups,
    OktaGroup,
    OktaStatus,
    OktaUser,
)
from simulators.seed.names import EmailAllocator, NameGenerator
from simulators.seed.vocabulary import (
    ALL_CONTRACTORS,
    ALL_EMPLOYEES,
    APP_GROUPS,
    DEPARTMENTS,
    ENGINEERING_MANAGERS,
    GITHUB_USERS,
    GROUP_DESCRIPTIONS,
    IT_BREAK_GLASS,
    LEGACY_CRM,
    LOCATIONS_BY_NAME,
    MANAGED_GROUPS,
    OKTA_ADMINISTRATORS,
    SALESFORCE_USERS,
    UNMANAGED_GROUPS,
    VPN_USERS,
    department_group,
)

OKTA_ADMIN_LOGIN = "okta.admin@acme.example"
INTEGRATION_LOGIN = "svc.integration@acme.example"
TEST_ACCOUNT_LOGIN = "qa.tester@acme.example"
RESERVED_LOGINS = (OKTA_ADMIN_LOGIN, INTEGRATION_LOGIN, TEST_ACCOUNT_LOGIN)
DEPROVISIONED_KEPT_DAYS = 730  # older leavers' accounts were deleted from Okta long ago


@dataclass
class HrFacts:
    """What the HR generator planted, by employee id (sorted numerically)."""

    ceo: str
    it_admin: str | None
    department_heads: dict[str, str]
    managers: list[str]
    current: list[str]
    contractors: list[str]
    interns: list[str]
    part_time: list[str]
    transferred: list[str]
    department_transfers: list[str]
    future_hires: list[str]
    future_hires_within_5_business_days: list[str]
    on_leave: list[str]
    leave_with_return_row: list[str]
    leave_with_return_field: list[str]
    leave_ending_in_termination: list[str]
    terminated: list[str]
    future_terminations: list[str]
    rehires: list[str]
    recent_hires: list[str]
    leave_starts: dict[str, date]

    def expectations(self) -> dict[str, Any]:
        internal = {"it_admin", "department_transfers", "recent_hires", "leave_starts"}
        return {k: v for k, v in vars(self).items() if k not in internal}


def _share(n: int, fraction: float, minimum: int) -> int:
    value = round(n * fraction)
    return max(minimum, value) if n >= 100 else value


def _by_id(ids: set[str] | list[str]) -> list[str]:
    return sorted(ids, key=int)


def _profile(
    emp: Employee,
    *,
    login: str | None = None,
    email: str | None = None,
    linked: bool = True,
    employee_number: str | None = "",
    stale: bool = False,
) -> dict[str, Any]:
    """The account's profile. `employee_number`: "" = the employee's own, None = none, else
    that value; `stale`: department and title of the job before the last transfer."""
    department, title = emp.department, emp.jobTitle
    if stale:
        department, title = emp.job_info[-2].department, emp.job_info[-2].jobTitle
    profile: dict[str, Any] = {
        "login": login or emp.workEmail,
        "email": email or emp.workEmail,
        "firstName": emp.preferredName or emp.firstName,  # as the example policy maps it
        "lastName": emp.lastName,
        "displayName": emp.displayName,
        "department": department,
        "title": title,
    }
    number = emp.employeeNumber if employee_number == "" else employee_number
    if number:
        profile["employeeNumber"] = number
    if linked:
        profile["bambooHrId"] = emp.id
    return profile


class _Population:
    def __init__(self, rng: random.Random, allocator: EmailAllocator) -> None:
        self.rng = rng
        self.allocator = allocator
        self.users: list[OktaUser] = []
        self.members: dict[str, set[str]] = {g: set() for g in (*MANAGED_GROUPS, *UNMANAGED_GROUPS)}

    def add(
        self,
        profile: dict[str, Any],
        status: OktaStatus,
        created: date,
        note: str,
        groups: Iterable[str] = (),
    ) -> str:
        self.users.append(OktaUser(profile=profile, status=status, created=created, note=note))
        login = str(profile["login"])
        for group in groups:
            # A group rule handed to the seed may name a group the vocabulary lacks.
            self.members.setdefault(group, set()).add(login)
        return login

    def groups(self) -> list[OktaGroup]:
        unmanaged = set(UNMANAGED_GROUPS)
        return [
            OktaGroup(
                name=name,
                type="APP_GROUP" if name in APP_GROUPS else "OKTA_GROUP",
                description=GROUP_DESCRIPTIONS.get(name, _describe(name)),
                managed=name not in unmanaged,
                members=sorted(self.members[name]),
            )
            for name in self.members  # the vocabulary's, then any a group rule added
        ]


def _created(emp: Employee) -> date:
    """Accounts were pre-boarded a week before the (first) start date."""
    return (emp.originalHireDate or emp.hireDate) - timedelta(days=7)


def _describe(name: str) -> str:
    kind, _, value = name.partition(" - ")
    return {"Dept": f"Department: {value}", "Loc": f"Location: {value}"}.get(kind, name)


def build_okta_population(
    rng: random.Random,
    employees: list[Employee],
    facts: HrFacts,
    allocator: EmailAllocator,
    today: date,
    n: int,
    group_rule: GroupRule = managed_groups_for,
) -> tuple[list[OktaUser], list[OktaGroup], dict[str, Any]]:
    by_id = {e.id: e for e in employees}
    pop = _Population(rng, allocator)
    founding = min(_created(e) for e in employees)

    # -- Decide who falls in which case (sets of employee ids).
    special = {
        facts.ceo,
        facts.it_admin,
        *facts.department_heads.values(),
        *facts.on_leave,
        *facts.future_terminations,
        *facts.rehires,
        *facts.recent_hires,
    }
    pool = [i for i in facts.current if i not in special]
    rng.shuffle(pool)

    def take(count: int, ok: Callable[[str], bool] = lambda _i: True) -> list[str]:
        chosen = [i for i in pool if ok(i)][:count]
        for i in chosen:
            pool.remove(i)
        return chosen

    misaligned_count = _share(n, 0.03, 3)
    department_transfers = set(facts.department_transfers)
    transfer_misaligned = take(
        max(1, misaligned_count // 3) if misaligned_count else 0,
        lambda i: i in department_transfers,
    )
    recent = [i for i in facts.recent_hires if i in set(facts.current)]
    pending = recent[:2] if len(recent) >= 4 else []
    missing = recent[len(pending) :]
    missing += take(max(0, _share(n, 0.03, 3) - len(missing)))
    by_number = take(_share(n, 0.05, 3))
    email_only = take(_share(n, 0.01, 2))
    ambiguous_pairs = [tuple(take(2)) for _ in range((1 + n // 2000) if n >= 50 else 0)]
    ambiguous_pairs = [p for p in ambiguous_pairs if len(p) == 2]
    misaligned = transfer_misaligned + take(misaligned_count - len(transfer_misaligned))
    leave_active = (
        [max(facts.on_leave, key=lambda i: (facts.leave_starts[i], int(i)))]
        if len(facts.on_leave) >= 2
        else []
    )
    terminated_sorted = sorted(
        facts.terminated, key=lambda i: (by_id[i].terminationDate or date.min, int(i)), reverse=True
    )
    terminated_active = terminated_sorted[: min(len(terminated_sorted), max(2, n // 200))]

    current = set(facts.current)
    skip = set(missing) | set(email_only) | {i for pair in ambiguous_pairs for i in pair}
    linked: list[str] = []
    accounts: dict[str, str] = {}
    misaligned_records: list[MisalignedGroups] = []
    stale: list[str] = []
    misaligned_set = set(misaligned)
    fault_kinds = ["extra", "missing_location", "missing_status"]

    # -- Accounts of people with an HR record, in id order.
    for emp in employees:
        i = emp.id
        if i in facts.future_hires or i in skip:
            continue
        if i not in current:  # terminated on or before today
            term = emp.terminationDate
            assert term is not None
            if i in terminated_active:
                last_groups = group_rule(emp, term - timedelta(days=1))
                accounts[i] = pop.add(
                    _profile(emp),
                    "ACTIVE",
                    _created(emp),
                    "terminated in HR, account still active",
                    last_groups,
                )
                linked.append(i)
            elif (today - term).days <= DEPROVISIONED_KEPT_DAYS:
                accounts[i] = pop.add(
                    _profile(emp), "DEPROVISIONED", _created(emp), "former employee"
                )
                linked.append(i)
            continue
        if i in facts.rehires:
            accounts[i] = pop.add(
                _profile(emp),
                "DEPROVISIONED",
                _created(emp),
                "rehired: reactivate this account, never a duplicate",
            )
            linked.append(i)
            continue
        groups: set[str] = set(group_rule(emp, today))
        if i in by_number:
            accounts[i] = pop.add(
                _profile(emp, linked=False),
                "ACTIVE",
                _created(emp),
                "pre-existing, matches by employeeNumber",
                groups,
            )
            continue
        status: OktaStatus = "ACTIVE"
        note = "linked"
        stale_profile = False
        if i in pending:
            status = "STAGED" if pending.index(i) == 0 else "PROVISIONED"
            note = "started, account not yet active"
        elif i in facts.on_leave:
            status = "ACTIVE" if i in leave_active else "SUSPENDED"
            note = "on leave" + (", not yet suspended" if status == "ACTIVE" else "")
            if status == "ACTIVE":
                # Nothing processed the leave yet: the account still has what a leave removes.
                before = set(group_rule(emp, facts.leave_starts[i] - timedelta(days=1)))
                extra, lacking = before - groups, groups - before
                groups = before
                if extra or lacking:
                    misaligned_records.append(
                        MisalignedGroups(
                            employee_id=i,
                            login=emp.workEmail,
                            extra=sorted(extra),
                            missing=sorted(lacking),
                        )
                    )
        elif i in misaligned_set:
            if i in transfer_misaligned:
                before = set(group_rule(emp, emp.job_info[-1].date - timedelta(days=1)))
                extra, lacking = before - groups, groups - before
                stale_profile = True
                stale.append(i)
                note = "linked, groups and profile from before a transfer"
            else:
                kind = fault_kinds[len(misaligned_records) % len(fault_kinds)]
                extra, lacking = _fault(kind, emp, groups)
                note = "linked, misaligned groups"
            groups = (groups | extra) - lacking
            misaligned_records.append(
                MisalignedGroups(
                    employee_id=i, login=emp.workEmail, extra=sorted(extra), missing=sorted(lacking)
                )
            )
        if i == facts.ceo or i == facts.it_admin:
            groups.add(IT_BREAK_GLASS)
            note = "linked, break-glass"
        if i == facts.it_admin:
            groups.add(OKTA_ADMINISTRATORS)
        if emp.department == "Sales" and status == "ACTIVE" and int(i) % 3 == 0:
            groups.add(LEGACY_CRM)
        accounts[i] = pop.add(
            _profile(emp, stale=stale_profile), status, _created(emp), note, groups
        )
        linked.append(i)

    # -- Pre-existing accounts that only an email, or conflicting keys, tie to a person.
    email_matches: list[EmailOnlyMatch] = []
    for i in email_only:
        emp = by_id[i]
        login = allocator.allocate_local(f"{emp.firstName[0]}{emp.lastName}".lower())
        accounts[i] = pop.add(
            _profile(emp, login=login, linked=False, employee_number=None),
            "ACTIVE",
            _created(emp),
            "pre-existing, matches only by email (review)",
            group_rule(emp, today),
        )
        email_matches.append(EmailOnlyMatch(login=login, employee_id=i))
    ambiguous: list[AmbiguousMatch] = []
    for number_owner, email_owner in ambiguous_pairs:
        a, b = by_id[number_owner], by_id[email_owner]
        login = allocator.allocate_local(f"{b.firstName}{b.lastName}".lower())
        pop.add(
            _profile(b, login=login, linked=False, employee_number=a.employeeNumber),
            "ACTIVE",
            _created(b),
            "employeeNumber of one employee, email of another (review)",
            [ALL_EMPLOYEES],
        )
        ambiguous.append(AmbiguousMatch(login=login, employee_number_match=a.id, email_match=b.id))

    # -- Accounts with no HR record at all.
    service = [
        pop.add(
            {
                "login": OKTA_ADMIN_LOGIN,
                "email": OKTA_ADMIN_LOGIN,
                "firstName": "Okta",
                "lastName": "Administrator",
                "displayName": "Okta Administrator",
                "userType": "Service",
            },
            "ACTIVE",
            founding,
            "service account",
            [OKTA_ADMINISTRATORS],
        ),
        pop.add(
            {
                "login": INTEGRATION_LOGIN,
                "email": INTEGRATION_LOGIN,
                "firstName": "Integration",
                "lastName": "Service",
                "displayName": "Integration Service",
                "userType": "Service",
            },
            "ACTIVE",
            founding,
            "service account",
            [OKTA_ADMINISTRATORS],
        ),
    ]
    orphans = _orphans(pop, _share(n, 0.01, 3), founding, today)

    protected = sorted(pop.members[IT_BREAK_GLASS])
    expectations: dict[str, Any] = {
        "accounts": dict(sorted(accounts.items(), key=lambda kv: int(kv[0]))),
        "linked": _by_id(linked),
        "by_employee_number": _by_id(by_number),
        "email_only": sorted(email_matches, key=lambda m: int(m.employee_id)),
        "ambiguous": sorted(ambiguous, key=lambda m: m.login),
        "orphaned": sorted(orphans),
        "terminated_but_active": _by_id(terminated_active),
        "missing_accounts": _by_id(missing),
        "pending_activation": _by_id(pending),
        "leave_not_suspended": _by_id(leave_active),
        "rehire_deprovisioned": _by_id(facts.rehires),
        "service_accounts": sorted(service),
        "protected": protected,
        "misaligned_groups": sorted(misaligned_records, key=lambda m: int(m.employee_id)),
        "stale_profiles": _by_id(stale),
    }
    return pop.users, pop.groups(), expectations


def _fault(kind: str, emp: Employee, groups: set[str]) -> tuple[set[str], set[str]]:
    if kind == "extra":
        for candidate in (VPN_USERS, GITHUB_USERS, SALESFORCE_USERS, ENGINEERING_MANAGERS):
            if candidate not in groups:
                return {candidate}, set()
    if kind == "missing_location":
        return set(), {LOCATIONS_BY_NAME[emp.location].group}
    return set(), {ALL_CONTRACTORS if ALL_CONTRACTORS in groups else ALL_EMPLOYEES}


def _orphans(pop: _Population, count: int, founding: date, today: date) -> list[str]:
    """ACTIVE accounts of nobody in HR: a test account, ex-contractors, pre-HR leavers."""
    names = NameGenerator(pop.rng)
    logins: list[str] = []
    span = max(1, (today - founding).days - 200)
    for k in range(count):
        created = founding + timedelta(days=pop.rng.randint(0, span))
        if k == 0:
            profile = {
                "login": TEST_ACCOUNT_LOGIN,
                "email": TEST_ACCOUNT_LOGIN,
                "firstName": "QA",
                "lastName": "Tester",
                "displayName": "QA Tester",
                "title": "Test Account",
            }
            logins.append(
                pop.add(profile, "ACTIVE", created, "orphan: test account", [ALL_EMPLOYEES])
            )
            continue
        first, last = names.person()
        login = pop.allocator.allocate(first, last)
        dept = pop.rng.choice([d for d in DEPARTMENTS if d.contractors])
        contractor = k % 2 == 1
        profile = {
            "login": login,
            "email": login,
            "firstName": first,
            "lastName": last,
            "displayName": f"{first} {last}",
            "department": dept.name,
            "title": dept.ics[0].name,
        }
        if contractor:
            profile["userType"] = "Contractor"
            groups = [ALL_CONTRACTORS, department_group(dept.name)]
            note = "orphan: ex-contractor, never in HR"
        else:
            groups = [ALL_EMPLOYEES, department_group(dept.name), LEGACY_CRM]
            note = "orphan: left before HR records were kept"
        logins.append(pop.add(profile, "ACTIVE", created, note, groups))
    return logins
