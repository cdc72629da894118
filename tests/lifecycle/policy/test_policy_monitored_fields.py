"""The BambooHR webhook watches what the policy uses, derived from the policy: a newcomer's
change (sync the home e-mail and a shift field, a group for the night shift) is a
policy-only change."""

from __future__ import annotations

from pathlib import Path

from lifecycle.policy import load_policy, monitored_fields, parse_policy

POLICY = Path(__file__).resolve().parents[3] / "config" / "policy.yaml"


def test_the_shipped_policy_is_monitored_whole() -> None:
    fields = monitored_fields(load_policy(POLICY))
    # The lifecycle's own fields, whatever the policy maps.
    for name in ("employmentHistoryStatus", "hireDate", "terminationDate", "workEmail"):
        assert name in fields
    # Fields only the policy names: a custom field mapped to Okta, and group rule fields.
    assert {"customCostCenter", "customJobLevel", "department", "jobTitle"} <= set(fields)
    assert len(fields) == len(set(fields))


def test_a_field_and_a_group_added_to_the_policy_are_monitored_without_code() -> None:
    text = POLICY.read_text()
    before = monitored_fields(parse_policy(text, "policy.yaml"))
    assert "homeEmail" not in before and "customShift" not in before
    text = text.replace(
        "profile:\n  email: workEmail\n",
        "profile:\n  email: workEmail\n  secondEmail: homeEmail\n",
    ).replace(
        "groups:\n",
        "groups:\n  - {name: Night Shift, match: {job_title: '*Night*'}}\n",
    )
    text = text.replace(
        "  employeeNumber: employeeNumber\n",
        "  employeeNumber: employeeNumber\n  nickName: customShift\n",
        1,
    )
    after = monitored_fields(parse_policy(text, "policy.yaml"))
    assert "homeEmail" in after and "customShift" in after
    assert set(before) <= set(after)
