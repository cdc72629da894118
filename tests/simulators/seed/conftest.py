from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from simulators.seed import Company, generate_company

TODAY = date(2026, 3, 4)  # a Wednesday


@cache
def company_for(seed: int = 42, employees: int = 200, today: date = TODAY) -> Company:
    """Generated once per argument set: the tests only read it (never mutate it)."""
    return generate_company(seed, employees, today=today)


@pytest.fixture(scope="session")
def company() -> Company:
    return company_for()
