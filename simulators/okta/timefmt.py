"""Okta's timestamp form: `2013-07-02T21:36:25.344Z` (UTC, milliseconds)."""

from __future__ import annotations

from datetime import UTC, datetime


def okta_time(when: datetime) -> str:
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_okta_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
