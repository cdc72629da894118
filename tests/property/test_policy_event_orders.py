"""HR events in random order, at random moments, through the policy.

`tests/lifecycle/policy/test_policy_properties.py` throws random *field values* at the policy;
here the snapshots come from random *HR histories* made in the simulated BambooHR and read
back through the real client (see hr_histories.py), so the effective-dated rows have the
shapes BambooHR produces. After every event, the plan for the snapshot read at that moment
must hold:
- the policy never crashes, and the plan is well formed;
- a terminated employee is never desired ACTIVE (nor STAGED or SUSPENDED) once the
  termination has taken effect, and an employee at work is desired ACTIVE;
- walking the plan's accounts over an Okta account, only managed groups are ever added or
  removed, and applying each desired account twice changes nothing the second time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from hr_histories import HrHistory, actions, hires, starts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifecycle_harness import POLICY_PATH

from lifecycle.calendar import as_utc
from lifecycle.models import AccountStatus, DesiredAccount, HrSnapshot, LifecyclePlan
from lifecycle.policy import build_plan, group_changes, load_policy, profile_changes
from lifecycle.policy.timeline import sort_status_rows

POLICY = load_policy(POLICY_PATH)
MANAGED = set(POLICY.managed_groups)
UNMANAGED = ["Okta Administrators", "IT Break Glass", "App - Zoom"]
GONE = {AccountStatus.NONE, AccountStatus.DEPROVISIONED}

examples = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@examples
@given(start=starts, hire=hires, steps=st.lists(actions, max_size=7), okta=st.data())
async def test_random_event_orders_keep_the_policy_invariants(
    start: datetime, hire: dict[str, Any], steps: list[tuple[Any, ...]], okta: st.DataObject
) -> None:
    history = HrHistory.open(POLICY, start)
    try:
        history.hire(hire)
        account = _okta_account(okta)
        for step in [("wait", 60), *steps]:
            if history.act(step) is None:
                continue  # BambooHR refused it (e.g. a return from a leave nobody is on)
            snapshot = await history.snapshot()
            plan = build_plan(snapshot, POLICY)
            _well_formed(plan)
            _departures_hold(plan, snapshot)
            account = _walk(plan, account)
    finally:
        await history.aclose()


def _well_formed(plan: LifecyclePlan) -> None:
    assert plan == plan.model_copy(deep=True)
    instants = [a.at for a in plan.actions]
    assert instants == sorted(instants)
    assert len({a.key for a in plan.actions}) == len(plan.actions)
    for account in [plan.baseline, *(a.account for a in plan.actions)]:
        assert set(account.groups) <= MANAGED
        assert account.status is AccountStatus.NONE or account.login


def _departures_hold(plan: LifecyclePlan, snapshot: HrSnapshot) -> None:
    rows = snapshot.employment_status_rows
    assert rows, "BambooHR always has the hire's status row"
    assert snapshot.fetched_at is not None
    fetched = as_utc(snapshot.fetched_at)
    last_day = max(r.date for r in rows)
    final = [r for r in rows if r.date == last_day]
    kinds = {POLICY.status_class(r.status) for r in final}
    if kinds == {"terminated"}:
        # From two days after the termination date on (any time zone), for ever after.
        after = datetime.combine(last_day + timedelta(days=2), time(), tzinfo=fetched.tzinfo)
        for probe in (after, after + timedelta(days=400)):
            assert plan.desired_at(probe).status in GONE, (probe, plan.desired_at(probe))
        immediate = any(r.termination_type == "Involuntary" for r in final)
        # Seen the day after (immediate types: as soon as seen), it is already in force.
        if last_day <= fetched.date() - timedelta(days=1 if immediate else 2):
            assert plan.desired_at(fetched).status in GONE
        return
    # Employed: never terminated, or rehired since (a rehire keeps the first hire date in
    # originalHireDate and moves hireDate past the termination).
    ended = [r.date for r in rows if POLICY.status_class(r.status) == "terminated"]
    hired, rehired = snapshot.hire_date, snapshot.original_hire_date is not None
    employed = not ended or (rehired and hired is not None and hired > max(ended))
    if employed and plan.review is None and last_day <= fetched.date() - timedelta(days=2):
        # Settled for two days: at work means ACTIVE, away means SUSPENDED, except away
        # since the (re)hire date itself: the job never began, so the account stays as it
        # was (STAGED, or DEPROVISIONED for a rehire) until the return.
        if kinds == {"active"}:
            assert plan.desired_at(fetched).status is AccountStatus.ACTIVE
        elif kinds == {"leave"}:
            never_began = {AccountStatus.STAGED, AccountStatus.DEPROVISIONED}
            away = never_began if _away_since_hire(snapshot) else {AccountStatus.SUSPENDED}
            assert plan.desired_at(fetched).status in away


def _away_since_hire(snapshot: HrSnapshot) -> bool:
    """The current leave began on or before the hire date (rows in the policy's order)."""
    began: date | None = None
    for row in sort_status_rows(list(snapshot.employment_status_rows)):
        kind = POLICY.status_class(row.status)
        if kind == "leave":
            began = began or row.date
        elif kind is not None:
            began = None
    hired = snapshot.hire_date
    return began is not None and hired is not None and began <= hired


def _okta_account(data: st.DataObject) -> dict[str, Any]:
    """What the person's Okta account looks like before anything is applied: some managed
    and unmanaged groups, a drifted profile, an attribute nobody manages."""
    groups = data.draw(st.sets(st.sampled_from(sorted(MANAGED) + UNMANAGED)), label="groups")
    title = data.draw(st.sampled_from(["Wizard", "Analyst", None]), label="title")
    return {
        "groups": set(groups),
        "profile": {"title": title, "mobilePhone": "+1 555 0999", "nickName": "keep-me"},
    }


def _walk(plan: LifecyclePlan, account: dict[str, Any]) -> dict[str, Any]:
    """Apply every desired account of the plan in order, each twice."""
    unmanaged = account["groups"] - MANAGED
    for desired in [plan.baseline, *(a.account for a in plan.actions)]:
        if desired.status is AccountStatus.NONE:
            continue
        once = _apply(desired, account)
        assert once["groups"] - MANAGED == unmanaged, "an unmanaged membership changed"
        assert once["profile"]["nickName"] == "keep-me", "an unmanaged attribute changed"
        twice = _apply(desired, once)
        assert twice == once, "applying the same account twice changed something"
        assert group_changes(desired.groups, once["groups"], MANAGED) == ([], [])
        assert not _profile_diff(desired, once)
        account = once
    return account


def _profile_diff(desired: DesiredAccount, account: dict[str, Any]) -> dict[str, Any]:
    if desired.status is AccountStatus.DEPROVISIONED:
        return {}  # Okta refuses profile writes to deactivated users; nothing is sent
    return profile_changes(desired.profile, account["profile"], clear=POLICY.clear_when_empty)


def _apply(desired: DesiredAccount, account: dict[str, Any]) -> dict[str, Any]:
    to_add, to_remove = group_changes(desired.groups, account["groups"], MANAGED)
    assert set(to_add) | set(to_remove) <= MANAGED, "a diff named an unmanaged group"
    return {
        "groups": (account["groups"] | set(to_add)) - set(to_remove),
        "profile": {**account["profile"], **_profile_diff(desired, account)},
    }
