"""Local dates and times → UTC instants, and business-day arithmetic.

Everything HR says is a local *date* ("starts 2026-03-16"); the policy turns it into a UTC
instant in the employee's IANA time zone ("07:00 in America/New_York"), because workflows
only do UTC arithmetic: `zoneinfo` fails inside Temporal's workflow sandbox. So this module
is used by the policy, outside workflows, never by workflow code.

DST rule (deterministic, PEP 495 `fold=0`):
- a local time that does not exist (spring-forward gap, e.g. 02:30 on the night clocks jump
  from 02:00 to 03:00) is shifted forward by the length of the gap (→ 03:30 local): the
  action happens as soon as the wall clock has passed the configured time;
- a local time that occurs twice (fall-back fold, e.g. 01:30 when 02:00 goes back to 01:00)
  means its *first* occurrence (the earlier UTC instant).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

END_OF_DAY = "end_of_day"
DEFAULT_WEEKEND: frozenset[int] = frozenset({5, 6})  # Saturday, Sunday (date.weekday())

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CalendarError(ValueError):
    """A zone name, local time or weekday that cannot be used; the message says which."""


@dataclass(frozen=True, slots=True)
class LocalTime:
    """A wall-clock time of day, or the end of the day (= 00:00 of the next day)."""

    hour: int = 0
    minute: int = 0
    end_of_day: bool = False

    @classmethod
    def parse(cls, text: str | LocalTime | time) -> LocalTime:
        if isinstance(text, LocalTime):
            return text
        if isinstance(text, time):
            return cls(text.hour, text.minute)
        if not isinstance(text, str):
            raise CalendarError(f"expected a time 'HH:MM' or '{END_OF_DAY}', got {text!r}")
        value = text.strip()
        if value.lower() == END_OF_DAY:
            return cls(end_of_day=True)
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise CalendarError(
                f"expected a time 'HH:MM' (00:00-23:59) or '{END_OF_DAY}', got {text!r}"
            )
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return END_OF_DAY if self.end_of_day else f"{self.hour:02d}:{self.minute:02d}"


# Names a machine's zone directory may hold that are not zones anyone means to configure:
# "localtime" would silently follow the server's own setting.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules", "posix", "right"})


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


@lru_cache(maxsize=512)
def get_zone(name: str) -> ZoneInfo:
    """The `ZoneInfo` for an IANA name; `CalendarError` for anything else.

    Validation is against the IANA list (`available_timezones()`, backed by the tzdata
    package) so a name is accepted or refused the same way on every machine.
    """
    if not isinstance(name, str) or name not in _known_zones():
        raise CalendarError(
            f"unknown time zone {name!r} (expected an IANA name such as 'Europe/Berlin')"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise CalendarError(f"time zone {name!r} cannot be loaded") from exc


def validate_zone(name: str) -> str:
    """Return `name` unchanged if it is a known IANA zone, else raise `CalendarError`."""
    get_zone(name)
    return name


def is_valid_zone(name: str) -> bool:
    try:
        get_zone(name)
    except CalendarError:
        return False
    return True


def to_utc(day: date, at: str | LocalTime | time, zone: str) -> datetime:
    """The UTC instant of local `day` at local time `at` in `zone` (DST rule: module doc).

    `at` may be "HH:MM" or "end_of_day" (00:00 local of the following day).
    """
    local_time = LocalTime.parse(at)
    tz = get_zone(zone)
    if local_time.end_of_day:
        day = day + timedelta(days=1)
        wall = datetime.combine(day, time(0, 0))
    else:
        wall = datetime.combine(day, time(local_time.hour, local_time.minute))
    # fold=0 is zoneinfo's default; written out because the DST rule depends on it.
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def start_of_day(day: date, zone: str) -> datetime:
    """The first instant of local `day` (00:00 local, or the end of a gap at midnight)."""
    return to_utc(day, LocalTime(0, 0), zone)


def as_utc(instant: datetime) -> datetime:
    """An instant in UTC; a naive datetime is taken to be UTC already (how readers store it)."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date in `zone` at an aware `instant`."""
    if instant.tzinfo is None:
        raise CalendarError("expected an aware datetime (with tzinfo)")
    return instant.astimezone(get_zone(zone)).date()


def parse_weekday(name: str | int) -> int:
    """'Saturday' / 'sat' (any case) → 5, following `date.weekday()` (Monday = 0)."""
    if isinstance(name, int) and not isinstance(name, bool) and 0 <= name <= 6:
        return name
    if isinstance(name, str):
        key = name.strip().lower()
        for index, full in enumerate(WEEKDAY_NAMES):
            if key == full or (len(key) >= 3 and full.startswith(key)):
                return index
    raise CalendarError(f"expected a weekday name such as 'Saturday', got {name!r}")


# --- public holidays -------------------------------------------------------------------------


def check_holiday_calendar(country: str, subdivision: str | None) -> None:
    """`CalendarError` unless the `holidays` package knows this country (ISO 3166-1 alpha-2)
    and, when given, this subdivision of it."""
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        close = ", ".join(sorted(c for c in supported if c[:1] == country[:1])[:8])
        raise CalendarError(
            f"unknown holiday country {country!r} (ISO 3166-1 alpha-2, e.g. US, GB, DE, AU"
            + (f"; starting with {country[:1]!r}: {close}" if close else "")
            + ")"
        )
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country][:12])
        raise CalendarError(
            f"unknown subdivision {subdivision!r} of {country} (known: {known}"
            + (", ..." if len(supported[country]) > 12 else "")
            + ")"
        )


@lru_cache(maxsize=256)
def public_holidays(
    country: str, subdivision: str | None, years: tuple[int, ...]
) -> dict[date, tuple[str, ...]]:
    """The public holidays (observed days included) of a country or subdivision in `years`,
    with their English names, from the `holidays` package (its version is pinned by the lock
    file, so a plan computed twice gives the same dates). Do not modify the answer (cached)."""
    import holidays

    calendar = holidays.country_holidays(country, subdiv=subdivision, years=years)
    return {day: tuple(name.split("; ")) for day, name in sorted(calendar.items())}


def is_business_day(
    day: date, weekend: Collection[int] = DEFAULT_WEEKEND, holidays: Collection[date] = ()
) -> bool:
    return day.weekday() not in weekend and day not in holidays


def _check_week(weekend: Collection[int]) -> None:
    if len(set(weekend) & set(range(7))) >= 7:
        raise CalendarError("the weekend cannot cover all seven days")


def subtract_business_days(
    day: date,
    count: int,
    weekend: Collection[int] = DEFAULT_WEEKEND,
    holidays: Iterable[date] = (),
) -> date:
    """The date `count` business days before `day` (`day` itself need not be one).

    Monday 2026-03-16 minus 5 business days is Monday 2026-03-09; 0 returns `day`.
    """
    if count < 0:
        return add_business_days(day, -count, weekend, holidays)
    _check_week(weekend)
    off = frozenset(holidays)
    current = day
    remaining = count
    while remaining > 0:
        current -= timedelta(days=1)
        if is_business_day(current, weekend, off):
            remaining -= 1
    return current


def add_business_days(
    day: date,
    count: int,
    weekend: Collection[int] = DEFAULT_WEEKEND,
    holidays: Iterable[date] = (),
) -> date:
    """The date `count` business days after `day`."""
    if count < 0:
        return subtract_business_days(day, -count, weekend, holidays)
    _check_week(weekend)
    off = frozenset(holidays)
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current, weekend, off):
            remaining -= 1
    return current
