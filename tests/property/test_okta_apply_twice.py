"""Applying a plan's account to Okta twice: the second run writes nothing.

The real `update_okta_profile` and `sync_managed_groups` activities (through
`temporalio.testing.ActivityEnvironment`) against the Okta simulator, in-process over an
ASGI transport. The desired account comes from the policy for a random HR history; the Okta
account starts drifted (other profile values, some managed groups missing or extra, groups
and attributes nobody manages). After the first run Okta is exactly as the policy says (by
the policy's own diff, not only the activities'), unmanaged groups and attributes are as they
were, and the second run changes nothing: no write reaches Okta and no success is audited.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime
from typing import Any

import httpx
from hr_histories import HrHistory, actions, hires, starts
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lifecycle_harness import POLICY_PATH
from temporalio.testing import ActivityEnvironment

from activities.okta import OktaActivities
from contracts.activities import SyncManagedGroupsInput, UpdateOktaProfileInput
from integrations.audit import open_audit_store
from integrations.okta import OktaClient, RateLimitGovernor, SswsAuth
from lifecycle.models import AccountStatus, DesiredAccount
from lifecycle.policy import build_plan, load_policy, profile_changes
from lifecycle.settings import Mode
from simulators.okta.app import OktaSimulator

POLICY = load_policy(POLICY_PATH)
MANAGED = sorted(POLICY.managed_groups)
UNMANAGED = ["Okta Administrators", "IT Break Glass", "App - Zoom"]
TOKEN = "property-okta-token"
LIVE = {AccountStatus.STAGED, AccountStatus.ACTIVE, AccountStatus.SUSPENDED}
# Valid values an attribute may have drifted to (what Okta holds before the run).
DRIFT: dict[str, list[Any]] = {
    "title": ["Wizard", None],
    "department": ["Finance", "Legal"],
    "division": ["Corporate", None],
    "costCenter": ["CC-9999"],
    "city": ["Berlin", None],
    "countryCode": ["DE"],
    "timezone": ["Europe/Berlin"],
    "userType": ["Contractor", "Employee"],
    "jobLevel": ["Director", None],
    "mobilePhone": ["+49 30 1234", None],
    "employeeNumber": ["9999"],
    "displayName": ["Someone Else"],
}
_ids = itertools.count(1)

examples = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@examples
@given(
    start=starts,
    hire=hires,
    steps=st.lists(actions, max_size=4),
    pick=st.integers(min_value=0, max_value=20),
    drifted=st.dictionaries(st.sampled_from(sorted(DRIFT)), st.integers(0, 1), max_size=6),
    missing=st.sets(st.sampled_from(MANAGED)),
    extra=st.sets(st.sampled_from(MANAGED + UNMANAGED)),
)
async def test_second_run_writes_nothing(
    start: datetime,
    hire: dict[str, Any],
    steps: list[tuple[Any, ...]],
    pick: int,
    drifted: dict[str, int],
    missing: set[str],
    extra: set[str],
) -> None:
    desired = await _a_desired_account(start, hire, steps, pick)
    assume(desired is not None)
    assert desired is not None
    employee = str(next(_ids))

    sim = OktaSimulator(api_token=TOKEN)
    sim.store.add_schema_attribute("bambooHrId", title="BambooHR id")
    sim.store.add_schema_attribute("jobLevel", title="Job level")
    groups = {name: sim.store.create_group(name)["id"] for name in MANAGED + UNMANAGED}
    before = {k: v for k, v in desired.profile.items() if v not in (None, "")}
    for name, choice in drifted.items():
        before[name] = DRIFT[name][choice % len(DRIFT[name])]
    before = {k: v for k, v in before.items() if v is not None}
    before.update({"bambooHrId": employee, "nickName": "keep-me"})
    user = sim.store.create_user(before, "ACTIVE")
    start_groups = (set(desired.groups) - missing) | extra
    for name in start_groups:
        sim.store.add_member(groups[name], user["id"])
    unmanaged_before = _group_names(sim, user["id"]) - set(MANAGED)  # with Okta's "Everyone"

    audit = open_audit_store("sqlite:///:memory:")
    okta = OktaClient(
        "http://127.0.0.1",
        SswsAuth(TOKEN),
        RateLimitGovernor(max_concurrency=4),
        transport=httpx.ASGITransport(app=sim.app),
    )
    activities = OktaActivities(okta, audit, Mode.APPLY)
    env = _environment(employee)
    profile_input = UpdateOktaProfileInput(
        employee_id=employee, user_id=user["id"], profile=desired.profile
    )
    groups_input = SyncManagedGroupsInput(
        employee_id=employee, user_id=user["id"], desired=sorted(desired.groups), managed=MANAGED
    )
    try:
        await env.run(activities.update_okta_profile, profile_input)
        await env.run(activities.sync_managed_groups, groups_input)

        # Okta is now as the policy says, by the policy's own diff.
        after = sim.store.get_user(user["id"])
        assert after is not None
        assert not profile_changes(desired.profile, after["profile"], clear=POLICY.clear_when_empty)
        assert after["profile"]["nickName"] == "keep-me"
        names = _group_names(sim, user["id"])
        assert names & set(MANAGED) == set(desired.groups)
        assert names - set(MANAGED) == unmanaged_before

        writes = sim.store.write_count
        successes = audit.count(employee_id=employee, result="success")
        again_profile = await env.run(activities.update_okta_profile, profile_input)
        again_groups = await env.run(activities.sync_managed_groups, groups_input)
        assert not again_profile.changes
        assert not again_groups.added and not again_groups.removed
        assert sim.store.write_count == writes, "the second run wrote to Okta"
        assert audit.count(employee_id=employee, result="success") == successes
        assert sim.store.get_user(user["id"]) == after
    finally:
        await okta.aclose()
        audit.close()


async def _a_desired_account(
    start: datetime, hire: dict[str, Any], steps: list[tuple[Any, ...]], pick: int
) -> DesiredAccount | None:
    """One of the live accounts (staged, active, on leave) the policy plans for a random
    HR history."""
    history = HrHistory.open(POLICY, start)
    try:
        history.hire(hire)
        for step in steps:
            history.act(step)
        plan = build_plan(await history.snapshot(), POLICY)
    finally:
        await history.aclose()
    live = [a.account for a in plan.actions if a.account.status in LIVE]
    return live[pick % len(live)] if live else None


def _group_names(sim: OktaSimulator, user_id: str) -> set[str]:
    return {g["profile"]["name"] for g in sim.store.user_groups(user_id)}


def _environment(employee: str) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        ActivityEnvironment.default_info(),
        workflow_id=f"employee-{employee}",
        workflow_run_id=f"run-{employee}",
        activity_id="1",
    )
    return env
