"""The fictional company's fixed vocabulary: departments, titles, locations, statuses, groups.

These exact strings are shared with the example policy (`config/policy.yaml`), so a change
here is a change to what the policy must recognise.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- Departments and titles ------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    name: str
    level: int  # job level 1..8 (customJobLevel "L<n>")
    weight: int = 1  # relative frequency among a department's individual contributors


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    division: str
    cost_center: str
    weight: float  # share of the non-executive headcount
    head: Title
    director: Title
    manager: Title
    ics: tuple[Title, ...]
    intern: Title
    contractors: bool  # whether contractors are hired into this department


R_AND_D = "R&D"
GO_TO_MARKET = "Go-To-Market"
G_AND_A = "G&A"

DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        "Engineering",
        R_AND_D,
        "CC-1100",
        0.31,
        head=Title("VP of Engineering", 7),
        director=Title("Director of Engineering", 6),
        manager=Title("Engineering Manager", 5),
        ics=(
            Title("Associate Software Engineer", 2, 1),
            Title("Software Engineer", 3, 5),
            Title("Senior Software Engineer", 4, 4),
            Title("Staff Software Engineer", 5, 1),
            Title("Site Reliability Engineer", 3, 1),
            Title("QA Engineer", 3, 1),
            Title("Data Engineer", 3, 1),
        ),
        intern=Title("Software Engineering Intern", 1),
        contractors=True,
    ),
    DepartmentSpec(
        "Product",
        R_AND_D,
        "CC-1200",
        0.08,
        head=Title("VP of Product", 7),
        director=Title("Director of Product", 6),
        manager=Title("Group Product Manager", 5),
        ics=(
            Title("Associate Product Manager", 2, 1),
            Title("Product Manager", 3, 3),
            Title("Senior Product Manager", 4, 2),
            Title("Product Designer", 3, 2),
            Title("Senior Product Designer", 4, 1),
            Title("UX Researcher", 3, 1),
        ),
        intern=Title("Product Design Intern", 1),
        contractors=True,
    ),
    DepartmentSpec(
        "Sales",
        GO_TO_MARKET,
        "CC-2100",
        0.18,
        head=Title("VP of Sales", 7),
        director=Title("Director of Sales", 6),
        manager=Title("Sales Manager", 5),
        ics=(
            Title("Sales Development Representative", 2, 3),
            Title("Account Executive", 3, 4),
            Title("Senior Account Executive", 4, 2),
            Title("Sales Engineer", 4, 1),
            Title("Sales Operations Analyst", 3, 1),
        ),
        intern=Title("Sales Intern", 1),
        contractors=False,
    ),
    DepartmentSpec(
        "Marketing",
        GO_TO_MARKET,
        "CC-2200",
        0.08,
        head=Title("VP of Marketing", 7),
        director=Title("Director of Marketing", 6),
        manager=Title("Marketing Manager", 5),
        ics=(
            Title("Marketing Coordinator", 2, 2),
            Title("Marketing Specialist", 3, 2),
            Title("Content Strategist", 3, 1),
            Title("Product Marketing Manager", 4, 1),
            Title("Senior Marketing Specialist", 4, 1),
        ),
        intern=Title("Marketing Intern", 1),
        contractors=True,
    ),
    DepartmentSpec(
        "Customer Success",
        GO_TO_MARKET,
        "CC-2300",
        0.13,
        head=Title("VP of Customer Success", 7),
        director=Title("Director of Customer Success", 6),
        manager=Title("Customer Success Team Lead", 5),
        ics=(
            Title("Customer Support Specialist", 2, 3),
            Title("Customer Success Manager", 3, 3),
            Title("Senior Customer Success Manager", 4, 1),
            Title("Implementation Consultant", 3, 1),
            Title("Technical Support Engineer", 3, 1),
        ),
        intern=Title("Customer Support Intern", 1),
        contractors=True,
    ),
    DepartmentSpec(
        "Finance",
        G_AND_A,
        "CC-3100",
        0.05,
        head=Title("VP of Finance", 7),
        director=Title("Director of Finance", 6),
        manager=Title("Controller", 5),
        ics=(
            Title("Accounts Payable Specialist", 2, 1),
            Title("Accountant", 3, 2),
            Title("Senior Accountant", 4, 1),
            Title("Financial Analyst", 3, 2),
            Title("Payroll Specialist", 3, 1),
        ),
        intern=Title("Finance Intern", 1),
        contractors=False,
    ),
    DepartmentSpec(
        "People",
        G_AND_A,
        "CC-3200",
        0.06,
        head=Title("VP of People", 7),
        director=Title("Director of People Operations", 6),
        manager=Title("Talent Acquisition Manager", 5),
        ics=(
            Title("People Operations Coordinator", 2, 1),
            Title("People Operations Specialist", 3, 2),
            Title("Recruiter", 3, 2),
            Title("Senior Recruiter", 4, 1),
            Title("HR Business Partner", 4, 1),
        ),
        intern=Title("Recruiting Intern", 1),
        contractors=False,
    ),
    DepartmentSpec(
        "IT",
        G_AND_A,
        "CC-3300",
        0.06,
        head=Title("Head of IT", 7),
        director=Title("Director of IT Operations", 6),
        manager=Title("IT Manager", 5),
        ics=(
            Title("IT Support Specialist", 2, 3),
            Title("IT Administrator", 3, 2),
            Title("Systems Engineer", 4, 1),
            Title("Security Engineer", 4, 1),
        ),
        intern=Title("IT Intern", 1),
        contractors=True,
    ),
    DepartmentSpec(
        "Executive",
        G_AND_A,
        "CC-3900",
        0.0,  # sized separately: a handful of people
        head=Title("Chief Executive Officer", 8),
        director=Title("Chief Operating Officer", 7),
        manager=Title("Chief of Staff", 6),
        ics=(Title("Executive Assistant", 3, 1),),
        intern=Title("Executive Assistant", 3),
        contractors=False,
    ),
)
DEPARTMENTS_BY_NAME = {d.name: d for d in DEPARTMENTS}
EXECUTIVE = "Executive"
CEO_TITLE = "Chief Executive Officer"
CEO_LOGIN = "ceo@acme.example"
IT_ADMIN_TITLE = "IT Administrator"

# -- Locations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationSpec:
    name: str  # BambooHR location value
    group: str  # managed Okta group
    timezone: str  # IANA zone (the policy's config is authoritative; this is a hint)
    weight: float


LOCATIONS: tuple[LocationSpec, ...] = (
    LocationSpec("New York, NY", "Loc - New York", "America/New_York", 0.25),
    LocationSpec("San Francisco, CA", "Loc - San Francisco", "America/Los_Angeles", 0.22),
    LocationSpec("Austin, TX", "Loc - Austin", "America/Chicago", 0.14),
    LocationSpec("London, UK", "Loc - London", "Europe/London", 0.11),
    LocationSpec("Berlin, Germany", "Loc - Berlin", "Europe/Berlin", 0.08),
    LocationSpec("Sydney, Australia", "Loc - Sydney", "Australia/Sydney", 0.06),
    LocationSpec("Remote - US", "Loc - Remote US", "America/Denver", 0.14),
)
LOCATIONS_BY_NAME = {loc.name: loc for loc in LOCATIONS}
HEADQUARTERS = "New York, NY"

# -- Employment statuses ---------------------------------------------------------------------

FULL_TIME = "Full-Time"
PART_TIME = "Part-Time"
CONTRACTOR = "Contractor"
INTERN = "Intern"
ACTIVE_STATUSES = (FULL_TIME, PART_TIME, CONTRACTOR, INTERN)
LEAVE_OF_ABSENCE = "Leave of Absence"
PARENTAL_LEAVE = "Parental Leave"
LEAVE_STATUSES = (LEAVE_OF_ABSENCE, PARENTAL_LEAVE)
TERMINATED = "Terminated"
EMPLOYMENT_STATUSES = (*ACTIVE_STATUSES, *LEAVE_STATUSES, TERMINATED)
RETURN_FROM_LEAVE = "Return from leave"  # comment on a scheduled return row (as the sim writes)

VOLUNTARY = "Voluntary"
INVOLUNTARY = "Involuntary"
END_OF_CONTRACT = "End of Contract"
TERMINATION_TYPES = (VOLUNTARY, INVOLUNTARY, END_OF_CONTRACT)
TERMINATION_REASONS = {
    VOLUNTARY: ("Resignation", "Relocation", "Career Change", "Return to School"),
    INVOLUNTARY: ("Performance", "Position Eliminated", "Policy Violation"),
    END_OF_CONTRACT: ("Contract Ended",),
}
REHIRE_ELIGIBLE = ("Yes", "No", "Upon Review")

# -- Custom fields ---------------------------------------------------------------------------

JOB_LEVEL_FIELD = "customJobLevel"
COST_CENTER_FIELD = "customCostCenter"
LEAVE_RETURN_FIELD = "customLeaveReturnDate"
CUSTOM_FIELD_IDS = {JOB_LEVEL_FIELD: 4001, COST_CENTER_FIELD: 4002, LEAVE_RETURN_FIELD: 4003}

# -- Okta groups -----------------------------------------------------------------------------

ALL_EMPLOYEES = "All Employees"
ALL_CONTRACTORS = "All Contractors"
ENGINEERING_MANAGERS = "Engineering Managers"
VPN_USERS = "VPN Users"
GITHUB_USERS = "GitHub Users"
SALESFORCE_USERS = "Salesforce Users"
OKTA_ADMINISTRATORS = "Okta Administrators"
IT_BREAK_GLASS = "IT Break Glass"
LEGACY_CRM = "App - Legacy CRM"


def department_group(department: str) -> str:
    return f"Dept - {department}"


MANAGED_GROUPS: tuple[str, ...] = (
    ALL_EMPLOYEES,
    ALL_CONTRACTORS,
    *(department_group(d.name) for d in DEPARTMENTS),
    *(loc.group for loc in LOCATIONS),
    ENGINEERING_MANAGERS,
    VPN_USERS,
    GITHUB_USERS,
    SALESFORCE_USERS,
)
UNMANAGED_GROUPS: tuple[str, ...] = (OKTA_ADMINISTRATORS, IT_BREAK_GLASS, LEGACY_CRM)
APP_GROUPS = frozenset({LEGACY_CRM})

# The seed's reading of the example policy's group rules (see `groups.managed_groups_for`).
GITHUB_DEPARTMENTS = frozenset({"Engineering", "Product"})
SALESFORCE_DEPARTMENTS = frozenset({"Sales", "Customer Success"})
ENGINEERING_MANAGER_DEPARTMENT = "Engineering"
ENGINEERING_MANAGER_TITLE_WORD = "manager"  # the policy's job_title "*Manager*"
LEAVE_REMOVED_GROUPS = frozenset({VPN_USERS})  # the policy's leave.remove_groups

GROUP_DESCRIPTIONS = {
    ALL_EMPLOYEES: "Every employee (full-time, part-time, interns)",
    ALL_CONTRACTORS: "Every contractor",
    ENGINEERING_MANAGERS: "Engineering people managers",
    VPN_USERS: "Corporate VPN access (everyone but contractors; removed during leave)",
    GITHUB_USERS: "GitHub organisation members",
    SALESFORCE_USERS: "Salesforce licences",
    OKTA_ADMINISTRATORS: "Okta super administrators (not managed by lifecycle automation)",
    IT_BREAK_GLASS: "Emergency access accounts: never suspended or deactivated by automation",
    LEGACY_CRM: "Imported from the legacy CRM application",
}
