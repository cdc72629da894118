"""How BambooHR writes dates and instants on the wire, and how it reads the ones clients send.

Dates are `YYYY-MM-DD` and an empty date is `0000-00-00`; instants (`lastChanged`, `latest`,
webhook timestamps) are ISO-8601 UTC with second precision. Webhook list entries use
`YYYY-MM-DD HH:MM:SS` (UTC) as the spec documents.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

EMPTY_DATE = "0000-00-00"


def parse_date(value: date | str | None) -> date | None:
    """A `date`, an ISO date string, or None/''/'0000-00-00' (no date)."""
    if value is None or isinstance(value, datetime):
        return value.date() if isinstance(value, datetime) else None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text or text == EMPTY_DATE:
        return None
    return date.fromisoformat(text)


def format_date(value: date | None) -> str:
    return value.isoformat() if value is not None else EMPTY_DATE


def format_instant(value: datetime) -> str:
    """`2024-05-01T12:00:00Z`: what `lastChanged` and `latest` look like."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_legacy_datetime(value: datetime) -> str:
    """`2024-05-01 12:00:00`: the webhook `created`/`lastSent` format."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def whole_seconds(value: datetime) -> datetime:
    return value.replace(microsecond=0)


_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_instant(text: str) -> datetime:
    """Parse a client's ISO-8601 instant: `Z`, `+00:00` or `+0000` offsets; naive means UTC.

    Raises ValueError for anything else (the API answers 400 then).
    """
    raw = text.strip()
    if not raw or ("T" not in raw and " " not in raw):
        raise ValueError(f"not an ISO-8601 date-time: {text!r}")
    # A '+' that arrived un-encoded in a query string turns into a space.
    if re.search(r"\d \d{2}:?\d{2}$", raw):
        raw = raw[::-1].replace(" ", "+", 1)[::-1]
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    raw = _OFFSET_NO_COLON.sub(r"\1:\2", raw)
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
