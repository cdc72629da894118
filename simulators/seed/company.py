"""Generate a whole fictional company: BambooHR records plus a pre-existing Okta population.

`generate_company(seed, employees, today=...)` is pure: no clock, no I/O, no global random
state. Everything is drawn from one `random.Random(seed)` in a fixed order, so the same
(seed, employees, today) always gives the same JSON.

The HR side is built in three passes over plain `_Person` records: an org chart (departments,
heads, directors, managers, individual contributors, each with a supervisor), hire dates
top-down (a supervisor is always hired before their reports), then the planted cases (future
hires, leaves, terminations, a rehire, transfers). People are then numbered in hire order,
so a supervisor's id is always lower than their reports' ids. The Okta side is built from the
finished employee records in `okta_population`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from simulators.seed.dates import (
    add_business_days,
    business_days_between,
    weekday_between,
    weekday_on_or_before,
)
from simulators.seed.groups import GroupRule, managed_groups_for
from simulators.seed.models import (
    Company,
    CustomField,
    Department,
    Employee,
    EmploymentStatusRow,
    Expectations,
    JobInfoRow,
    Location,
)
from simulators.seed.names import COMPANY_DOMAIN, HOME_DOMAIN, EmailAllocator, NameGenerator
from simulators.seed.okta_population import RESERVED_LOGINS, HrFacts, build_okta_population
from simulators.seed.vocabulary import (
    CEO_LOGIN,
    CONTRACTOR,
    CUSTOM_FIELD_IDS,
    DEPARTMENTS,
    DEPARTMENTS_BY_NAME,
    EMPLOYMENT_STATUSES,
    END_OF_CONTRACT,
    EXECUTIVE,
    FULL_TIME,
    HEADQUARTERS,
    INTERN,
    INVOLUNTARY,
    IT_ADMIN_TITLE,
    LEAVE_OF_ABSENCE,
    LOCATIONS,
    PARENTAL_LEAVE,
    PART_TIME,
    RETURN_FROM_LEAVE,
    TERMINATED,
    TERMINATION_REASONS,
    TERMINATION_TYPES,
    VOLUNTARY,
    DepartmentSpec,
    Title,
)

COMPANY_AGE_DAYS = 9 * 365
FIRST_EMPLOYEE_ID = 100
_DEPTH = {"ceo": 0, "head": 1, "exec": 1, "director": 2, "manager": 3, "ic": 4}


def generate_company(
    seed: int = 42,
    employees: int = 200,
    *,
    today: date,
    group_rule: GroupRule = managed_groups_for,
) -> Company:
    """A deterministic company of `employees` people (all HR records: current, future and
    former) as seen on `today`, with its Okta population and the expected reconciliation
    findings; `group_rule` says which managed groups an account should have (see
    `simulators.seed.groups`)."""
    if employees < 1:
        raise ValueError("employees must be at least 1")
    rng = random.Random(seed)
    people = _HrBuilder(rng, employees, today).build()
    allocator = EmailAllocator(COMPANY_DOMAIN)
    for login in RESERVED_LOGINS:
        allocator.reserve(login)
    records = _to_employees(rng, people, allocator, today)
    facts = _hr_facts(people, records, today)
    users, groups, okta_expectations = build_okta_population(
        rng, records, facts, allocator, today, employees, group_rule
    )
    expectations = Expectations(**facts.expectations(), **okta_expectations)
    return Company(
        seed=seed,
        today=today,
        domain=COMPANY_DOMAIN,
        departments=[
            Department(name=d.name, division=d.division, costCenter=d.cost_center)
            for d in DEPARTMENTS
        ],
        locations=[
            Location(name=loc.name, group=loc.group, timezone=loc.timezone) for loc in LOCATIONS
        ],
        custom_fields=[
            CustomField(
                id=CUSTOM_FIELD_IDS["customJobLevel"],
                alias="customJobLevel",
                name="Job Level",
                type="list",
            ),
            CustomField(
                id=CUSTOM_FIELD_IDS["customCostCenter"],
                alias="customCostCenter",
                name="Cost Center",
                type="list",
            ),
            CustomField(
                id=CUSTOM_FIELD_IDS["customLeaveReturnDate"],
                alias="customLeaveReturnDate",
                name="Leave Return Date",
                type="date",
            ),
        ],
        employment_statuses=list(EMPLOYMENT_STATUSES),
        termination_types=list(TERMINATION_TYPES),
        employees=records,
        okta_users=users,
        okta_groups=groups,
        expectations=expectations,
    )


# -- Pass 1-3: people before they get ids and names ------------------------------------------


@dataclass(eq=False)
class _Job:
    start: date
    dept: DepartmentSpec
    title: Title
    location: str
    sup: _Person | None


@dataclass(eq=False)
class _Termination:
    day: date
    type: str
    reason: str
    rehire: str


@dataclass(eq=False)
class _Person:
    index: int
    role: str  # ceo, exec, head, director, manager, ic
    dept: DepartmentSpec
    title: Title
    location: str
    sup: _Person | None
    status: str = FULL_TIME
    hire: date = date.min  # current hire date (the rehire date for a rehire)
    first_hire: date = date.min
    kind: str = "regular"  # regular, future_hire, terminated, rehire, leave, future_term
    reserved: bool = False  # the break-glass IT admin: kept plain on purpose
    recent: bool = False
    past_jobs: list[_Job] = field(default_factory=list)  # jobs before the current one
    current_start: date | None = None  # date of the current job row (after transfers)
    termination: _Termination | None = None
    earlier_termination: _Termination | None = None  # a rehire's first termination
    leave_start: date | None = None
    leave_status: str | None = None
    leave_return_row: date | None = None
    leave_return_field: date | None = None
    transfer_kind: str | None = None
    employee_id: str = ""
    employee_number: str = ""

    @property
    def depth(self) -> int:
        return _DEPTH[self.role]


def _sup_hire(person: _Person) -> date:
    assert person.sup is not None, "only the CEO has no supervisor"
    return person.sup.hire


def _share(n: int, fraction: float, minimum: int) -> int:
    """round(n * fraction), but at least `minimum` once the company has 100 people."""
    value = round(n * fraction)
    return max(minimum, value) if n >= 100 else value


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    sizes = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - sizes[i]), i))
    for i in order[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes


class _HrBuilder:
    def __init__(self, rng: random.Random, n: int, today: date) -> None:
        self.rng = rng
        self.n = n
        self.today = today
        self.founding = weekday_on_or_before(today - timedelta(days=COMPANY_AGE_DAYS))
        self.people: list[_Person] = []
        self.heads: dict[str, _Person] = {}

    # ---- helpers
    def _location(self) -> str:
        return self.rng.choices([loc.name for loc in LOCATIONS], [loc.weight for loc in LOCATIONS])[
            0
        ]

    def _ic_title(self, dept: DepartmentSpec) -> Title:
        return self.rng.choices(dept.ics, [t.weight for t in dept.ics])[0]

    def _add(
        self, role: str, dept: DepartmentSpec, title: Title, location: str, sup: _Person | None
    ) -> _Person:
        person = _Person(len(self.people), role, dept, title, location, sup)
        self.people.append(person)
        return person

    def _between(self, low: date, high: date) -> date:
        return weekday_between(self.rng, low, high)

    # ---- pass 1: org chart
    def _org_chart(self) -> None:
        n = self.n
        executive = DEPARTMENTS_BY_NAME[EXECUTIVE]
        ceo = self._add("ceo", executive, executive.head, HEADQUARTERS, None)
        exec_size = 1 if n < 20 else min(3 + n // 1000, n // 10)
        exec_titles = [executive.director, executive.manager]
        for i in range(exec_size - 1):
            title = exec_titles[i] if i < len(exec_titles) else executive.ics[0]
            self._add("exec", executive, title, HEADQUARTERS, ceo)
        others = [d for d in DEPARTMENTS if d.name != EXECUTIVE]
        sizes = _largest_remainder(n - exec_size, [d.weight for d in others])
        for dept, size in zip(others, sizes, strict=True):
            if size:
                self._department(dept, size, ceo)

    def _department(self, dept: DepartmentSpec, size: int, ceo: _Person) -> None:
        rng = self.rng
        head = self._add(
            "head", dept, dept.head, rng.choice(["New York, NY", "San Francisco, CA"]), ceo
        )
        self.heads[dept.name] = head
        rest = size - 1
        managers = max(1, round(rest / 8)) if rest >= 6 else 0
        directors = math.ceil(managers / 6) if managers > 6 else 0
        ics = rest - managers - directors
        director_people = [
            self._add("director", dept, dept.director, self._location(), head)
            for _ in range(directors)
        ]
        manager_people = [
            self._add(
                "manager",
                dept,
                dept.manager,
                self._location(),
                director_people[i % directors] if directors else head,
            )
            for i in range(managers)
        ]
        for i in range(ics):
            sup = manager_people[i % managers] if managers else head
            # Teams mostly sit with their manager.
            location = sup.location if rng.random() < 0.6 else self._location()
            title = self._ic_title(dept)
            if dept.name == "IT" and i == 0:
                title = next(t for t in dept.ics if t.name == IT_ADMIN_TITLE)
            person = self._add("ic", dept, title, location, sup)
            person.reserved = dept.name == "IT" and i == 0

    # ---- pass 2: hire dates, top-down so a supervisor is always hired first
    def _hire_dates(self) -> None:
        rng, today = self.rng, self.today
        for person in self.people:  # creation order is top-down
            sup = person.sup
            if person.role == "ceo":
                hire = self.founding
            elif person.role == "head":
                hire = self._between(self.founding, self.founding + timedelta(days=540))
            elif person.role == "exec":
                hire = self._between(
                    self.founding + timedelta(days=30), self.founding + timedelta(days=900)
                )
            else:
                assert sup is not None
                span = (today - sup.hire).days
                if person.role == "director":
                    hire = self._between(
                        sup.hire + timedelta(days=60), sup.hire + timedelta(days=max(61, span // 2))
                    )
                elif person.role == "manager":
                    hire = self._between(
                        sup.hire + timedelta(days=30),
                        sup.hire + timedelta(days=max(31, int(span * 0.7))),
                    )
                else:
                    # Growth company: more people joined recently than long ago.
                    offset = 1 + int((span - 1) * rng.random() ** 0.6)
                    start = sup.hire + timedelta(days=offset)
                    hire = self._between(start, min(start + timedelta(days=3), today))
            person.hire = person.first_hire = min(hire, today)

    # ---- pass 3: planted cases
    def _pick(
        self, pool: list[_Person], count: int, ok: Callable[[_Person], bool]
    ) -> list[_Person]:
        chosen: list[_Person] = []
        for person in list(pool):
            if len(chosen) >= count:
                break
            if ok(person):
                chosen.append(person)
                pool.remove(person)
        return chosen

    def _cases(self) -> None:
        rng, n, today = self.rng, self.n, self.today
        days = lambda k: timedelta(days=k)  # noqa: E731
        pool = [p for p in self.people if p.role == "ic" and not p.reserved]
        rng.shuffle(pool)

        # Future hires: some inside the 5-business-day pre-board window, some beyond it.
        count = _share(n, 0.05, 3) if n >= 20 else 0
        for i, person in enumerate(self._pick(pool, count, lambda p: _sup_hire(p) < today)):
            if i % 3 == 0:
                start = add_business_days(today, rng.randint(1, 5))
            else:
                start = self._between(add_business_days(today, 6), today + days(30))
            person.hire = person.first_hire = start
            person.kind = "future_hire"

        # Recent starters: material for missing accounts and pending activations.
        for person in self._pick(
            pool, _share(n, 0.03, 4), lambda p: _sup_hire(p) < today - days(30)
        ):
            person.hire = person.first_hire = self._between(today - days(21), today - days(1))
            person.recent = True

        # Employment statuses.
        def can_be_intern(p: _Person) -> bool:
            return _sup_hire(p) < today - days(60)

        for person in self._pick(pool, _share(n, 0.02, 2), can_be_intern):
            person.status = INTERN
            person.title = person.dept.intern
            person.hire = person.first_hire = self._between(
                max(_sup_hire(person) + days(1), today - days(240)), today - days(14)
            )
        contractors = self._pick(pool, _share(n, 0.08, 4), lambda p: p.dept.contractors)
        for person in contractors:
            person.status = CONTRACTOR
        part_timers = self._pick(pool, _share(n, 0.04, 2), lambda p: True)
        for person in part_timers:
            person.status = PART_TIME
        # Contractors and part-timers go back so some of them are terminated or transferred too.
        pool.extend(contractors + part_timers)
        rng.shuffle(pool)

        # Past terminations, the most recent few still holding an ACTIVE Okta account.
        terminated = self._pick(
            pool,
            _share(n, 0.08, 8) if n >= 20 else min(1, n // 10),
            lambda p: _sup_hire(p) < today - days(150),
        )
        recent_count = min(len(terminated), max(2, n // 200))
        for i, person in enumerate(terminated):
            if person.hire > today - days(90):
                person.hire = person.first_hire = self._between(
                    _sup_hire(person) + days(1), today - days(90)
                )
            if i < recent_count:
                day = self._between(today - days(20), today - days(1))
            else:
                day = self._between(person.hire + days(60), today - days(1))
            person.termination = self._termination(person, day)
            person.kind = "terminated"

        # One rehire: left years ago, came back in the last two weeks.
        if n >= 30:
            for person in self._pick(
                pool, 1, lambda p: p.status == FULL_TIME and _sup_hire(p) < today - days(1500)
            ):
                original = self._between(_sup_hire(person) + days(1), today - days(1100))
                person.first_hire = original
                person.earlier_termination = _Termination(
                    self._between(original + days(365), today - days(400)),
                    VOLUNTARY,
                    "Career Change",
                    "Yes",
                )
                person.hire = self._between(today - days(14), today - days(1))
                person.kind = "rehire"

        # Leaves: a return row, only the custom return-date field, or ending in termination.
        leave_count = _share(n, 0.03, 3)
        leave_kinds = [
            "return_row",
            "return_field",
            "ends_in_termination",
            "return_row",
            "return_field",
            "open_ended",
        ]
        for i, person in enumerate(
            self._pick(
                pool, leave_count, lambda p: p.status == FULL_TIME and p.hire < today - days(200)
            )
        ):
            person.kind = "leave"
            person.leave_status = PARENTAL_LEAVE if i % 2 else LEAVE_OF_ABSENCE
            person.leave_start = self._between(
                max(person.hire + days(120), today - days(120)), today - days(3)
            )
            kind = leave_kinds[i % len(leave_kinds)] if i < 3 or n >= 100 else "open_ended"
            if kind == "return_row":
                # BambooHR users record the return both ways; the simulator's start_leave too.
                person.leave_return_row = self._between(today + days(5), today + days(90))
                person.leave_return_field = person.leave_return_row
            elif kind == "return_field":
                person.leave_return_field = self._between(today + days(5), today + days(90))
            elif kind == "ends_in_termination":
                person.termination = _Termination(
                    self._between(today + days(5), today + days(40)),
                    VOLUNTARY,
                    "Career Change",
                    "Upon Review",
                )

        # Future-dated terminations of people still at work.
        for person in self._pick(
            pool,
            2 if n >= 50 else 0,
            lambda p: p.status in (FULL_TIME, CONTRACTOR) and p.hire < today - days(90),
        ):
            person.kind = "future_term"
            person.termination = self._termination(
                person, self._between(today + days(3), today + days(45))
            )

        # Transfers long ago: department moves, promotions, relocations.
        kinds = ["department", "promotion", "relocation", "department+promotion"]
        transfers = self._pick(
            pool,
            _share(n, 0.06, 4),
            lambda p: (
                p.status in (FULL_TIME, PART_TIME)
                and p.hire < today - days(3 * 365)
                and all(h.hire <= p.hire for h in self.heads.values())
            ),
        )
        for i, person in enumerate(transfers):
            self._transfer(person, kinds[i % len(kinds)])

    def _termination(self, person: _Person, day: date) -> _Termination:
        rng = self.rng
        if person.status == CONTRACTOR:
            kind = END_OF_CONTRACT
        else:
            kind = VOLUNTARY if rng.random() < 0.7 else INVOLUNTARY
        rehire = {
            VOLUNTARY: ("Yes", "Upon Review"),
            INVOLUNTARY: ("No", "Upon Review"),
            END_OF_CONTRACT: ("Yes",),
        }[kind]
        return _Termination(day, kind, rng.choice(TERMINATION_REASONS[kind]), rng.choice(rehire))

    def _transfer(self, person: _Person, kind: str) -> None:
        rng, today = self.rng, self.today
        days = lambda k: timedelta(days=k)  # noqa: E731
        dept, title = person.dept, person.title
        lower = [t for t in dept.ics if t.level < title.level]
        if "promotion" in kind and not lower:
            kind = kind.replace("promotion", "relocation") if kind == "promotion" else "department"
        if kind == "relocation":
            old_location = rng.choice(
                [loc.name for loc in LOCATIONS if loc.name != person.location]
            )
            start = self._between(person.hire + days(365), today - days(60))
            person.past_jobs = [_Job(person.hire, dept, title, old_location, person.sup)]
        elif kind == "promotion":
            start = self._between(person.hire + days(365), today - days(60))
            person.past_jobs = [
                _Job(person.hire, dept, rng.choice(lower), person.location, person.sup)
            ]
        else:
            candidates = [
                d
                for d in DEPARTMENTS
                if d.name not in (dept.name, EXECUTIVE) and d.name in self.heads
            ]
            same_division = [d for d in candidates if d.division == dept.division]
            old_dept = rng.choice(same_division or candidates)
            old_title = rng.choice(
                [t for t in old_dept.ics if t.level <= title.level] or list(old_dept.ics)
            )
            old_job = _Job(
                person.hire, old_dept, old_title, person.location, self.heads[old_dept.name]
            )
            if kind == "department+promotion" and lower:
                middle = self._between(
                    person.hire + days(300), person.hire + days((today - person.hire).days // 2)
                )
                start = self._between(middle + days(200), today - days(60))
                person.past_jobs = [
                    old_job,
                    _Job(middle, dept, rng.choice(lower), person.location, person.sup),
                ]
            else:
                kind = "department"
                start = self._between(person.hire + days(365), today - days(60))
                person.past_jobs = [old_job]
        person.current_start = start
        person.transfer_kind = kind

    def build(self) -> list[_Person]:
        self._org_chart()
        self._hire_dates()
        self._cases()
        # Number people in order of their first hire (supervisors first on the same day).
        ordered = sorted(self.people, key=lambda p: (p.first_hire, p.depth, p.index))
        next_id = FIRST_EMPLOYEE_ID
        for number, person in enumerate(ordered, start=1):
            person.employee_id = str(next_id)
            person.employee_number = f"E{number:04d}"
            # BambooHR ids have gaps (records deleted in the UI, imports); numbers do not.
            next_id += 1 if self.rng.random() < 0.9 else self.rng.randint(2, 4)
        return ordered


# -- From people to BambooHR records ---------------------------------------------------------

_MOBILE_AREAS = ("212", "415", "512", "646", "628", "737", "917", "332")


def _work_phone(rng: random.Random, location: str) -> str | None:
    # Fictional ranges only: NANP 555-01xx, Ofcom's London drama range, ACMA's 02 5550 range.
    if location == "London, UK":
        return f"+44 20 7946 0{rng.randint(0, 999):03d}"
    if location == "Sydney, Australia":
        return f"+61 2 5550 {rng.randint(0, 9999):04d}"
    if location == "Remote - US":
        return None
    area = {"San Francisco, CA": "415", "Austin, TX": "512"}.get(location, "212")
    return f"+1 {area}-555-01{rng.randint(0, 99):02d}"


def _to_employees(
    rng: random.Random, people: list[_Person], allocator: EmailAllocator, today: date
) -> list[Employee]:
    names = NameGenerator(rng)
    records: list[Employee] = []
    for person in people:
        first, last = names.person()
        preferred = names.preferred_name(first) if rng.random() < 0.12 else None
        if person.role == "ceo":
            allocator.reserve(CEO_LOGIN)
            work_email = CEO_LOGIN
        else:
            work_email = allocator.allocate(first, last)
        home_email = f"{first[0]}{last}{rng.randint(1, 99)}@{HOME_DOMAIN}".lower()
        mobile = f"+1 {rng.choice(_MOBILE_AREAS)}-555-01{rng.randint(0, 99):02d}"
        work_phone = None if person.status == CONTRACTOR else _work_phone(rng, person.location)
        status_rows = _status_rows(person)
        job_rows = _job_rows(person)
        record = Employee(
            id=person.employee_id,
            employeeNumber=person.employee_number,
            firstName=first,
            lastName=last,
            preferredName=preferred,
            displayName=f"{preferred or first} {last}",
            workEmail=work_email,
            homeEmail=home_email,
            mobilePhone=mobile if rng.random() < 0.9 else None,
            workPhone=work_phone,
            department="",
            division="",
            location="",
            jobTitle="",
            hireDate=person.hire,
            originalHireDate=person.first_hire if person.kind == "rehire" else None,
            status="Active",
            employmentHistoryStatus="",
            terminationDate=None,
            customJobLevel=f"L{person.title.level}",
            customCostCenter=person.dept.cost_center,
            customLeaveReturnDate=person.leave_return_field,
            employment_status=status_rows,
            job_info=job_rows,
        )
        job = record.job_on(today)
        record.department, record.division = job.department, job.division
        record.location, record.jobTitle = job.location, job.jobTitle
        record.supervisorEId = job.reportsTo
        in_effect = record.status_on(today)
        record.employmentHistoryStatus = in_effect.employmentStatus
        terminated = in_effect.employmentStatus == TERMINATED and in_effect.date <= today
        if terminated:
            record.terminationDate = in_effect.date
        record.status = "Inactive" if terminated or person.hire > today else "Active"
        records.append(record)
    return records


def _status_rows(person: _Person) -> list[EmploymentStatusRow]:
    def ended(term: _Termination) -> EmploymentStatusRow:
        return EmploymentStatusRow(
            date=term.day,
            employmentStatus=TERMINATED,
            terminationTypeId=term.type,
            terminationReasonId=term.reason,
            terminationRehireId=term.rehire,
        )

    rows = [EmploymentStatusRow(date=person.first_hire, employmentStatus=person.status)]
    if person.earlier_termination:
        rows.append(ended(person.earlier_termination))
        rows.append(EmploymentStatusRow(date=person.hire, employmentStatus=person.status))
    if person.leave_start and person.leave_status:
        rows.append(
            EmploymentStatusRow(date=person.leave_start, employmentStatus=person.leave_status)
        )
        if person.leave_return_row:
            rows.append(
                EmploymentStatusRow(
                    date=person.leave_return_row,
                    employmentStatus=person.status,
                    comment=RETURN_FROM_LEAVE,
                )
            )
    if person.termination:
        rows.append(ended(person.termination))
    return rows


def _job_rows(person: _Person) -> list[JobInfoRow]:
    def row(job: _Job) -> JobInfoRow:
        return JobInfoRow(
            date=job.start,
            location=job.location,
            division=job.dept.division,
            department=job.dept.name,
            jobTitle=job.title.name,
            reportsTo=job.sup.employee_id if job.sup else None,
        )

    current = _Job(
        person.current_start or person.first_hire,
        person.dept,
        person.title,
        person.location,
        person.sup,
    )
    rows = [row(job) for job in person.past_jobs]
    rows.append(row(current))
    if person.kind == "rehire":
        rows.append(row(_Job(person.hire, person.dept, person.title, person.location, person.sup)))
    return rows


# -- Facts the Okta side and the expectations need -------------------------------------------


def _ids(people: list[_Person]) -> list[str]:
    return sorted((p.employee_id for p in people), key=int)


def _hr_facts(people: list[_Person], records: list[Employee], today: date) -> HrFacts:
    by_kind: dict[str, list[_Person]] = {}
    for person in people:
        by_kind.setdefault(person.kind, []).append(person)
    current = [r for r in records if r.hireDate <= today and r.status == "Active"]
    current_ids = {r.id for r in current}
    leave = by_kind.get("leave", [])
    future_hires = by_kind.get("future_hire", [])
    supervisors = {r.supervisorEId for r in records if r.supervisorEId and r.status == "Active"}
    status_of = {r.id: r.employmentHistoryStatus for r in records}
    return HrFacts(
        ceo=next(p.employee_id for p in people if p.role == "ceo"),
        it_admin=next((p.employee_id for p in people if p.reserved), None),
        department_heads={p.dept.name: p.employee_id for p in people if p.role == "head"},
        managers=sorted(supervisors, key=int),
        current=sorted(current_ids, key=int),
        contractors=sorted((i for i in current_ids if status_of[i] == CONTRACTOR), key=int),
        interns=sorted((i for i in current_ids if status_of[i] == INTERN), key=int),
        part_time=sorted((i for i in current_ids if status_of[i] == PART_TIME), key=int),
        transferred=_ids([p for p in people if p.transfer_kind]),
        department_transfers=_ids([p for p in people if p.transfer_kind == "department"]),
        future_hires=_ids(future_hires),
        future_hires_within_5_business_days=_ids(
            [p for p in future_hires if business_days_between(today, p.hire) <= 5]
        ),
        on_leave=_ids(leave),
        leave_with_return_row=_ids([p for p in leave if p.leave_return_row]),
        leave_with_return_field=_ids(
            [p for p in leave if p.leave_return_field and not p.leave_return_row]
        ),
        leave_ending_in_termination=_ids([p for p in leave if p.termination]),
        terminated=_ids(by_kind.get("terminated", [])),
        future_terminations=_ids(
            [p for p in people if p.termination and p.termination.day > today]
        ),
        rehires=_ids(by_kind.get("rehire", [])),
        recent_hires=_ids([p for p in people if p.recent]),
        leave_starts={p.employee_id: p.leave_start for p in leave if p.leave_start},
    )
