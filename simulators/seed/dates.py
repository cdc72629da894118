"""Small date helpers for the generator: weekdays and business days (no holidays)."""

from __future__ import annotations

import random
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def is_weekday(day: date) -> bool:
    return day.weekday() < 5


def weekday_on_or_after(day: date) -> date:
    while not is_weekday(day):
        day += ONE_DAY
    return day


def weekday_on_or_before(day: date) -> date:
    while not is_weekday(day):
        day -= ONE_DAY
    return day


def add_business_days(day: date, count: int) -> date:
    """The `count`-th weekday after `day` (weekends skipped, no holiday calendar)."""
    while count > 0:
        day += ONE_DAY
        if is_weekday(day):
            count -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """Weekdays in (start, end]: how many business days after `start` `end` falls."""
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if is_weekday(day):
            count += 1
    return count


def weekday_between(rng: random.Random, low: date, high: date) -> date:
    """A random weekday in [low, high]; `low` itself when the range holds no weekday."""
    if high <= low:
        return low
    day = low + timedelta(days=rng.randint(0, (high - low).days))
    forward = weekday_on_or_after(day)
    if forward <= high:
        return forward
    backward = weekday_on_or_before(day)
    return backward if backward >= low else low
