"""Invariants every generated company must satisfy, whatever its seed and size.

Shared by the seed tests; each check raises AssertionError with the offending ids.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from simulators.seed.dates import business_days_between
from simulators.seed.groups import managed_groups_for
from simulators.seed.models import Company, Employee, OktaUser
from simulators.seed.vocabulary import (
    ACTIVE_STATUSES,
    APP_GROUPS,
    CEO_LOGIN,
    CEO_TITLE,
    CONTRACTOR,
    DEPARTMENTS_BY_NAME,
    END_OF_CONTRACT,
    EXECUTIVE,
    IT_ADMIN_TITLE,
    IT_BREAK_GLASS,
    LEAVE_STATUSES,
    LOCATIONS_BY_NAME,
    MANAGED_GROUPS,
    OKTA_ADMINISTRATORS,
    RETURN_FROM_LEAVE,
    TERMINATED,
    TERMINATION_TYPES,
    UNMANAGED_GROUPS,
)

ALLOWED_DOMAINS = {"acme.example", "home.example"}
NAME = re.compile(r"^[A-Z][a-z]+$")


def first_hire(emp: Employee) -> date:
    return emp.originalHireDate or emp.hireDate


def titles_of(department: str) -> dict[str, int]:
    spec = DEPARTMENTS_BY_NAME[department]
    titles = [spec.head, spec.director, spec.manager, spec.intern, *spec.ics]
    return {t.name: t.level for t in titles}


def domain(address: str) -> str:
    return address.rsplit("@", 1)[1].lower()


# -- HR ----------------------------------------------------------------------------------------


def check_hr(company: Company) -> None:
    today = company.today
    emps = company.employees
    by_id = {e.id: e for e in emps}
    exp = company.expectations

    ids = [int(e.id) for e in emps]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] >= 100
    numbers = [e.employeeNumber for e in emps]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"E\d{4,}", n) for n in numbers)
    assert not {e.id for e in emps} & set(numbers)

    emails = [e.workEmail.lower() for e in emps]
    assert len(set(emails)) == len(emails), "work emails must be unique"
    for e in emps:
        assert domain(e.workEmail) == "acme.example"
        assert domain(e.homeEmail) == "home.example"
        assert NAME.match(e.firstName) and NAME.match(e.lastName), (e.firstName, e.lastName)
        assert e.preferredName is None or NAME.match(e.preferredName)
        assert e.displayName == f"{e.preferredName or e.firstName} {e.lastName}"
        for phone in (e.mobilePhone, e.workPhone):
            assert phone is None or re.fullmatch(
                r"\+1 \d{3}-555-01\d\d|\+44 20 7946 0\d{3}|\+61 2 5550 \d{4}", phone
            ), phone

    # Current values are those of the rows in effect today.
    for e in emps:
        assert [r.date for r in e.job_info] == sorted(r.date for r in e.job_info)
        assert [r.date for r in e.employment_status] == sorted(r.date for r in e.employment_status)
        assert e.job_info[0].date == first_hire(e) == e.employment_status[0].date
        job = e.job_on(today)
        assert (e.department, e.division, e.location, e.jobTitle, e.supervisorEId) == (
            job.department,
            job.division,
            job.location,
            job.jobTitle,
            job.reportsTo,
        )
        for row in e.job_info:
            spec = DEPARTMENTS_BY_NAME[row.department]
            assert row.division == spec.division
            assert row.location in LOCATIONS_BY_NAME
            assert row.jobTitle in titles_of(row.department), (row.department, row.jobTitle)
        assert e.customJobLevel == f"L{titles_of(e.department)[e.jobTitle]}"
        assert e.customCostCenter == DEPARTMENTS_BY_NAME[e.department].cost_center
        status = e.status_on(today)
        assert e.employmentHistoryStatus == status.employmentStatus
        terminated_now = status.employmentStatus == TERMINATED and status.date <= today
        assert e.status == ("Inactive" if terminated_now or e.hireDate > today else "Active")
        assert e.terminationDate == (status.date if terminated_now else None)
        assert e.customLeaveReturnDate is None or e.id in exp.on_leave

    # The manager tree: the CEO on top, everyone else under an earlier, active employee.
    roots = [e for e in emps if e.supervisorEId is None]
    assert [r.id for r in roots] == [exp.ceo]
    ceo = by_id[exp.ceo]
    assert (ceo.workEmail, ceo.department, ceo.jobTitle, ceo.customJobLevel) == (
        CEO_LOGIN,
        EXECUTIVE,
        CEO_TITLE,
        "L8",
    )
    assert ceo.status == "Active" and ceo.id == emps[0].id
    for dept, head_id in exp.department_heads.items():
        head = by_id[head_id]
        assert head.department == dept and head.supervisorEId == ceo.id
        assert head.jobTitle == DEPARTMENTS_BY_NAME[dept].head.name
    for e in emps:
        for row in e.job_info:
            if row.reportsTo is None:
                assert e.id == ceo.id
                continue
            sup = by_id[row.reportsTo]
            assert int(sup.id) < int(e.id), (e.id, sup.id)
            assert sup.status == "Active", f"{e.id} reports to inactive {sup.id}"
            assert first_hire(sup) <= row.date, (e.id, sup.id, row.date)
            assert sup.status_on(row.date).employmentStatus in ACTIVE_STATUSES
    assert set(exp.managers) == {
        e.supervisorEId for e in emps if e.supervisorEId and e.status == "Active"
    }

    current = {e.id for e in emps if e.hireDate <= today and e.status == "Active"}
    assert set(exp.current) == current
    assert set(exp.contractors) == {
        i for i in current if by_id[i].employmentHistoryStatus == CONTRACTOR
    }

    for i in exp.future_hires:
        e = by_id[i]
        assert today < e.hireDate <= today + timedelta(days=30)
        assert e.status == "Inactive" and e.employmentHistoryStatus in ACTIVE_STATUSES
        assert all(r.date > today for r in e.job_info)
        assert all(r.date > today for r in e.employment_status)
    assert {e.id for e in emps if e.hireDate > today} == set(exp.future_hires)
    assert set(exp.future_hires_within_5_business_days) == {
        i for i in exp.future_hires if business_days_between(today, by_id[i].hireDate) <= 5
    }

    for i in exp.terminated:
        e = by_id[i]
        assert e.status == "Inactive" and e.terminationDate is not None
        assert e.terminationDate <= today and e.employmentHistoryStatus == TERMINATED
        ended = e.status_on(today)
        assert ended.employmentStatus == TERMINATED and ended.date == e.terminationDate
        assert ended.terminationTypeId in TERMINATION_TYPES and ended.terminationReasonId
        assert ended.terminationRehireId
        assert e.terminationDate > e.hireDate
        before = e.status_on(e.terminationDate - timedelta(days=1)).employmentStatus
        if before == CONTRACTOR:
            assert ended.terminationTypeId == END_OF_CONTRACT
    assert set(exp.terminated) == {e.id for e in emps if e.terminationDate is not None}

    for i in exp.future_terminations:
        e = by_id[i]
        assert e.status == "Active" and e.terminationDate is None
        future = [r for r in e.employment_status if r.date > today]
        assert future[-1].employmentStatus == TERMINATED
        assert future[-1].terminationTypeId in TERMINATION_TYPES

    for i in exp.on_leave:
        e = by_id[i]
        leave = e.status_on(today)
        assert e.status == "Active" and leave.employmentStatus in LEAVE_STATUSES
        assert leave.date <= today
        later = [r for r in e.employment_status if r.date > today]
        if i in exp.leave_with_return_row:
            assert later and later[0].employmentStatus in ACTIVE_STATUSES
            assert later[0].comment == RETURN_FROM_LEAVE
            assert e.customLeaveReturnDate == later[0].date
        elif i in exp.leave_with_return_field:
            assert not later and e.customLeaveReturnDate is not None
            assert e.customLeaveReturnDate > today
        elif i in exp.leave_ending_in_termination:
            assert [r.employmentStatus for r in later] == [TERMINATED]
            assert i in exp.future_terminations
        else:
            assert not later and e.customLeaveReturnDate is None
    assert set(exp.on_leave) == {
        e.id for e in emps if e.employmentHistoryStatus in LEAVE_STATUSES and e.status == "Active"
    }

    for i in exp.rehires:
        e = by_id[i]
        assert e.originalHireDate is not None and e.originalHireDate < e.hireDate <= today
        assert [r.employmentStatus for r in e.employment_status][1] == TERMINATED
        assert e.status == "Active" and e.employment_status[-1].date == e.hireDate
    assert set(exp.rehires) == {e.id for e in emps if e.originalHireDate is not None}

    for i in exp.transferred:
        e = by_id[i]
        assert 2 <= len(e.job_info) <= 3 and all(r.date <= today for r in e.job_info)
        assert len({(r.department, r.jobTitle, r.location) for r in e.job_info}) == len(e.job_info)


# -- Okta --------------------------------------------------------------------------------------


def check_okta(company: Company) -> None:
    today = company.today
    exp = company.expectations
    by_id = company.employees_by_id()
    users = {u.login.lower(): u for u in company.okta_users}
    assert len(users) == len(company.okta_users), "logins must be unique"
    work_emails = {e.workEmail.lower(): e.id for e in company.employees}
    numbers = {e.employeeNumber: e.id for e in company.employees}
    okta_emails = {u.profile["email"].lower() for u in company.okta_users}
    okta_numbers = {u.profile.get("employeeNumber") for u in company.okta_users}

    for u in company.okta_users:
        assert all(isinstance(v, str) and v for v in u.profile.values()), u.profile
        for key in ("login", "email", "firstName", "lastName", "displayName"):
            assert key in u.profile
        assert domain(u.profile["login"]) == domain(u.profile["email"]) == "acme.example"

    # Groups: exactly the managed and unmanaged vocabulary; members exist.
    names = [g.name for g in company.okta_groups]
    assert sorted(names) == sorted([*MANAGED_GROUPS, *UNMANAGED_GROUPS])
    members: dict[str, set[str]] = {}
    for g in company.okta_groups:
        assert g.managed == (g.name in MANAGED_GROUPS)
        assert g.type == ("APP_GROUP" if g.name in APP_GROUPS else "OKTA_GROUP")
        assert g.members == sorted(set(g.members))
        for login in g.members:
            assert login.lower() in users
            members.setdefault(login.lower(), set()).add(g.name)

    def managed_of(user: OktaUser) -> set[str]:
        return members.get(user.login.lower(), set()) & set(MANAGED_GROUPS)

    # Every Okta user falls in exactly one planted category.
    def account(employee_id: str) -> OktaUser:
        return users[exp.accounts[employee_id].lower()]

    categories = {
        "linked": {exp.accounts[i].lower() for i in exp.linked},
        "by_number": {exp.accounts[i].lower() for i in exp.by_employee_number},
        "email_only": {m.login.lower() for m in exp.email_only},
        "ambiguous": {m.login.lower() for m in exp.ambiguous},
        "orphaned": {x.lower() for x in exp.orphaned},
        "service": {x.lower() for x in exp.service_accounts},
    }
    seen: list[str] = [login for logins in categories.values() for login in logins]
    assert sorted(seen) == sorted(users), "categories must partition the Okta users"

    for i in exp.linked:
        u, e = account(i), by_id[i]
        assert u.profile["bambooHrId"] == i and u.profile["employeeNumber"] == e.employeeNumber
        assert u.profile["email"] == e.workEmail and u.login == e.workEmail
        assert u.profile["firstName"] == (e.preferredName or e.firstName)
        assert u.profile["lastName"] == e.lastName and u.profile["displayName"] == e.displayName
    assert {
        u.profile["bambooHrId"] for u in company.okta_users if "bambooHrId" in u.profile
    } == set(exp.linked)

    for i in exp.by_employee_number:
        u, e = account(i), by_id[i]
        assert "bambooHrId" not in u.profile and u.status == "ACTIVE"
        assert u.profile["employeeNumber"] == e.employeeNumber and i in exp.current

    for m in exp.email_only:
        u, e = users[m.login.lower()], by_id[m.employee_id]
        assert exp.accounts[m.employee_id] == m.login
        assert work_emails[u.profile["email"].lower()] == e.id  # keys are unique
        assert m.login.lower() not in work_emails and m.login.lower() != e.workEmail.lower()
        assert "employeeNumber" not in u.profile and "bambooHrId" not in u.profile
        assert u.status == "ACTIVE" and m.employee_id in exp.current

    for amb in exp.ambiguous:
        u = users[amb.login.lower()]
        assert amb.employee_number_match != amb.email_match
        assert numbers[u.profile["employeeNumber"]] == amb.employee_number_match
        assert work_emails[u.profile["email"].lower()] == amb.email_match
        assert amb.login.lower() not in work_emails and "bambooHrId" not in u.profile
        for i in (amb.employee_number_match, amb.email_match):
            assert i in exp.current and i not in exp.accounts

    for login in exp.orphaned:
        u = users[login.lower()]
        assert u.status == "ACTIVE" and "bambooHrId" not in u.profile
        assert u.profile.get("employeeNumber") not in numbers
        assert u.profile["email"].lower() not in work_emails and login.lower() not in work_emails

    admins = {m.lower() for m in company.group(OKTA_ADMINISTRATORS).members}
    for login in exp.service_accounts:
        u = users[login.lower()]
        assert login.lower() in admins and u.status == "ACTIVE"
        assert login.lower() not in work_emails and "employeeNumber" not in u.profile
    assert "okta.admin@acme.example" in exp.service_accounts

    break_glass = sorted(company.group(IT_BREAK_GLASS).members)
    assert break_glass == sorted(exp.protected)
    if len(company.employees) >= 100:
        owners = sorted(by_id[work_emails[x.lower()]].jobTitle for x in break_glass)
        assert owners == sorted([CEO_TITLE, IT_ADMIN_TITLE])

    # HR states against Okta states.
    for i in exp.terminated_but_active:
        assert i in exp.terminated and account(i).status == "ACTIVE" and i in exp.linked
    for i in exp.terminated:
        if i in exp.accounts and i not in exp.terminated_but_active:
            assert account(i).status == "DEPROVISIONED" and not managed_of(account(i))
    for i in exp.future_hires:
        e = by_id[i]
        assert i not in exp.accounts
        assert e.workEmail.lower() not in users and e.workEmail.lower() not in okta_emails
        assert e.employeeNumber not in okta_numbers
    for i in exp.rehire_deprovisioned:
        assert i in exp.rehires and account(i).status == "DEPROVISIONED"
    for i in exp.pending_activation:
        assert account(i).status in ("STAGED", "PROVISIONED") and by_id[i].hireDate <= today
    for i in exp.on_leave:
        wanted = "ACTIVE" if i in exp.leave_not_suspended else "SUSPENDED"
        assert account(i).status == wanted

    # Current employees: each has a linked, number-matched, review-bound or no account.
    reviewed = {m.employee_id for m in exp.email_only} | {
        i for m in exp.ambiguous for i in (m.employee_number_match, m.email_match)
    }
    for i in exp.current:
        kinds = [
            i in exp.linked,
            i in exp.by_employee_number,
            i in reviewed,
            i in exp.missing_accounts,
        ]
        assert kinds.count(True) == 1, (i, kinds)
    for i in exp.missing_accounts:
        e = by_id[i]
        assert i not in exp.accounts and e.hireDate <= today
        assert e.workEmail.lower() not in okta_emails and e.employeeNumber not in okta_numbers
    plain_active = [i for i in exp.linked if i in exp.current and account(i).status == "ACTIVE"]
    if exp.current:
        assert len(plain_active) >= 0.75 * len(exp.current)

    # Managed groups: right for every matched current account, except the recorded ones.
    misaligned = {m.employee_id: m for m in exp.misaligned_groups}
    for mis in exp.misaligned_groups:
        assert mis.extra or mis.missing
        assert set(mis.extra) <= set(MANAGED_GROUPS) and set(mis.missing) <= set(MANAGED_GROUPS)
        assert mis.login == exp.accounts[mis.employee_id] and mis.employee_id in exp.linked
    for i in [*exp.linked, *exp.by_employee_number]:
        if i not in exp.current:
            continue
        if i in exp.rehire_deprovisioned:
            assert not managed_of(account(i))  # deprovisioned when they first left
            continue
        expected = set(managed_groups_for(by_id[i], today))
        if i in misaligned:
            expected = (expected | set(misaligned[i].extra)) - set(misaligned[i].missing)
        assert managed_of(account(i)) == expected, i
    for i in exp.stale_profiles:
        u, e = account(i), by_id[i]
        assert i in misaligned
        assert (u.profile["department"], u.profile["title"]) != (e.department, e.jobTitle)
    for i in exp.linked:
        if i in exp.current and i not in exp.stale_profiles:
            u, e = account(i), by_id[i]
            assert (u.profile["department"], u.profile["title"]) == (e.department, e.jobTitle)


def check_all(company: Company) -> None:
    check_hr(company)
    check_okta(company)


ALL_CATEGORIES = (
    "department_heads",
    "managers",
    "contractors",
    "interns",
    "part_time",
    "transferred",
    "future_hires",
    "future_hires_within_5_business_days",
    "on_leave",
    "leave_with_return_row",
    "leave_with_return_field",
    "leave_ending_in_termination",
    "terminated",
    "future_terminations",
    "rehires",
    "linked",
    "by_employee_number",
    "email_only",
    "ambiguous",
    "orphaned",
    "terminated_but_active",
    "missing_accounts",
    "pending_activation",
    "leave_not_suspended",
    "rehire_deprovisioned",
    "service_accounts",
    "protected",
    "misaligned_groups",
    "stale_profiles",
)


def empty_categories(company: Company) -> list[str]:
    exp = company.expectations
    return [name for name in ALL_CATEGORIES if not getattr(exp, name)]
