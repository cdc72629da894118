from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from lifecycle.calendar import (
    CalendarError,
    LocalTime,
    add_business_days,
    is_business_day,
    is_valid_zone,
    local_date,
    parse_weekday,
    start_of_day,
    subtract_business_days,
    to_utc,
    validate_zone,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- local time → UTC --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "at", "zone", "expected"),
    [
        (date(2026, 1, 15), "07:00", "America/New_York", utc(2026, 1, 15, 12)),  # EST -5
        (date(2026, 7, 15), "07:00", "America/New_York", utc(2026, 7, 15, 11)),  # EDT -4
        (date(2026, 7, 15), "07:00", "Europe/London", utc(2026, 7, 15, 6)),  # BST +1
        (date(2026, 1, 15), "07:00", "Australia/Sydney", utc(2026, 1, 14, 20)),  # AEDT +11
        (date(2026, 7, 15), "07:00", "Australia/Sydney", utc(2026, 7, 14, 21)),  # AEST +10
        (date(2026, 7, 15), "09:30", "UTC", utc(2026, 7, 15, 9, 30)),
    ],
)
def test_local_time_to_utc(day: date, at: str, zone: str, expected: datetime) -> None:
    assert to_utc(day, at, zone) == expected


def test_end_of_day_is_midnight_starting_the_next_local_day() -> None:
    assert to_utc(date(2026, 12, 31), "end_of_day", "America/New_York") == utc(2027, 1, 1, 5)
    assert to_utc(date(2026, 6, 30), "end_of_day", "Europe/Berlin") == utc(2026, 6, 30, 22)


def test_end_of_day_across_dst_changes() -> None:
    # New York falls back on 2026-11-01: that day has 25 hours; it ends at 05:00Z (EST).
    assert to_utc(date(2026, 11, 1), "end_of_day", "America/New_York") == utc(2026, 11, 2, 5)
    # London springs forward on 2026-03-29 at 01:00; the 28th ends at 00:00 GMT.
    assert to_utc(date(2026, 3, 28), "end_of_day", "Europe/London") == utc(2026, 3, 29, 0)


def test_dst_gap_shifts_forward_by_the_gap() -> None:
    # 02:30 does not exist in New York on 2026-03-08; it becomes 03:30 EDT = 07:30Z.
    assert to_utc(date(2026, 3, 8), "02:30", "America/New_York") == utc(2026, 3, 8, 7, 30)


def test_midnight_in_a_dst_gap() -> None:
    # Santiago skips 00:00-01:00 on 2026-09-06: the day of 2026-09-05 ends at 01:00 -03.
    instant = to_utc(date(2026, 9, 5), "end_of_day", "America/Santiago")
    assert instant == utc(2026, 9, 6, 4)
    assert start_of_day(date(2026, 9, 6), "America/Santiago") == instant


def test_dst_fold_takes_the_first_occurrence() -> None:
    # 01:30 happens twice in New York on 2026-11-01: first in EDT (05:30Z), then EST.
    assert to_utc(date(2026, 11, 1), "01:30", "America/New_York") == utc(2026, 11, 1, 5, 30)


def test_start_of_day_and_local_date() -> None:
    assert start_of_day(date(2026, 5, 1), "Europe/Berlin") == utc(2026, 4, 30, 22)
    assert local_date(utc(2026, 4, 30, 22, 30), "Europe/Berlin") == date(2026, 5, 1)
    assert local_date(utc(2026, 4, 30, 22, 30), "America/New_York") == date(2026, 4, 30)
    with pytest.raises(CalendarError):
        local_date(datetime(2026, 4, 30, 22, 30), "UTC")


def test_to_utc_accepts_local_time_objects() -> None:
    assert to_utc(date(2026, 1, 15), time(7, 0), "UTC") == utc(2026, 1, 15, 7)
    assert to_utc(date(2026, 1, 15), LocalTime(end_of_day=True), "UTC") == utc(2026, 1, 16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("07:00", "07:00"), ("7:05", "07:05"), (" 23:59 ", "23:59"), ("END_OF_DAY", "end_of_day")],
)
def test_parse_local_time(text: str, expected: str) -> None:
    assert str(LocalTime.parse(text)) == expected


@pytest.mark.parametrize("text", ["24:00", "07:60", "7", "noon", "", 420])
def test_parse_local_time_rejects(text: object) -> None:
    with pytest.raises(CalendarError):
        LocalTime.parse(text)  # type: ignore[arg-type]


# --- zones -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["America/New_York", "Europe/London", "UTC", "Asia/Kolkata"])
def test_valid_zones(name: str) -> None:
    assert validate_zone(name) == name
    assert is_valid_zone(name)


@pytest.mark.parametrize(
    "name", ["Mars/Base", "america/new_york", "America", "", " UTC", "localtime", "../etc/passwd"]
)
def test_invalid_zones(name: str) -> None:
    assert not is_valid_zone(name)
    with pytest.raises(CalendarError, match="unknown time zone"):
        validate_zone(name)
    with pytest.raises(CalendarError):
        to_utc(date(2026, 1, 1), "07:00", name)


# --- business days -----------------------------------------------------------------------


def test_subtract_business_days_skips_the_weekend() -> None:
    monday = date(2026, 3, 16)
    assert subtract_business_days(monday, 5) == date(2026, 3, 9)
    assert subtract_business_days(monday, 1) == date(2026, 3, 13)  # Friday
    assert subtract_business_days(date(2026, 3, 18), 2) == date(2026, 3, 16)
    assert subtract_business_days(monday, 0) == monday


def test_subtract_business_days_from_a_weekend_day() -> None:
    sunday = date(2026, 3, 15)
    assert subtract_business_days(sunday, 1) == date(2026, 3, 13)


def test_subtract_business_days_skips_holidays() -> None:
    # Tuesday after Memorial Day 2026: the Monday holiday does not count.
    tuesday = date(2026, 5, 26)
    holidays = [date(2026, 5, 25)]
    assert subtract_business_days(tuesday, 1, holidays=holidays) == date(2026, 5, 22)
    assert subtract_business_days(tuesday, 5, holidays=holidays) == date(2026, 5, 18)
    assert subtract_business_days(tuesday, 5) == date(2026, 5, 19)


def test_configurable_weekend() -> None:
    friday_saturday = {4, 5}
    sunday = date(2026, 3, 15)
    assert subtract_business_days(sunday, 1, weekend=friday_saturday) == date(2026, 3, 12)
    assert is_business_day(sunday, weekend=friday_saturday)
    assert not is_business_day(date(2026, 3, 13), weekend=friday_saturday)


def test_add_business_days_mirrors_subtract() -> None:
    friday = date(2026, 3, 13)
    assert add_business_days(friday, 1) == date(2026, 3, 16)
    assert add_business_days(friday, -1) == date(2026, 3, 12)
    assert subtract_business_days(friday, -1) == date(2026, 3, 16)


def test_a_seven_day_weekend_is_refused() -> None:
    with pytest.raises(CalendarError):
        subtract_business_days(date(2026, 3, 16), 1, weekend=set(range(7)))


@pytest.mark.parametrize(
    ("name", "expected"), [("Saturday", 5), ("sun", 6), ("MONDAY", 0), ("Fri", 4), (3, 3)]
)
def test_parse_weekday(name: str | int, expected: int) -> None:
    assert parse_weekday(name) == expected


@pytest.mark.parametrize("name", ["Funday", "sa", 7, True, None])
def test_parse_weekday_rejects(name: object) -> None:
    with pytest.raises(CalendarError):
        parse_weekday(name)  # type: ignore[arg-type]
