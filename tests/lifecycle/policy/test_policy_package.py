from __future__ import annotations

import subprocess
import sys

from policy_helpers import demo, policy

import lifecycle.policy as policy_package
from lifecycle.policy import required_fields


def test_public_api() -> None:
    assert set(policy_package.__all__) == {
        "PolicyConfig",
        "PolicyError",
        "build_plan",
        "group_changes",
        "load_policy",
        "monitored_fields",
        "parse_policy",
        "profile_changes",
        "required_fields",
    }


def test_policy_imports_no_io_or_temporal() -> None:
    # The domain core stays pure: importing it must not pull in Temporal or HTTP clients.
    code = (
        "import sys, lifecycle.policy, lifecycle.calendar\n"
        "bad = [m for m in ('temporalio', 'httpx', 'sqlite3', 'psycopg') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_required_fields_of_the_demo_policy() -> None:
    fields = required_fields(demo)
    for name in ("workEmail", "customJobLevel", "customCostCenter", "customLeaveReturnDate"):
        assert name in fields
    for special in ("timeZone", "bambooHrId", "manager.displayName", "manager.employeeNumber"):
        assert special not in fields
    assert len(fields) == len(set(fields))


def test_required_fields_cover_templates_and_conditions() -> None:
    config = policy(
        """
identity: {login: "{4010|workEmail}"}
profile:
  a: "{preferredName|'x'} {lastName}"
  b:
    - when: {customRegion: EU, employmentHistoryStatus: Contractor}
      source: "4011"
    - value: other
leave: {return_date_field: customLeaveReturnDate}
"""
    )
    assert required_fields(config) == [
        "4010",
        "workEmail",
        "preferredName",
        "lastName",
        "4011",
        "customRegion",
        "employmentHistoryStatus",
        "customLeaveReturnDate",
    ]
