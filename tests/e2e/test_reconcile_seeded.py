"""Reconciliation end to end on the generated company: both simulators over HTTP, the
production worker, Temporal's time-skipping server.

One story, in the order an operator lives it: look at the plan (nothing written), apply it
(every existing account adopted, none duplicated, review items untouched), then the daily
drift repair: a no-op when nothing drifted (list reads only, no write), and exactly one
write per drifted item after someone edited Okta by hand.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflows" / "reconcile"))

from reconcile_stack import SeededStack, seeded_stack

from activities.reconcile import deliveries_doc, plan_doc, report_doc
from lifecycle.reconcile import FindingKind, ItemAction, ReconcilePlan, SyncReport

EMPLOYEES = 100


def stored_plan(stack: SeededStack, plan_id: str) -> ReconcilePlan:
    doc = stack.audit.get_document(plan_doc(plan_id))
    assert doc is not None
    return ReconcilePlan.model_validate_json(doc.body)


def delivered_ids(stack: SeededStack, plan_id: str) -> list[str]:
    import json

    doc = stack.audit.get_document(deliveries_doc(plan_id))
    assert doc is not None
    return [d["employee_id"] for d in json.loads(doc.body)["deliveries"]]


def reads(stack: SeededStack) -> Counter[str]:
    return Counter(
        r.get("operation") or "?" for r in stack.okta.recorder.requests() if r["method"] == "GET"
    )


def pages(n: int, size: int) -> int:
    return max(1, -(-n // size))


def expected_reads(stack: SeededStack) -> Counter[str]:
    """The lower bound: every user page (200 a page), the group list, one member page per
    managed or protected group (1,000 a page)."""
    names = {*stack.policy.managed_groups, *stack.policy.protected.groups}
    store = stack.okta.store
    listed = [g for g in store.list_groups() if g["profile"]["name"] in names]
    return Counter(
        {
            "listUsers": pages(store.user_count(), 200),
            "listGroups": 1,
            "listGroupUsers": sum(
                pages(len(store.group_member_ids(g["id"])), 1000) for g in listed
            ),
        }
    )


def reset_counters(stack: SeededStack) -> None:
    stack.okta.recorder.reset_stats()
    stack.okta.recorder.clear_requests()


async def test_reconcile_adopts_the_company_then_repairs_exactly_the_drift(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> None:
    async with seeded_stack(time_skipping_env, tmp_path, task_queue, employees=EMPLOYEES) as stack:
        expected = stack.company.expectations
        seeded_users = {u["id"]: u for u in stack.users()}
        id_of = {u["profile"]["login"].lower(): uid for uid, u in seeded_users.items()}

        # --- 1. plan: the findings, and not a single write --------------------------------
        planned = await stack.run("plan")
        assert stack.writes() == 0
        assert planned.summary.deliveries == 0
        assert reads(stack) == expected_reads(stack)
        plan = stored_plan(stack, planned.summary.plan_id)
        links = [i for i in plan.employees if i.action is ItemAction.LINK]
        assert sorted((i.employee_id for i in links if i.linked_by_id), key=int) == expected.linked
        assert (
            sorted((i.employee_id for i in links if not i.linked_by_id), key=int)
            == expected.by_employee_number
        )
        assert sorted(
            (f.login, f.employee_ids[0]) for f in plan.findings_of(FindingKind.EMAIL_ONLY_MATCH)
        ) == sorted((m.login, m.employee_id) for m in expected.email_only)
        assert [f.login for f in plan.findings_of(FindingKind.AMBIGUOUS_MATCH)] == [
            m.login for m in expected.ambiguous
        ]
        assert sorted(f.login for f in plan.findings_of(FindingKind.ORPHANED_ACCOUNT)) == (
            expected.orphaned
        )
        assert sorted(f.login for f in plan.findings_of(FindingKind.SERVICE_ACCOUNT)) == (
            expected.service_accounts
        )
        terminated = plan.findings_of(FindingKind.TERMINATED_BUT_ACTIVE)
        assert sorted((e for f in terminated for e in f.employee_ids), key=int) == (
            expected.terminated_but_active
        )
        creates = {i.employee_id for i in plan.employees if i.action is ItemAction.CREATE}
        assert set(expected.missing_accounts) <= creates
        review = {i.employee_id for i in plan.employees if i.action is ItemAction.REVIEW}
        assert review == {m.employee_id for m in expected.email_only} | {
            e for m in expected.ambiguous for e in (m.employee_number_match, m.email_match)
        }

        # --- 2. apply: everyone adopted, nobody duplicated, review items untouched -------
        reset_counters(stack)
        applied = await stack.run("apply")
        assert not applied.summary.needs_approval
        handed = delivered_ids(stack, applied.summary.plan_id)
        assert review.isdisjoint(handed)
        await stack.settle(handed)

        users = stack.users()
        assert len(users) == len(seeded_users) + len(creates)
        by_hr_id = stack.accounts_by_hr_id()
        assert {e: len(a) for e, a in by_hr_id.items() if len(a) != 1} == {}
        for eid, login in expected.accounts.items():
            if eid in review:
                continue
            # The pre-existing account is the employee's, now carrying their id.
            assert [u["id"] for u in by_hr_id[eid]] == [id_of[login.lower()]], eid
        for eid in creates:
            assert len(by_hr_id[eid]) == 1 and by_hr_id[eid][0]["id"] not in seeded_users
        for eid in review:
            assert not await stack.has_workflow(eid)
        for match in expected.email_only:
            uid = id_of[match.login.lower()]
            assert stack.user(uid)["profile"] == seeded_users[uid]["profile"]
        for login in expected.orphaned + expected.service_accounts:
            assert stack.user(login)["status"] == "ACTIVE"
        for eid in expected.terminated_but_active:
            assert by_hr_id[eid][0]["status"] == "DEPROVISIONED"
        for eid in expected.leave_not_suspended:
            assert by_hr_id[eid][0]["status"] == "SUSPENDED"
        for misaligned in expected.misaligned_groups:
            if misaligned.employee_id in expected.leave_not_suspended:
                continue
            groups = stack.group_names(by_hr_id[misaligned.employee_id][0]["id"])
            assert set(misaligned.missing) <= groups and not set(misaligned.extra) & groups

        # --- 3. drift repair with nothing drifted: list reads only, no write -------------
        reset_counters(stack)
        quiet = await stack.run("drift")
        assert quiet.summary.deliveries == 0, quiet.summary
        assert quiet.report is not None and quiet.report.repaired_employees == 0
        assert stack.writes() == 0
        assert reads(stack) == expected_reads(stack)

        # --- 4. someone edits Okta by hand: 10 profiles, 5 group memberships -------------
        active = [
            i.employee_id
            for i in plan.employees
            if i.action is ItemAction.LINK
            and i.desired_status.value == "ACTIVE"
            and not i.protected
            and i.employee_id not in expected.leave_not_suspended
        ]
        edited, regrouped = active[:10], active[10:15]
        drifted: dict[str, Any] = {}
        for eid in edited:
            user = by_hr_id[eid][0]
            stack.okta.store.update_user(user["id"], {"title": "Chief Imagination Officer"})
            drifted[eid] = user["profile"]["title"]
        removed: dict[str, str] = {}
        for eid in regrouped:
            user_id = by_hr_id[eid][0]["id"]
            group = sorted(stack.group_names(user_id) & set(stack.policy.managed_groups))[0]
            stack.okta.store.remove_member(stack.group_id(group), user_id)
            removed[eid] = group

        reset_counters(stack)
        repaired = await stack.run("drift")
        assert repaired.summary.deliveries == 15
        assert sorted(delivered_ids(stack, repaired.summary.plan_id), key=int) == sorted(
            edited + regrouped, key=int
        )
        await stack.settle(edited + regrouped)

        writes = stack.write_requests()
        assert stack.writes() == 15
        profile_writes = [w for w in writes if w["method"] == "POST"]
        membership_writes = [w for w in writes if w["method"] == "PUT"]
        assert len(profile_writes) == 10 and len(membership_writes) == 5
        assert {w["path"].rsplit("/", 1)[-1] for w in profile_writes} == {
            by_hr_id[e][0]["id"] for e in edited
        }
        for eid in edited:
            assert stack.user(by_hr_id[eid][0]["id"])["profile"]["title"] == drifted[eid]
        for eid, group in removed.items():
            assert group in stack.group_names(by_hr_id[eid][0]["id"])
        # Reads: the listing, then per repaired employee only what its workflow re-reads.
        assert reads(stack)["listUsers"] == expected_reads(stack)["listUsers"]

        # The sync report says what was set right, per employee.
        assert repaired.report is not None
        assert repaired.report.repaired_employees == 15
        assert repaired.report.repaired_attributes == 10
        assert repaired.report.repaired_group_adds == 5
        doc = stack.audit.get_document(report_doc(repaired.summary.plan_id))
        assert doc is not None
        report = SyncReport.model_validate_json(doc.body)
        changes = {c.employee_id: c for c in report.changes}
        assert set(changes) == set(edited) | set(regrouped)
        for eid in edited:
            attr = changes[eid].attributes["title"]
            assert (attr.before, attr.after) == ("Chief Imagination Officer", drifted[eid])
        for eid, group in removed.items():
            assert changes[eid].groups_added == [group] and not changes[eid].attributes
        audited = stack.audit.query(action="reconcile.drift", employee_id="reconcile")
        assert [r.result for r in audited] == ["success", "success"]
