from __future__ import annotations

from datetime import UTC, datetime

import pytest
from policy_helpers import demo, policy, snap

from lifecycle.models import AccountStatus, ActionKind, HrSnapshot, ReviewCode
from lifecycle.policy import PolicyConfig, build_plan

TERMINATED = [("2025-01-06", "Full-Time"), ("2026-02-13", "Terminated", "Voluntary")]


def code(demo: PolicyConfig, snapshot: HrSnapshot) -> ReviewCode | None:
    plan = build_plan(snapshot, demo)
    return plan.review.code if plan.review else None


def test_clean_record_needs_no_review() -> None:
    assert build_plan(snap(), demo).review is None


def test_deleted_in_hr() -> None:
    plan = build_plan(snap(deleted=True), demo)
    assert plan.review is not None
    assert plan.review.code is ReviewCode.DELETED_IN_HR
    assert "deleted in BambooHR" in plan.review.message
    # Even for a terminated employee: a deletion always needs a person.
    assert code(demo, snap(deleted=True, status_rows=TERMINATED)) is ReviewCode.DELETED_IN_HR


@pytest.mark.parametrize("email", [None, "", "   "])
def test_no_work_email(email: str | None) -> None:
    plan = build_plan(snap(workEmail=email), demo)
    assert plan.review is not None
    assert plan.review.code is ReviewCode.NO_WORK_EMAIL
    assert plan.review.field == "workEmail"


@pytest.mark.parametrize(
    ("email", "field"),
    [
        ("tess.tester", "login"),
        ("tess tester@acme.example", "login"),
        ("tess..tester@acme.example", "login"),
        ("tess@acme", "login"),
        ("tess.tester@example.com", "login"),  # not an allowed domain
    ],
)
def test_invalid_email(email: str, field: str) -> None:
    plan = build_plan(snap(workEmail=email), demo)
    assert plan.review is not None
    assert plan.review.code is ReviewCode.INVALID_EMAIL
    assert plan.review.field == field


def test_allowed_domains_ignore_case_and_accept_globs() -> None:
    config = policy("identity: {email_domains: ['@acme.example', '*.acme.example']}")
    for email in ("t@ACME.example", "t@eu.acme.example"):
        assert build_plan(snap(workEmail=email), config).review is None
    assert build_plan(snap(workEmail="t@acme.example.evil"), config).review is not None


def test_unknown_department() -> None:
    plan = build_plan(snap(department="Robotics Lab"), demo)
    assert plan.review is not None
    assert plan.review.code is ReviewCode.UNKNOWN_DEPARTMENT
    assert plan.review.field == "department"
    assert code(demo, snap(department=None)) is ReviewCode.UNKNOWN_DEPARTMENT
    assert code(demo, snap(department="engineering")) is None  # case does not matter


def test_unknown_department_in_a_future_transfer() -> None:
    jobs = [
        {"date": "2026-03-16", "department": "Sales"},
        {"date": "2026-08-01", "department": "Skunkworks"},
    ]
    assert code(demo, snap(job_rows=jobs)) is ReviewCode.UNKNOWN_DEPARTMENT


def test_no_known_departments_list_means_any() -> None:
    assert build_plan(snap(department="Robotics Lab"), policy("")).review is None


def test_unknown_status() -> None:
    plan = build_plan(snap(status_rows=[("2026-03-16", "Seasonal")]), demo)
    assert plan.review is not None
    assert plan.review.code is ReviewCode.UNKNOWN_STATUS
    assert plan.review.field == "employmentHistoryStatus"
    assert plan.actions == []
    future = [("2026-03-16", "Full-Time"), ("2026-09-01", "Sabbatical")]
    assert code(demo, snap(status_rows=future)) is ReviewCode.UNKNOWN_STATUS
    no_table = snap(status_rows=[], employmentHistoryStatus="Seasonal")
    assert code(demo, no_table) is ReviewCode.UNKNOWN_STATUS


def test_unknown_status_in_the_past_does_not_matter() -> None:
    rows = [("2019-01-07", "Seasonal"), ("2020-01-06", "Full-Time")]
    assert code(demo, snap(status_rows=rows, hireDate="2020-01-06")) is None


def test_missing_date() -> None:
    plan = build_plan(snap(status_rows=[], hireDate=None), demo)
    assert plan.review is not None
    assert plan.review.code is ReviewCode.MISSING_DATE
    assert plan.actions == []
    assert plan.desired_at(datetime(2030, 1, 1, tzinfo=UTC)).status is AccountStatus.NONE


def test_most_fundamental_problem_first_others_mentioned() -> None:
    plan = build_plan(snap(workEmail=None, department="Robotics Lab", deleted=True), demo)
    assert plan.review is not None
    assert plan.review.code is ReviewCode.DELETED_IN_HR
    assert "(also: NO_WORK_EMAIL, UNKNOWN_DEPARTMENT)" in plan.review.message


def test_terminated_employee_with_bad_data_is_still_deprovisioned() -> None:
    snapshot = snap(
        status_rows=TERMINATED,
        workEmail=None,
        department="Robotics Lab",
        employmentHistoryStatus="Terminated",
    )
    plan = build_plan(snapshot, demo)
    assert plan.review is None
    term = plan.actions[-1]
    assert term.kind is ActionKind.TERMINATE
    assert term.account.status is AccountStatus.DEPROVISIONED
    assert term.at == datetime(2026, 2, 14, 5, tzinfo=UTC)
    assert plan.desired_at(snapshot.fetched_at).status is AccountStatus.DEPROVISIONED


def test_terminated_with_invalid_email_and_unknown_old_status() -> None:
    rows = [("2024-01-08", "Seasonal"), ("2025-01-06", "Full-Time"), ("2026-02-13", "Terminated")]
    plan = build_plan(snap(status_rows=rows, workEmail="not-an-email"), demo)
    assert plan.review is None
    assert plan.actions[-1].kind is ActionKind.TERMINATE


def test_withdrawn_hire_without_email_needs_no_review() -> None:
    rows = [("2026-03-16", "Full-Time"), ("2026-03-16", "Terminated")]
    plan = build_plan(snap(status_rows=rows, workEmail=None), demo)
    assert plan.review is None
    assert plan.actions[-1].kind is ActionKind.RESCIND


def test_review_still_lists_the_actions() -> None:
    # The reviewer sees what HR implies; the workflow holds while `review` is set.
    plan = build_plan(snap(workEmail=None), demo)
    assert [a.kind for a in plan.actions] == [ActionKind.PRE_BOARD, ActionKind.ACTIVATE]
    assert plan.actions[0].account.login is None


def test_login_without_an_email_still_needs_the_email() -> None:
    config = policy(
        'identity: {login: "{employeeNumber}@acme.example"}\nprofile: {email: workEmail}'
    )
    plan = build_plan(snap(workEmail=None), config)
    assert plan.review is not None
    assert plan.review.code is ReviewCode.NO_WORK_EMAIL
    assert plan.review.field == "workEmail"
    assert plan.actions[-1].account.login == "E101@acme.example"
