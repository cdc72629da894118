"""Dated actions with exact UTC instants (the demo policy: NY default zone, US holidays)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from policy_helpers import demo, policy, snap

from lifecycle.models import AccountStatus, ActionKind, LifecyclePlan
from lifecycle.policy import build_plan


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def timeline(plan: LifecyclePlan) -> list[tuple[str, datetime, AccountStatus]]:
    return [(a.key, a.at, a.account.status) for a in plan.actions]


def action(plan: LifecyclePlan, key: str):
    return next(a for a in plan.actions if a.key == key)


# --- hire --------------------------------------------------------------------------------


def test_hire_in_new_york() -> None:
    plan = build_plan(snap(hireDate="2026-03-16"), demo)
    assert plan.baseline.status is AccountStatus.NONE
    assert timeline(plan) == [
        ("PRE_BOARD:2026-03-16", utc(2026, 3, 9, 13), AccountStatus.STAGED),  # 09:00 EDT
        ("ACTIVATE:2026-03-16", utc(2026, 3, 16, 11), AccountStatus.ACTIVE),  # 07:00 EDT
    ]
    pre, act = plan.actions
    assert pre.kind is ActionKind.PRE_BOARD and pre.effective_date == date(2026, 3, 16)
    assert act.kind is ActionKind.ACTIVATE and not act.immediate
    assert pre.account.login == "tess.tester@acme.example"
    assert "All Employees" in pre.account.groups
    assert plan.desired_at(utc(2026, 3, 1)).status is AccountStatus.NONE
    assert plan.next_action(utc(2026, 3, 1)) == pre


def test_hire_across_the_dst_start() -> None:
    # Pre-board on Monday 2026-03-02 (EST, -5); start Monday 2026-03-09 (EDT, -4).
    plan = build_plan(snap(hireDate="2026-03-09", fetched_at=utc(2026, 2, 1)), demo)
    assert [(k, at) for k, at, _ in timeline(plan)] == [
        ("PRE_BOARD:2026-03-09", utc(2026, 3, 2, 14)),
        ("ACTIVATE:2026-03-09", utc(2026, 3, 9, 11)),
    ]


def test_hire_in_sydney_across_its_dst_end() -> None:
    # Sydney leaves daylight time on 2026-04-05: pre-board in AEDT (+11), start in AEST (+10).
    # Good Friday (04-03) is a New South Wales holiday: five business days back is Fri 03-27.
    plan = build_plan(snap(hireDate="2026-04-06", location="Sydney, Australia"), demo)
    assert plan.time_zone == "Australia/Sydney"
    assert [(k, at) for k, at, _ in timeline(plan)] == [
        ("PRE_BOARD:2026-04-06", utc(2026, 3, 26, 22)),  # Fri 03-27 09:00 AEDT
        ("ACTIVATE:2026-04-06", utc(2026, 4, 5, 21)),  # Mon 04-06 07:00 AEST
    ]


def test_pre_board_skips_weekends_and_holidays() -> None:
    # Tuesday after Memorial Day: Mon 05-25 is a holiday → 5 business days back is Mon 05-18.
    plan = build_plan(snap(hireDate="2026-05-26"), demo)
    assert plan.actions[0].at == utc(2026, 5, 18, 13)
    # Monday after Thanksgiving: Thu 11-26 and Fri 11-27 are holidays → Thu 11-19 (EST).
    plan = build_plan(snap(hireDate="2026-11-30"), demo)
    assert plan.actions[0].at == utc(2026, 11, 19, 14)
    assert plan.actions[0].note == "pre-board on 2026-11-19 for the start on 2026-11-30"


def test_a_london_hire_skips_uk_bank_holidays_not_thanksgiving() -> None:
    # Monday after Thanksgiving: New York skips Thu 11-26 and Fri 11-27 (above); London works
    # them, so five business days back is Monday 11-23, 09:00 GMT.
    plan = build_plan(snap(hireDate="2026-11-30", location="London, UK"), demo)
    assert plan.actions[0].at == utc(2026, 11, 23, 9)
    # Tuesday after Easter Monday: London skips Easter Monday (04-06) and Good Friday (04-03),
    # which New York works: Fri 03-27 (GMT) in London, Mon 03-30 (EDT) in New York.
    london = build_plan(snap(hireDate="2026-04-07", location="London, UK"), demo)
    assert london.actions[0].at == utc(2026, 3, 27, 9)
    new_york = build_plan(snap(hireDate="2026-04-07"), demo)
    assert new_york.actions[0].at == utc(2026, 3, 31, 13)


def test_pre_board_uses_the_job_starting_on_the_hire_date() -> None:
    snapshot = snap(
        department="Engineering",
        job_rows=[{"date": "2026-03-16", "department": "Sales", "location": "Austin, TX"}],
    )
    pre, act = build_plan(snapshot, demo).actions
    assert pre.account.profile["department"] == "Sales"
    assert pre.at == utc(2026, 3, 9, 14)  # 09:00 CDT: Austin's zone, from the job row
    assert "Salesforce Users" in act.account.groups


# --- termination -------------------------------------------------------------------------


def test_termination_at_the_end_of_the_day() -> None:
    rows = [("2026-03-16", "Full-Time"), ("2026-12-31", "Terminated", "Voluntary")]
    plan = build_plan(snap(status_rows=rows), demo)
    term = plan.actions[-1]
    assert (term.key, term.at, term.immediate) == (
        "TERMINATE:2026-12-31",
        utc(2027, 1, 1, 5),
        False,
    )
    assert term.account.status is AccountStatus.DEPROVISIONED
    assert term.account.groups == []
    # The profile is left as it was: nothing to rewrite on a deactivated user.
    assert term.account.profile == plan.actions[-2].account.profile
    assert plan.desired_at(utc(2027, 1, 1, 4, 59)).status is AccountStatus.ACTIVE
    assert plan.desired_at(utc(2027, 1, 1, 5)).status is AccountStatus.DEPROVISIONED


def test_termination_on_dst_days() -> None:
    rows = [("2026-03-16", "Full-Time"), ("2026-11-01", "Terminated")]
    assert build_plan(snap(status_rows=rows), demo).actions[-1].at == utc(2026, 11, 2, 5)
    rows = [("2026-01-05", "Full-Time"), ("2026-03-28", "Terminated")]
    london = build_plan(snap(status_rows=rows, location="London, UK"), demo)
    assert london.actions[-1].at == utc(2026, 3, 29, 0)  # GMT; BST starts at 01:00 that night


def test_termination_keeps_groups_when_configured() -> None:
    config = policy("termination: {remove_groups: false}\ngroups: [{name: Everyone}]\n")
    rows = [("2026-03-16", "Full-Time"), ("2026-06-30", "Terminated")]
    assert build_plan(snap(status_rows=rows), config).actions[-1].account.groups == ["Everyone"]


def test_immediate_termination_acts_when_seen() -> None:
    rows = [("2026-03-16", "Full-Time"), ("2026-06-10", "Terminated", "Involuntary")]
    seen = utc(2026, 6, 10, 15, 30)
    term = build_plan(snap(status_rows=rows, fetched_at=seen), demo).actions[-1]
    assert (term.key, term.kind, term.at, term.immediate) == (
        "TERMINATE:2026-06-10",
        ActionKind.TERMINATE,
        seen,
        True,
    )
    # Future-dated: from the start of its date. Seen after the fact: the normal instant.
    early = build_plan(snap(status_rows=rows, fetched_at=utc(2026, 6, 1)), demo).actions[-1]
    assert (early.at, early.immediate) == (utc(2026, 6, 10, 4), True)
    late = build_plan(snap(status_rows=rows, fetched_at=utc(2026, 7, 1)), demo).actions[-1]
    assert late.at == utc(2026, 6, 11, 4)


# --- rescind -----------------------------------------------------------------------------


def test_termination_dated_on_the_start_date_rescinds() -> None:
    rows = [("2026-03-16", "Full-Time"), ("2026-03-16", "Terminated")]
    plan = build_plan(snap(status_rows=rows), demo)
    assert timeline(plan) == [
        ("PRE_BOARD:2026-03-16", utc(2026, 3, 9, 13), AccountStatus.STAGED),
        ("RESCIND:2026-03-16", utc(2026, 3, 16, 4), AccountStatus.DEPROVISIONED),
    ]
    rescind = plan.actions[-1]
    assert rescind.kind is ActionKind.RESCIND and rescind.account.groups == []
    assert plan.review is None


def test_termination_entered_after_the_hire_and_dated_before_it_rescinds() -> None:
    rows = [
        {"id": "11", "date": "2026-03-16", "employmentStatus": "Full-Time"},
        {"id": "12", "date": "2026-03-12", "employmentStatus": "Terminated"},
    ]
    plan = build_plan(snap(status_rows=rows), demo)
    assert timeline(plan) == [
        ("PRE_BOARD:2026-03-16", utc(2026, 3, 9, 13), AccountStatus.STAGED),
        ("RESCIND:2026-03-12", utc(2026, 3, 12, 4), AccountStatus.DEPROVISIONED),
    ]
    assert plan.desired_at(utc(2026, 3, 20)).status is AccountStatus.DEPROVISIONED


def test_rescind_before_pre_board_never_stages() -> None:
    rows = [("2026-03-16", "Full-Time"), ("2026-03-05", "Terminated")]
    plan = build_plan(snap(status_rows=rows), demo)
    assert timeline(plan) == [
        ("RESCIND:2026-03-05", utc(2026, 3, 5, 5), AccountStatus.DEPROVISIONED),
    ]
    for month in (3, 4, 5):
        assert plan.desired_at(utc(2026, month, 20)).status is not AccountStatus.STAGED


def test_older_termination_row_does_not_cancel_a_later_entered_hire() -> None:
    rows = [
        {"id": "11", "date": "2026-03-12", "employmentStatus": "Terminated"},
        {"id": "12", "date": "2026-03-16", "employmentStatus": "Full-Time"},
    ]
    plan = build_plan(snap(status_rows=rows), demo)
    assert [a.kind for a in plan.actions] == [ActionKind.PRE_BOARD, ActionKind.ACTIVATE]


# --- rehire ------------------------------------------------------------------------------


def test_rehire_reuses_the_account() -> None:
    rows = [
        ("2024-02-01", "Full-Time"),
        ("2025-06-30", "Terminated", "Voluntary"),
        ("2026-04-01", "Contractor"),
    ]
    plan = build_plan(snap(status_rows=rows, hireDate="2026-04-01"), demo)
    assert timeline(plan) == [
        ("PRE_BOARD:2024-02-01", utc(2024, 1, 25, 14), AccountStatus.STAGED),
        ("ACTIVATE:2024-02-01", utc(2024, 2, 1, 12), AccountStatus.ACTIVE),
        ("TERMINATE:2025-06-30", utc(2025, 7, 1, 4), AccountStatus.DEPROVISIONED),
        ("REHIRE:2026-04-01", utc(2026, 4, 1, 11), AccountStatus.ACTIVE),
    ]
    rehire = plan.actions[-1]
    assert rehire.kind is ActionKind.REHIRE
    assert rehire.account.profile["userType"] == "Contractor"  # re-derived
    assert "All Contractors" in rehire.account.groups
    assert "VPN Users" not in rehire.account.groups
    assert plan.desired_at(utc(2026, 3, 1)).status is AccountStatus.DEPROVISIONED
    assert plan.desired_at(utc(2026, 4, 2)).status is AccountStatus.ACTIVE


def test_rehire_with_history_trimmed_starts_deprovisioned() -> None:
    snapshot = snap(
        hireDate="2026-04-01",
        originalHireDate="2021-05-03",
        status_rows=[("2026-04-01", "Full-Time")],
    )
    plan = build_plan(snapshot, demo)
    assert plan.baseline.status is AccountStatus.DEPROVISIONED
    assert timeline(plan) == [("REHIRE:2026-04-01", utc(2026, 4, 1, 11), AccountStatus.ACTIVE)]
    assert plan.desired_at(utc(2026, 3, 1)).status is AccountStatus.DEPROVISIONED


def test_old_termination_before_a_rehire_without_row_ids() -> None:
    # originalHireDate shows an earlier employment: the leading row is its end, not a rescind.
    snapshot = snap(
        hireDate="2026-04-01",
        originalHireDate="2021-05-03",
        status_rows=[("2024-12-31", "Terminated"), ("2026-04-01", "Full-Time")],
    )
    assert [a.key for a in build_plan(snapshot, demo).actions] == ["REHIRE:2026-04-01"]


# --- leave -------------------------------------------------------------------------------

LEAVE_ROWS = [("2026-03-16", "Full-Time"), ("2026-06-01", "Parental Leave")]


def test_leave_with_a_return_row() -> None:
    rows = [*LEAVE_ROWS, ("2026-09-01", "Full-Time")]
    plan = build_plan(snap(status_rows=rows), demo)
    before, start, back = plan.actions[1:]
    assert (start.key, start.at, start.account.status) == (
        "LEAVE_START:2026-06-01",
        utc(2026, 6, 1, 4),  # 00:00 EDT
        AccountStatus.SUSPENDED,
    )
    assert set(before.account.groups) - set(start.account.groups) == {"VPN Users"}
    assert start.account.profile["userType"] == "Employee"  # the status held before leave
    assert (back.key, back.kind, back.at, back.account.status) == (
        "LEAVE_RETURN:2026-09-01",
        ActionKind.LEAVE_RETURN,
        utc(2026, 9, 1, 11),  # 07:00 EDT
        AccountStatus.ACTIVE,
    )
    assert back.account.groups == before.account.groups  # re-granted


def test_leave_with_a_return_date_field() -> None:
    custom = {"customJobLevel": "L3", "customLeaveReturnDate": "2026-07-15"}
    plan = build_plan(snap(status_rows=LEAVE_ROWS, custom=custom), demo)
    back = plan.actions[-1]
    assert (back.key, back.at, back.account.status) == (
        "LEAVE_RETURN:2026-07-15",
        utc(2026, 7, 15, 11),
        AccountStatus.ACTIVE,
    )
    assert "VPN Users" in back.account.groups
    assert back.note == "return date from customLeaveReturnDate"


def test_return_date_field_by_numeric_id() -> None:
    config = policy("leave: {return_date_field: 4003}\ntime: {default_zone: Europe/Berlin}")
    rows = [("2026-03-16", "Full-Time"), ("2026-06-01", "Leave of Absence")]
    snapshot = snap(status_rows=rows, location=None, custom={"4003": "2026-07-15"})
    assert build_plan(snapshot, config).actions[-1].at == utc(2026, 7, 15, 5)  # 07:00 CEST


def test_return_date_field_outside_the_leave_is_ignored() -> None:
    for value in ("2026-05-01", "0000-00-00", "", "soon"):
        custom = {"customLeaveReturnDate": value}
        plan = build_plan(snap(status_rows=LEAVE_ROWS, custom=custom), demo)
        assert plan.actions[-1].kind is ActionKind.LEAVE_START
    # A return row earlier than the field wins; the field after it changes nothing.
    rows = [*LEAVE_ROWS, ("2026-08-01", "Full-Time")]
    custom = {"customLeaveReturnDate": "2026-09-01"}
    plan = build_plan(snap(status_rows=rows, custom=custom), demo)
    assert [a.key for a in plan.actions][-1] == "LEAVE_RETURN:2026-08-01"
    # The field inside the leave wins over a later row, which then changes nothing.
    custom = {"customLeaveReturnDate": "2026-07-15"}
    plan = build_plan(snap(status_rows=rows, custom=custom), demo)
    assert [a.key for a in plan.actions][-1] == "LEAVE_RETURN:2026-07-15"


def test_leave_from_the_first_day_holds_the_activation() -> None:
    rows = [
        ("2026-03-16", "Full-Time"),
        ("2026-03-16", "Leave of Absence"),
        ("2026-05-04", "Full-Time"),
    ]
    plan = build_plan(snap(status_rows=rows), demo)
    assert timeline(plan) == [
        ("PRE_BOARD:2026-03-16", utc(2026, 3, 9, 13), AccountStatus.STAGED),
        ("LEAVE_RETURN:2026-05-04", utc(2026, 5, 4, 11), AccountStatus.ACTIVE),
    ]


def test_leave_that_ends_in_termination() -> None:
    rows = [*LEAVE_ROWS, ("2026-08-31", "Terminated")]
    plan = build_plan(snap(status_rows=rows), demo)
    assert [a.kind for a in plan.actions][-2:] == [ActionKind.LEAVE_START, ActionKind.TERMINATE]
    assert plan.actions[-1].at == utc(2026, 9, 1, 4)
    assert plan.actions[-1].account.groups == []


# --- transfers ---------------------------------------------------------------------------


def test_job_row_transfer_to_another_city() -> None:
    jobs = [
        {"date": "2026-03-16", "department": "Engineering", "location": "New York, NY"},
        {"date": "2026-05-01", "department": "Engineering", "location": "New York, NY",
         "reportsTo": "Someone Else"},  # changes nothing Okta sees
        {"date": "2026-07-01", "department": "Product", "location": "London, UK"},
    ]  # fmt: skip
    plan = build_plan(snap(job_rows=jobs), demo)
    assert [a.key for a in plan.actions] == [
        "PRE_BOARD:2026-03-16",
        "ACTIVATE:2026-03-16",
        "TRANSFER:2026-07-01",
    ]
    move = plan.actions[-1]
    assert move.kind is ActionKind.TRANSFER
    assert move.at == utc(2026, 7, 1, 6)  # 07:00 BST, in the new location's zone
    assert move.account.status is AccountStatus.ACTIVE
    assert move.account.profile["department"] == "Product"
    assert move.account.profile["timezone"] == "Europe/London"
    assert "Dept - Product" in move.account.groups and "Loc - London" in move.account.groups
    assert "Dept - Engineering" not in move.account.groups


def test_status_change_between_active_statuses() -> None:
    rows = [("2026-03-16", "Contractor"), ("2026-09-01", "Full-Time"), ("2026-10-01", "Full-Time")]
    plan = build_plan(snap(status_rows=rows), demo)
    assert [a.key for a in plan.actions] == [
        "PRE_BOARD:2026-03-16",
        "ACTIVATE:2026-03-16",
        "TRANSFER:2026-09-01",
    ]
    convert = plan.actions[-1]
    assert convert.at == utc(2026, 9, 1, 11)
    assert convert.account.profile["userType"] == "Employee"
    assert "All Employees" in convert.account.groups
    assert "All Contractors" not in convert.account.groups


def test_transfer_during_leave_stays_suspended() -> None:
    jobs = [
        {"date": "2026-03-16", "department": "Engineering"},
        {"date": "2026-07-01", "department": "Sales"},
    ]
    plan = build_plan(snap(status_rows=LEAVE_ROWS, job_rows=jobs), demo)
    move = plan.actions[-1]
    assert (move.kind, move.account.status) == (ActionKind.TRANSFER, AccountStatus.SUSPENDED)
    assert "Dept - Sales" in move.account.groups
    assert "VPN Users" not in move.account.groups


def test_job_rows_after_termination_are_ignored() -> None:
    rows = [("2026-03-16", "Full-Time"), ("2026-06-30", "Terminated")]
    jobs = [
        {"date": "2026-03-16", "department": "Sales"},
        {"date": "2026-08-01", "department": "IT"},
    ]
    plan = build_plan(snap(status_rows=rows, job_rows=jobs), demo)
    assert plan.actions[-1].kind is ActionKind.TERMINATE


# --- snapshots without the employmentStatus table ----------------------------------------


def test_rows_synthesised_from_fields() -> None:
    hire = snap(status_rows=[], hireDate="2026-03-16")
    assert [a.key for a in build_plan(hire, demo).actions] == [
        "PRE_BOARD:2026-03-16",
        "ACTIVATE:2026-03-16",
    ]
    leaving = snap(status_rows=[], hireDate="2025-01-06", terminationDate="2026-09-30")
    assert build_plan(leaving, demo).actions[-1].key == "TERMINATE:2026-09-30"
    gone = snap(
        status_rows=[],
        hireDate="2025-01-06",
        employmentHistoryStatus="Terminated",
        terminationDate="2026-02-27",
    )
    assert timeline(build_plan(gone, demo))[-1] == (
        "TERMINATE:2026-02-27",
        utc(2026, 2, 28, 5),
        AccountStatus.DEPROVISIONED,
    )


def test_undated_status_is_anchored_on_last_changed() -> None:
    terminated = snap(
        status_rows=[],
        hireDate="2025-01-06",
        employmentHistoryStatus="Terminated",
        lastChanged="2026-02-20T15:00:00Z",
    )
    plan = build_plan(terminated, demo)
    term = plan.actions[-1]
    assert (term.key, term.at) == ("TERMINATE:2026-02-20", utc(2026, 2, 20, 5))
    assert "termination date missing" in (term.note or "")
    on_leave = snap(
        status_rows=[],
        hireDate="2025-01-06",
        employmentHistoryStatus="Leave of Absence",
        lastChanged="2026-02-20T15:00:00Z",
    )
    leave = build_plan(on_leave, demo).actions[-1]
    assert (leave.key, leave.at) == ("LEAVE_START:2026-02-20", utc(2026, 2, 20, 5))


def test_table_without_its_hire_row() -> None:
    snapshot = snap(hireDate="2025-01-06", status_rows=[("2026-06-30", "Terminated")])
    kinds = [a.kind for a in build_plan(snapshot, demo).actions]
    assert kinds == [ActionKind.PRE_BOARD, ActionKind.ACTIVATE, ActionKind.TERMINATE]


# --- keys and plan fields ----------------------------------------------------------------


def test_keys_are_stable_while_hr_facts_are() -> None:
    rows = [("2026-03-16", "Full-Time"), ("2026-12-31", "Terminated")]
    first = build_plan(snap(status_rows=rows, fetched_at=utc(2026, 3, 1)), demo)
    later = build_plan(snap(status_rows=rows, fetched_at=utc(2026, 5, 1), mobilePhone="+1"), demo)
    assert [a.key for a in first.actions] == [a.key for a in later.actions]
    assert [a.at for a in first.actions] == [a.at for a in later.actions]


def test_plan_fields() -> None:
    plan = build_plan(snap(lastChanged="2026-02-20T15:00:00Z"), demo)
    assert plan.employee_id == "101"
    assert plan.time_zone == "America/New_York"
    assert plan.last_changed == utc(2026, 2, 20, 15)
    assert plan.protected is False
    assert plan.protected_groups == ["IT Break Glass"]
    assert plan.deprovision_alert_after == 5
    unknown_place = build_plan(snap(location="Atlantis"), demo)
    assert unknown_place.time_zone == demo.time.default_zone


def test_an_unmapped_location_goes_to_review_or_uses_the_default_zone_as_the_policy_says() -> None:
    unknown_place = build_plan(snap(location="Atlantis"), demo)
    assert unknown_place.review is not None
    assert unknown_place.review.code == "UNKNOWN_LOCATION"
    assert "'Atlantis'" in unknown_place.review.message
    assert demo.time.default_zone in unknown_place.review.message
    lenient = demo.model_copy(
        update={"time": demo.time.model_copy(update={"unmapped_location": "default_zone"})}
    )
    assert build_plan(snap(location="Atlantis"), lenient).review is None
    assert build_plan(snap(location="new york, ny"), demo).review is None  # any case
    # A termination is never held by it: the account is still deactivated on time.
    rows = [("2026-01-05", "Full-Time"), ("2026-03-01", "Terminated")]
    seen = utc(2026, 3, 2, 12)
    leaving = build_plan(snap(status_rows=rows, location="Atlantis", fetched_at=seen), demo)
    assert leaving.review is None
    assert leaving.desired_at(seen).status is AccountStatus.DEPROVISIONED


def test_protected_login() -> None:
    plan = build_plan(snap(workEmail="CEO@acme.example", department="Executive"), demo)
    assert plan.protected is True
