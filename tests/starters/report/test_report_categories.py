"""`lifecycle report` on a seeded company after a scripted day: every category lists exactly
the cases the seed planted, adjusted by what the day's events (handled by the employee
workflows) changed. JSON is checked in depth; CSV must say the same thing."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from report_company import Reported

FINDINGS = [
    "orphaned",
    "terminated-but-active",
    "on-leave-but-active",
    "missing-accounts",
    "group-misalignments",
    "attribute-drift",
    "needs-review",
]
INFO = ["pending-actions", "last-actions"]


def load(reported: Reported) -> dict[str, Any]:
    return json.loads(reported.files["json"].read_text())


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return sorted((r["employee_id"] for r in rows), key=lambda i: [int(x) for x in i.split(", ")])


def test_every_category_is_present_with_counts(reported: Reported) -> None:
    data = load(reported)
    assert list(data["categories"]) == FINDINGS + INFO
    for cid, category in data["categories"].items():
        assert category["available"] is True, cid
        assert category["count"] == len(category["rows"]) == data["summary"][cid]
    assert data["totals"]["hr_records"] == len(reported.company.employees) + 1  # + the hire
    assert data["notes"] == []


def test_account_findings_are_exactly_the_planted_cases(reported: Reported) -> None:
    e, day = reported.company.expectations, reported.day
    cats = load(reported)["categories"]

    orphaned = sorted(r["login"] for r in cats["orphaned"]["rows"])
    assert orphaned == sorted([*e.orphaned, day.orphan])
    assert all(r["okta_status"] == "ACTIVE" for r in cats["orphaned"]["rows"])

    # The workflow deactivated the one the poller delivered; the unnoticed one (terminated
    # two days ago, nobody told the workflow) is caught here.
    want = sorted(
        (set(e.terminated_but_active) - {day.caught_up}) | {day.terminated_unnoticed}, key=int
    )
    assert ids(cats["terminated-but-active"]["rows"]) == want
    unnoticed = next(
        r
        for r in cats["terminated-but-active"]["rows"]
        if r["employee_id"] == day.terminated_unnoticed
    )
    assert unnoticed["when"] == (reported.today - timedelta(days=2)).isoformat()

    # The day's leave was suspended by its workflow; the seeded one still is not.
    assert ids(cats["on-leave-but-active"]["rows"]) == e.leave_not_suspended

    # The new hire got a STAGED account; the planted missing accounts are still missing.
    assert ids(cats["missing-accounts"]["rows"]) == e.missing_accounts


def test_groups_and_attributes_differ_exactly_where_planted(reported: Reported) -> None:
    e, day = reported.company.expectations, reported.day
    cats = load(reported)["categories"]

    # The transfer was converged by its workflow: its stale groups and profile are gone.
    misaligned = {
        r["employee_id"]: (r["groups_extra"], r["groups_missing"])
        for r in cats["group-misalignments"]["rows"]
    }
    assert misaligned == {
        m.employee_id: (m.extra, m.missing)
        for m in e.misaligned_groups
        if m.employee_id != day.transfer
    }

    drift = {r["employee_id"]: r["attributes"] for r in cats["attribute-drift"]["rows"]}
    assert sorted(drift, key=int) == [i for i in e.stale_profiles if i != day.transfer]
    for employee_id, attributes in drift.items():
        emp = reported.company.employee(employee_id)
        before = emp.job_info[-2]
        assert attributes["department"] == {"before": before.department, "after": emp.department}
        assert attributes["title"] == {"before": before.jobTitle, "after": emp.jobTitle}

    review = cats["needs-review"]["rows"]
    assert Counter(r["action"] for r in review) == {
        "email only match": len(e.email_only),
        "ambiguous match": len(e.ambiguous),
    }
    assert {r["employee_id"] for r in review if r["action"] == "email only match"} == {
        m.employee_id for m in e.email_only
    }
    assert {r["login"] for r in review if r["action"] == "ambiguous match"} == {
        m.login for m in e.ambiguous
    }


def test_pending_actions_come_from_the_employee_workflows(reported: Reported) -> None:
    day = reported.day
    rows = load(reported)["categories"]["pending-actions"]["rows"]
    assert {r["employee_id"]: r["action"] for r in rows} == {
        day.hire: "ACTIVATE",
        day.leave: "LEAVE_RETURN",
        day.terminating_later: "TERMINATE",
    }
    by_id = {r["employee_id"]: r for r in rows}
    assert by_id[day.hire]["state"] == "STAGED"
    assert by_id[day.leave]["state"] == "ON_LEAVE"
    assert [r["when"] for r in rows] == sorted(r["when"] for r in rows)  # soonest first


async def test_last_actions_are_the_audit_stores(reported: Reported) -> None:
    day, audit = reported.day, reported.stack.audit
    rows = load(reported)["categories"]["last-actions"]["rows"]
    latest = audit.last_actions()
    assert {r["employee_id"]: r["action"] for r in rows} == {
        eid: rec.action for eid, rec in latest.items()
    }
    assert {r["employee_id"]: datetime.fromisoformat(r["when"]) for r in rows} == {
        eid: rec.at for eid, rec in latest.items()
    }
    # Every employee the day's events reached has a recorded Okta write.
    assert {day.hire, day.transfer, day.leave, day.terminated_now, day.caught_up} <= set(latest)
    assert latest[day.terminated_now].action.startswith("okta.")


def test_csv_says_the_same_as_json(reported: Reported) -> None:
    data = load(reported)
    with reported.files["csv"].open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert Counter(r["category"] for r in rows) == {
        cid: n for cid, n in data["summary"].items() if n
    }
    groups = {
        r["employee_id"]: (r["groups_extra"], r["groups_missing"])
        for r in rows
        if r["category"] == "group-misalignments"
    }
    assert groups == {
        r["employee_id"]: ("; ".join(r["groups_extra"]), "; ".join(r["groups_missing"]))
        for r in data["categories"]["group-misalignments"]["rows"]
    }
    drift = [r for r in rows if r["category"] == "attribute-drift"]
    assert all("department: " in r["attributes"] and " → " in r["attributes"] for r in drift)
