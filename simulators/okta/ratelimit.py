"""Okta's per-endpoint rate limits (per-minute windows) and the concurrency limit.

Every `/api/v1` answer carries `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (UTC epoch
seconds of the next window) for its bucket. Windows follow the simulator clock, so tests
move past a reset with `SimClock.advance` instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

# Typical workforce-org limits per minute (developer.okta.com, "Rate limits").
DEFAULT_LIMITS: dict[str, int] = {
    "users": 600,  # GET/POST /api/v1/users (list, create)
    "user_get": 2000,  # GET /api/v1/users/{id} (and its sub-resources)
    "user_write": 600,  # POST/PUT /api/v1/users/{id}, /lifecycle/*, /sessions
    "groups": 500,  # /api/v1/groups (list, create)
    "group": 1000,  # /api/v1/groups/{id}/**
    "logs": 120,  # GET /api/v1/logs (the System Log has its own, small bucket)
    "default": 1200,  # any other /api/v1 endpoint
}
WINDOW_SECONDS = 60


def bucket_for(method: str, path: str) -> str:
    parts = [p for p in path.removeprefix("/api/v1").split("/") if p]
    if not parts:
        return "default"
    if parts[0] == "users":
        if len(parts) == 1:
            return "users"
        return "user_get" if method.upper() in {"GET", "HEAD"} else "user_write"
    if parts[0] == "groups":
        return "groups" if len(parts) == 1 else "group"
    if parts[0] == "logs":
        return "logs"
    return "default"


class RateLimiter:
    def __init__(
        self, clock_time: Callable[[], float], limits: dict[str, int] | None = None
    ) -> None:
        self._time = clock_time
        self._lock = threading.Lock()
        self.limits: dict[str, int] = dict(DEFAULT_LIMITS)
        self._windows: dict[str, tuple[int, int]] = {}  # bucket -> (window start, used)
        if limits:
            self.set_limits(limits)

    def set_limits(self, limits: dict[str, int]) -> None:
        unknown = set(limits) - set(DEFAULT_LIMITS)
        if unknown:
            raise ValueError(
                f"unknown rate-limit buckets: {', '.join(sorted(unknown))}; "
                f"known: {', '.join(DEFAULT_LIMITS)}"
            )
        for bucket, value in limits.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"rate limit for {bucket} must be a positive integer")
        with self._lock:
            self.limits.update(limits)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def _window(self, bucket: str) -> tuple[int, int]:
        start = int(self._time() // WINDOW_SECONDS) * WINDOW_SECONDS
        window_start, used = self._windows.get(bucket, (start, 0))
        if window_start != start:
            used = 0
        return start, used

    def _headers(self, bucket: str, start: int, used: int) -> dict[str, str]:
        limit = self.limits[bucket]
        return {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(max(0, limit - used)),
            "X-Rate-Limit-Reset": str(start + WINDOW_SECONDS),
        }

    def take(self, bucket: str) -> tuple[bool, dict[str, str]]:
        """Count one request; (allowed, headers to send)."""
        with self._lock:
            start, used = self._window(bucket)
            if used >= self.limits[bucket]:
                self._windows[bucket] = (start, used)
                return False, self._headers(bucket, start, used)
            used += 1
            self._windows[bucket] = (start, used)
            return True, self._headers(bucket, start, used)

    def peek(self, bucket: str) -> dict[str, str]:
        with self._lock:
            start, used = self._window(bucket)
            return self._headers(bucket, start, used)

    def describe(self) -> dict[str, dict[str, int]]:
        with self._lock:
            out = {}
            for bucket, limit in self.limits.items():
                start, used = self._window(bucket)
                out[bucket] = {"limit": limit, "used": used, "reset": start + WINDOW_SECONDS}
            return out


class ConcurrencyLimiter:
    """At most `limit` API requests in flight (None: unlimited)."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            if self.limit is not None and self.in_flight >= self.limit:
                return False
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return True

    def release(self) -> None:
        with self._lock:
            self.in_flight -= 1
