"""Where a test's "today" lies on the time-skipping server's clock.

The time-skipping server starts at the machine's wall-clock time, and its clock can only move
forward. Left there, a test's outcome would depend on the hour and the day it runs: a change
dated "today" takes effect at the policy's local hour (07:00), so before 07:00 in New York it
is still in the future; a pre-board date moves with weekends and holidays. Every test server
is therefore moved forward to a known kind of day at a known local hour before a test starts.

`LIFECYCLE_TEST_DAY` picks the kind for a whole run (default `workday`):
- `workday`: the next Monday to Thursday that is not a policy holiday nor a DST change day,
  10:00 in New York (the company's main zone), i.e. during a working day;
- `weekend`, `holiday`, `dst`: the next Saturday / policy holiday on a weekday / day on which
  New York changes its clocks, at 10:00;
- `wall`: no move at all (the machine's own time, as before).
Tests about calendar edges pin their own day with `pin_clock` (it only moves forward).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from temporalio.testing import WorkflowEnvironment

from lifecycle.policy import PolicyConfig

PIN_ENV = "LIFECYCLE_TEST_DAY"
HOME_ZONE = "America/New_York"
HOME_LOCATION = "New York, NY"  # the harness's default location, in HOME_ZONE
# Years whose holidays a test's pinned day is chosen among (the clock only moves forward).
HOLIDAY_YEARS = tuple(range(2024, 2036))
KINDS = ("workday", "weekend", "holiday", "dst", "wall")


def home_holidays(policy: PolicyConfig) -> frozenset[date]:
    """The policy's holidays (public and company-wide) for someone in the home location."""
    return policy.holidays_for(HOME_LOCATION, HOLIDAY_YEARS)


def changes_clocks(day: date, zone: str = HOME_ZONE) -> bool:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    return start.utcoffset() != end.utcoffset()


def matches(kind: str, day: date, holidays: Collection[date]) -> bool:
    if kind == "workday":
        return day.weekday() <= 3 and day not in holidays and not changes_clocks(day)
    if kind == "weekend":
        return day.weekday() == 5
    if kind == "holiday":
        return day in holidays and day.weekday() < 5
    if kind == "dst":
        return changes_clocks(day)
    raise ValueError(f"{PIN_ENV} must be one of {', '.join(KINDS)}; got {kind!r}")


def pinned_instant(
    now: datetime,
    kind: str,
    holidays: Collection[date],
    hour: int = 10,
    minute: int = 0,
    zone: str = HOME_ZONE,
) -> datetime:
    """The first instant after `now` that is `hour:minute` local on a day of `kind`."""
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date()
    for _ in range(800):  # DST days come twice a year; holidays ~monthly
        if matches(kind, day, holidays):
            candidate = datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
            if candidate > now:
                return candidate
        day += timedelta(days=1)
    raise LookupError(
        f"no {kind} day within two years of {now:%Y-%m-%d}"
        + (": check config/policy.yaml's holiday calendars" if kind == "holiday" else "")
    )


async def pin_clock(
    env: WorkflowEnvironment,
    kind: str,
    holidays: Collection[date] = (),
    hour: int = 10,
    minute: int = 0,
) -> datetime:
    """Skip the server's clock to the pinned instant; returns it."""
    now = await env.get_current_time()
    target = pinned_instant(now, kind, holidays, hour, minute)
    await env.sleep(target - now)
    return await env.get_current_time()


def default_kind() -> str:
    kind = os.environ.get(PIN_ENV, "workday").strip().lower() or "workday"
    if kind not in KINDS:
        raise ValueError(f"{PIN_ENV} must be one of {', '.join(KINDS)}; got {kind!r}")
    return kind
