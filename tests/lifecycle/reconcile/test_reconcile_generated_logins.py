"""Generated logins (identity.generate_login) in the comparison: each employee is planned
with the login claimed for them, as their workflow plans, so an account carrying a
generated login is neither missing while HR's work email is empty nor login drift once HR
types another address under `keep_login`; under `rename_login` the rename is a change."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from reconcile_seed_data import AS_OF, example_policy

from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig, build_plan
from lifecycle.policy.config import GenerateLoginConfig
from lifecycle.reconcile import (
    FindingKind,
    ItemAction,
    OktaAccountView,
    ReconcilePlan,
    compare,
    select,
)

LOGIN = "zoe.bronte@acme.example"
TYPED = "zoe@acme.example"


def generating(
    on_change: Literal["keep_login", "rename_login"] = "keep_login",
) -> PolicyConfig:
    policy = example_policy()
    identity = policy.identity.model_copy(
        update={
            "generate_login": GenerateLoginConfig(
                template="{preferredName|firstName}.{lastName}@acme.example"
            ),
            "on_hr_email_change": on_change,
        }
    )
    return policy.model_copy(update={"identity": identity})


def hire(work_email: str | None = None, **fields: Any) -> HrSnapshot:
    return HrSnapshot.model_validate(
        {
            "id": "41",
            "employeeNumber": "E41",
            "firstName": "Zoë",
            "lastName": "Brontë",
            "workEmail": work_email,
            "department": "Engineering",
            "division": "R&D",
            "location": "New York, NY",
            "jobTitle": "Software Engineer",
            "employmentHistoryStatus": "Full-Time",
            "hireDate": "2024-01-08",
            "employment_status_rows": [{"date": "2024-01-08", "employmentStatus": "Full-Time"}],
            "custom": {"customJobLevel": "L3", "customCostCenter": "CC-1100"},
            "fetched_at": AS_OF,
            **fields,
        }
    )


def created_account(policy: PolicyConfig, **drop: bool) -> OktaAccountView:
    """The account the employee workflow created: planned with the generated login while
    BambooHR's work email was empty (`drop`: profile attributes left out)."""
    desired = build_plan(hire(), policy, generated_login=LOGIN).desired_at(AS_OF)
    profile = {k: v for k, v in desired.profile.items() if v is not None and k not in drop}
    return OktaAccountView(
        user_id="u41", status="ACTIVE", profile=profile, groups=list(desired.groups)
    )


def run(
    policy: PolicyConfig, snapshot: HrSnapshot, account: OktaAccountView, claims: bool = True
) -> ReconcilePlan:
    return compare(
        [snapshot],
        [account],
        policy,
        AS_OF,
        okta_groups=policy.managed_groups,
        login_claims={"41": LOGIN} if claims else None,
    )


def test_an_account_with_the_generated_login_is_in_step_while_hr_has_no_work_email() -> None:
    policy = generating()
    account = created_account(policy)
    assert account.login == LOGIN and account.profile["bambooHrId"] == "41"

    plan = run(policy, hire(), account)
    item = plan.item("41")
    assert item is not None
    assert (item.action, item.review, item.login) == (ItemAction.LINK, None, LOGIN)
    assert not item.changes
    assert plan.findings == []
    assert select(plan, "drift") == []

    # Without the claim the comparison saw no login at all for the employee.
    before = run(policy, hire(), account, claims=False).item("41")
    assert before is not None and before.login is None


def test_after_hr_types_another_email_keep_login_changes_only_the_email() -> None:
    policy = generating("keep_login")
    plan = run(policy, hire(TYPED), created_account(policy))
    item = plan.item("41")
    assert item is not None and item.action is ItemAction.LINK
    assert item.login == LOGIN
    assert {k: (d.before, d.after) for k, d in item.profile.items()} == {"email": (LOGIN, TYPED)}

    # Once Okta's email is HR's address too, nothing differs: no nightly drift.
    account = created_account(policy)
    account.profile["email"] = TYPED
    plan = run(policy, hire(TYPED), account)
    assert not plan.employees[0].changes
    assert select(plan, "drift") == []


def test_after_hr_types_another_email_rename_login_reports_the_login() -> None:
    policy = generating("rename_login")
    plan = run(policy, hire(TYPED), created_account(policy))
    item = plan.item("41")
    assert item is not None and item.action is ItemAction.LINK
    assert item.profile["login"].before == LOGIN and item.profile["login"].after == TYPED
    assert item.profile["email"].after == TYPED
    assert [d.employee_id for d in select(plan, "drift")] == ["41"]


@pytest.mark.parametrize("work_email", [None, TYPED], ids=["no-work-email", "typed-later"])
def test_first_run_matching_looks_for_the_claimed_login(work_email: str | None) -> None:
    # An account carrying the claimed login but no identity attribute (made before the
    # lifecycle ran, or the attribute cleared): HR has no address, or one that no longer
    # points at it.
    policy = generating("rename_login")
    account = created_account(policy, bambooHrId=True, employeeNumber=True)
    plan = run(policy, hire(work_email), account)
    item = plan.item("41")
    assert item is not None
    # Only a login ties it to the employee: a person confirms, nothing is created beside it.
    assert item.action is ItemAction.REVIEW
    [finding] = plan.findings_of(FindingKind.EMAIL_ONLY_MATCH)
    assert finding.okta_user_id == "u41" and finding.employee_ids == ["41"]
    assert plan.findings_of(FindingKind.ORPHANED_ACCOUNT) == []

    without = run(policy, hire(work_email), account, claims=False)
    assert without.employees[0].action is ItemAction.CREATE


def test_claims_count_only_while_the_policy_generates_logins() -> None:
    policy = example_policy()
    assert policy.identity.generate_login is None
    account = created_account(generating())
    plan = run(policy, hire(), account)
    # As the workflow plans it: no work email, no generated login -> review.
    assert plan.employees[0].action is ItemAction.REVIEW
