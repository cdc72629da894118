"""Test data for the BambooHR simulator tests: the start instant and a small company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from simulators.bamboohr import BambooHRStore

START = datetime(2025, 3, 3, 12, 0, 0, tzinfo=UTC)  # a Monday
# Webhook redelivery delays in sim seconds (tests advance the clock past them).
RETRY_SCHEDULE = [60.0, 120.0, 240.0]


@dataclass
class Company:
    ceo: str
    manager: str
    dev: str


def seed_company(store: BambooHRStore) -> Company:
    """Three people hired in the past: a CEO, an engineering manager, a developer."""
    ceo = store.hire(
        "Grace",
        "Hopper",
        "grace.hopper@acme.test",
        department="Executive",
        division="Corporate",
        location="Berlin",
        job_title="CEO",
        hire_date="2019-01-07",
    )
    manager = store.hire(
        "Alan",
        "Turing",
        "alan.turing@acme.test",
        department="Engineering",
        division="R&D",
        location="Berlin",
        job_title="Engineering Manager",
        supervisor_id=ceo,
        hire_date="2020-02-03",
        fields={"customJobLevel": "M2", "customCostCenter": "CC-100"},
    )
    dev = store.hire(
        "Ada",
        "Lovelace",
        "ada.lovelace@acme.test",
        department="Engineering",
        division="R&D",
        location="London",
        job_title="Software Engineer",
        supervisor_id=manager,
        hire_date="2021-06-01",
        preferred_name="Addie",
        fields={"customJobLevel": "IC3"},
    )
    return Company(ceo=ceo, manager=manager, dev=dev)
