from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from conftest import TODAY, company_for
from seed_checks import check_all, check_hr, check_okta, empty_categories

from simulators.seed import Company, generate_company
from simulators.seed.describe import describe, summary_rows
from simulators.seed.vocabulary import (
    CONTRACTOR,
    DEPARTMENTS,
    FULL_TIME,
    LOCATIONS,
    MANAGED_GROUPS,
    TERMINATED,
)


def test_same_inputs_give_identical_json() -> None:
    one = generate_company(42, 200, today=TODAY).model_dump_json()
    two = generate_company(42, 200, today=TODAY).model_dump_json()
    assert one == two
    # And the JSON round-trips into an equal model.
    assert Company.model_validate_json(one).model_dump_json() == one


def test_different_seed_size_or_day_gives_a_different_company() -> None:
    base = company_for().model_dump_json()
    assert company_for(seed=43).model_dump_json() != base
    assert company_for(employees=201).model_dump_json() != base
    assert company_for(today=date(2026, 3, 11)).model_dump_json() != base
    names = {(e.firstName, e.lastName) for e in company_for().employees}
    other = {(e.firstName, e.lastName) for e in company_for(seed=43).employees}
    assert len(names & other) < 20


def test_generation_is_pure() -> None:
    import random

    random.seed(1)
    before = random.random()
    random.seed(1)
    generate_company(5, 120, today=TODAY)
    assert random.random() == before, "must not touch the global random state"


def test_default_company_holds_every_case(company: Company) -> None:
    check_all(company)
    assert empty_categories(company) == []
    json.loads(company.model_dump_json())  # JSON-serialisable


def test_default_company_shape(company: Company) -> None:
    exp = company.expectations
    n = len(company.employees)
    assert n == 200
    assert len(exp.future_hires) == 10  # ~5 %
    assert 5 <= len(exp.on_leave) <= 7  # ~3 %
    assert 14 <= len(exp.terminated) <= 18  # ~8 %
    assert len(exp.future_terminations) in (2, 3)
    assert len(exp.rehires) == 1
    assert len(exp.terminated_but_active) == 2
    assert 2 <= len(exp.orphaned) <= 3
    assert len(exp.ambiguous) == 1
    assert len(exp.email_only) >= 2
    statuses = Counter(e.employmentHistoryStatus for e in company.employees)
    assert statuses[FULL_TIME] > n / 2
    assert 0.05 <= statuses[CONTRACTOR] / n <= 0.10
    assert statuses[TERMINATED] == len(exp.terminated)
    departments = Counter(e.department for e in company.employees)
    assert set(departments) == {d.name for d in DEPARTMENTS}
    assert departments.most_common(1)[0][0] == "Engineering"
    assert departments["Executive"] <= 5
    assert {e.location for e in company.employees} == {loc.name for loc in LOCATIONS}
    titles = Counter(e.jobTitle for e in company.employees)
    for title in (
        "Software Engineer",
        "Senior Software Engineer",
        "Engineering Manager",
        "Account Executive",
        "IT Administrator",
        "Chief Executive Officer",
    ):
        assert titles[title] >= 1, title
    assert titles["Chief Executive Officer"] == 1
    assert {g.name for g in company.okta_groups if g.managed} == set(MANAGED_GROUPS)


def test_future_hires_straddle_the_preboard_window(company: Company) -> None:
    exp = company.expectations
    inside = set(exp.future_hires_within_5_business_days)
    assert inside and set(exp.future_hires) - inside


def test_transfers_include_department_moves(company: Company) -> None:
    by_id = company.employees_by_id()
    moves = [
        i
        for i in company.expectations.transferred
        if len({r.department for r in by_id[i].job_info}) > 1
    ]
    assert moves
    assert any(len(by_id[i].job_info) == 3 for i in company.expectations.transferred)


def test_describe_lists_every_category(company: Company) -> None:
    text = describe(company)
    assert "seed 42" in text and "ambiguous match" in text
    rows = {category.strip(): count for _, category, count in summary_rows(company)}
    assert rows["employee records"] == 200
    assert rows["orphaned accounts"] == len(company.expectations.orphaned)


@pytest.mark.parametrize("seed", [1, 7, 2024, 99999])
@pytest.mark.parametrize("employees", [100, 137, 500])
def test_invariants_hold_for_many_seeds_and_sizes(seed: int, employees: int) -> None:
    company = company_for(seed, employees)
    check_all(company)
    assert len(company.employees) == employees
    assert empty_categories(company) == []


@pytest.mark.parametrize("employees", [1, 2, 3, 5, 10, 20, 35, 50, 99])
def test_small_companies_stay_consistent(employees: int) -> None:
    company = company_for(3, employees)
    assert len(company.employees) == employees
    check_hr(company)
    check_okta(company)


@pytest.mark.parametrize("today", [date(2026, 3, 7), date(2026, 12, 31), date(2030, 2, 28)])
def test_any_day_works_including_weekends(today: date) -> None:
    check_all(company_for(11, 150, today))


def test_ten_thousand_employees() -> None:
    company = generate_company(42, 10_000, today=TODAY)
    assert len(company.employees) == 10_000
    assert empty_categories(company) == []
    emails = {e.workEmail.lower() for e in company.employees}
    assert len(emails) == 10_000
    exp = company.expectations
    assert 400 <= len(exp.future_hires) <= 600
    assert 700 <= len(exp.terminated) <= 900
    assert len(exp.orphaned) >= 10
    check_okta(company)
