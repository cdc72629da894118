"""The lifecycle on awkward days: "today" pinned to a Saturday before dawn, a company holiday,
and the days New York changes its clocks. Dated actions keep their local hour, business days
skip weekends and holidays, and no outcome depends on the day the suite happens to run."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from lifecycle_harness import LifecycleStack, at_local
from lifecycle_people import onboarded
from pinned_clock import HOME_ZONE, changes_clocks, home_holidays, pin_clock

from contracts.employee import LifecycleState

DAYS = [
    pytest.param(("weekend", 2, 0), id="saturday-0200"),
    pytest.param(("holiday", 10, 0), id="holiday-1000"),
    pytest.param(("dst", 1, 30), id="dst-change-0130"),
]


@pytest.fixture(params=DAYS)
async def day(request: pytest.FixtureRequest, stack: LifecycleStack) -> date:
    kind, hour, minute = request.param
    await pin_clock(stack.env, kind, home_holidays(stack.policy), hour, minute)
    stack.hr.clock.set(await stack.now())
    today = await stack.today()
    if kind == "dst":
        assert changes_clocks(today)
    return today


async def test_a_transfer_dated_today_applies_at_the_local_hour(
    stack: LifecycleStack, day: date
) -> None:
    employee, user = await onboarded(stack)
    stack.hr.store.change_job(employee, day, department="Sales", division="Go-To-Market")
    effective = at_local(day, 7, HOME_ZONE)  # policy: activation.at
    since = await stack.now()
    await stack.notify(employee)
    if since < effective:
        status = await stack.wait_for(
            employee,
            lambda s: s.next_action is not None and s.next_action.kind == "TRANSFER",
            what="transfer scheduled",
        )
        assert status.next_action is not None and status.next_action.at == effective
        assert "Dept - Engineering" in stack.group_names(user["id"])
        await stack.advance(effective - await stack.now() + timedelta(seconds=5))
    await stack.wait_for_action(employee, "managed groups synced", since)
    assert "Dept - Sales" in stack.group_names(user["id"])


async def test_a_termination_dated_today_acts_at_the_end_of_the_local_day(
    stack: LifecycleStack, day: date
) -> None:
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, day, termination_type="Voluntary")
    await stack.notify(employee)
    end_of_day = at_local(day + timedelta(days=1), 0, HOME_ZONE)
    status = await stack.wait_for(
        employee, lambda s: s.next_action is not None, what="termination scheduled"
    )
    assert status.next_action is not None and status.next_action.at == end_of_day

    await stack.advance(end_of_day - await stack.now() - timedelta(minutes=1))
    await stack.settle(employee)
    assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]
    await stack.advance(timedelta(minutes=2))
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]


async def test_a_future_hire_is_staged_on_a_business_day_and_activated_on_the_start_date(
    stack: LifecycleStack, day: date
) -> None:
    start = day + timedelta(days=21)
    employee = stack.hire(hire_date=start)
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.PENDING_START)
    assert status.next_action is not None and status.next_action.kind == "PRE_BOARD"
    staged_on = status.next_action.at.astimezone(ZoneInfo(HOME_ZONE)).date()
    holidays = home_holidays(stack.policy)
    assert staged_on.weekday() < 5 and staged_on not in holidays
    business_days_between = sum(
        1
        for n in range(1, (start - staged_on).days)
        if (d := staged_on + timedelta(days=n)).weekday() < 5 and d not in holidays
    )
    assert business_days_between == 4  # policy: 5 business days before the start date
    assert status.next_action.at == at_local(staged_on, 9, HOME_ZONE)

    await stack.advance(status.next_action.at - await stack.now() + timedelta(minutes=1))
    await stack.wait_state(employee, LifecycleState.STAGED)
    activation = at_local(start, 7, HOME_ZONE)
    await stack.advance(activation - await stack.now() + timedelta(minutes=1))
    await stack.wait_state(employee, LifecycleState.ACTIVE)
