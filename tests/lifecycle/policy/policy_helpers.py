"""Shared helpers for the policy tests: the shipped demo policy, a policy parser and an HR
snapshot factory. Plain module-level helpers rather than conftest fixtures, so no second
module named `conftest` competes with other test folders' `from conftest import ...`.

The people are generated placeholders (Tess Tester, Morgan Manager) at acme.example.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig, load_policy, parse_policy

REPO = Path(__file__).resolve().parents[3]
POLICY_PATH = REPO / "config" / "policy.yaml"

SnapshotFactory = Callable[..., HrSnapshot]


def _status_row(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        return spec
    row: dict[str, Any] = {"date": spec[0], "employmentStatus": spec[1]}
    if len(spec) > 2:
        row["terminationTypeId"] = spec[2]
    return row


def make_snapshot(
    *,
    status_rows: list[Any] | None = None,
    job_rows: list[dict[str, Any]] | None = None,
    fetched_at: datetime | str | None = datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    custom: dict[str, str | None] | None = None,
    **fields: Any,
) -> HrSnapshot:
    data: dict[str, Any] = {
        "id": "101",
        "employeeNumber": "E101",
        "firstName": "Tess",
        "lastName": "Tester",
        "workEmail": "tess.tester@acme.example",
        "mobilePhone": "+1 555 0101",
        "workPhone": "+1 555 0199",
        "department": "Engineering",
        "division": "R&D",
        "location": "New York, NY",
        "jobTitle": "Software Engineer",
        "employmentHistoryStatus": "Full-Time",
        "hireDate": "2026-03-16",
        "manager": {
            "id": "7",
            "employeeNumber": "E007",
            "displayName": "Morgan Manager",
            "workEmail": "morgan.manager@acme.example",
        },
        "custom": {"customJobLevel": "L3", "customCostCenter": "CC-1100"}
        if custom is None
        else custom,
        "fetched_at": fetched_at,
    }
    data.update(fields)
    if status_rows is None:
        status_rows = (
            [(data["hireDate"], data["employmentHistoryStatus"])] if data.get("hireDate") else []
        )
    data["employment_status_rows"] = [_status_row(r) for r in status_rows]
    data["job_info_rows"] = job_rows or []
    return HrSnapshot.model_validate(data)


demo: PolicyConfig = load_policy(POLICY_PATH)
"""The shipped config/policy.yaml."""

snap: SnapshotFactory = make_snapshot


def policy(text: str) -> PolicyConfig:
    return parse_policy(text, "test.yaml")
