"""Pre-boarding and onboarding: a future hire gets a STAGED account N business days before
the start (weekends and holidays skipped) and is activated at the local start hour, in the
employee's own time zone; same-day hires, moved start dates and rescinded offers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from lifecycle_harness import LifecycleStack, at_local
from pinned_clock import home_holidays

from contracts.employee import LifecycleState
from lifecycle.calendar import subtract_business_days


def _preboard_day(stack: LifecycleStack, start: date) -> date:
    return subtract_business_days(start, 5, stack.policy.time.weekend, home_holidays(stack.policy))


@pytest.mark.parametrize(
    ("location", "zone", "department", "division"),
    [
        ("New York, NY", "America/New_York", "Engineering", "R&D"),
        ("London, UK", "Europe/London", "Sales", "Go-To-Market"),
    ],
)
async def test_future_hire_is_staged_then_activated_in_local_time(
    stack: LifecycleStack, location: str, zone: str, department: str, division: str
) -> None:
    today = await stack.today(zone)
    start = today + timedelta(days=21)
    employee = stack.hire(
        hire_date=start, location=location, department=department, division=division
    )
    await stack.notify(employee)

    status = await stack.wait_state(employee, LifecycleState.PENDING_START)
    assert status.next_action is not None and status.next_action.kind == "PRE_BOARD"
    assert status.next_action.at == at_local(_preboard_day(stack, start), 9, zone)
    assert stack.okta_user_for(employee) is None  # nothing exists before the pre-board instant

    await stack.advance(status.next_action.at - await stack.now() - timedelta(minutes=5))
    await stack.settle(employee)
    assert stack.okta_user_for(employee) is None  # five minutes early: still nothing

    await stack.advance(timedelta(minutes=10))
    status = await stack.wait_state(employee, LifecycleState.STAGED)
    user = stack.okta_user_for(employee)
    assert user is not None and user["status"] == "STAGED"
    city = location.split(",")[0]
    assert stack.group_names(user["id"]) >= {
        "All Employees",
        f"Dept - {department}",
        f"Loc - {city}",
    }
    assert "account_staged" in stack.inbox.events()  # IT is told about the staged account
    assert status.next_action is not None and status.next_action.kind == "ACTIVATE"
    assert status.next_action.at == at_local(start, 7, zone)

    await stack.advance(status.next_action.at - await stack.now() + timedelta(minutes=1))
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    user = stack.okta_user_for(employee)
    # Activated with Okta's activation email: PROVISIONED until the person sets a password.
    assert user is not None and user["status"] == "PROVISIONED"
    assert any(mail["userId"] == user["id"] for mail in stack.okta.store.outbox())


async def test_preboard_skips_weekends_and_holidays(stack: LifecycleStack) -> None:
    # The first start date from today whose five business days before it span a weekend
    # and one of the policy's holidays.
    today = await stack.today()
    off = home_holidays(stack.policy)
    holidays = sorted(h for h in off if h > today + timedelta(days=3) and h.weekday() < 5)
    assert holidays, "the example policy's holiday calendar must reach past today"
    start = holidays[0] + timedelta(days=1)
    while start.weekday() >= 5 or start in holidays:
        start += timedelta(days=1)
    employee = stack.hire(hire_date=start)
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.PENDING_START)
    expected = _preboard_day(stack, start)
    skipped = [
        start - timedelta(days=n)
        for n in range(1, (start - expected).days)
        if (start - timedelta(days=n)).weekday() >= 5 or (start - timedelta(days=n)) in off
    ]
    assert (start - expected).days == 5 + len(skipped)  # calendar days = business days + skipped
    assert any(day in off for day in skipped)
    assert status.next_action is not None
    assert status.next_action.at == at_local(expected, 9, "America/New_York")


async def test_same_day_hire_is_created_and_activated_at_once(stack: LifecycleStack) -> None:
    zone = "America/Los_Angeles"
    now = await stack.now()
    today = await stack.today(zone)
    employee = stack.hire(hire_date=today, location="San Francisco, CA")
    await stack.notify(employee)
    if now < at_local(today, 7, zone):
        # Before the local start hour the account waits staged, then activates at 07:00.
        status = await stack.wait_state(employee, LifecycleState.STAGED)
        assert status.next_action is not None
        await stack.advance(status.next_action.at - now + timedelta(minutes=1))
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    user = stack.okta_user_for(employee)
    assert user is not None and user["status"] == "PROVISIONED"


async def test_moved_start_date_moves_the_timers(stack: LifecycleStack) -> None:
    zone = "America/New_York"
    today = await stack.today(zone)
    start = today + timedelta(days=30)
    employee = stack.hire(hire_date=start)
    await stack.notify(employee)
    first = await stack.wait_state(employee, LifecycleState.PENDING_START)
    assert first.next_action is not None

    later = start + timedelta(days=14)
    stack.hr.store.move_start(employee, later)
    await stack.notify(employee)
    moved = await stack.wait_for(
        employee,
        lambda s: s.next_action is not None and s.next_action.at > first.next_action.at,  # type: ignore[union-attr]
        what="timer moved later",
    )
    assert moved.next_action is not None
    assert moved.next_action.at == at_local(_preboard_day(stack, later), 9, zone)
    # The old instant passes without anything happening.
    await stack.advance(first.next_action.at - await stack.now() + timedelta(hours=1))
    await stack.settle(employee)
    assert stack.okta_user_for(employee) is None

    earlier = await stack.today(zone) + timedelta(days=3)
    stack.hr.store.move_start(employee, earlier)
    await stack.notify(employee)
    # Already inside the pre-board window: staged at once.
    await stack.wait_state(employee, LifecycleState.STAGED)
    status = await stack.status(employee)
    assert status.next_action is not None and status.next_action.kind == "ACTIVATE"
    assert status.next_action.at == at_local(earlier, 7, zone)


async def test_rescinded_offer_deactivates_the_staged_account(stack: LifecycleStack) -> None:
    today = await stack.today()
    start = today + timedelta(days=4)  # inside the pre-board window: staged right away
    employee = stack.hire(hire_date=start)
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.STAGED)
    user = stack.okta_user_for(employee)
    assert user is not None and stack.group_names(user["id"])

    stack.hr.store.terminate(employee, today, termination_type="Voluntary", reason="Offer declined")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    user = stack.okta_user_for(employee)
    assert user is not None and user["status"] == "DEPROVISIONED"
    assert stack.group_names(user["id"]) == set()  # managed groups removed
    assert "offer_rescinded" in stack.inbox.events()
