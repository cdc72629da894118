"""Deterministic fictional company for the simulators: BambooHR records, a pre-existing Okta
population, and the reconciliation findings that population must produce.

    company = generate_company(seed=42, employees=200, today=date(2026, 3, 2))
    load_bamboohr(bamboohr_store, company); load_okta(okta_store, company)
    print(describe(company))

`company.expectations` lists every planted case (by employee id or Okta login) so tests can
assert exactly what a reconciliation must find.
"""

from simulators.seed.company import generate_company
from simulators.seed.describe import describe
from simulators.seed.groups import managed_groups_for
from simulators.seed.load import load_bamboohr, load_okta, seed_bamboohr, seed_okta
from simulators.seed.models import (
    AmbiguousMatch,
    Company,
    EmailOnlyMatch,
    Employee,
    EmploymentStatusRow,
    Expectations,
    JobInfoRow,
    MisalignedGroups,
    OktaGroup,
    OktaUser,
)

__all__ = [
    "AmbiguousMatch",
    "Company",
    "EmailOnlyMatch",
    "Employee",
    "EmploymentStatusRow",
    "Expectations",
    "JobInfoRow",
    "MisalignedGroups",
    "OktaGroup",
    "OktaUser",
    "describe",
    "generate_company",
    "load_bamboohr",
    "load_okta",
    "managed_groups_for",
    "seed_bamboohr",
    "seed_okta",
]
