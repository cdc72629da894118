"""A settable clock shared by everything inside one simulator.

Simulated BambooHR needs "today" to decide which future-dated rows are in effect, and the
Okta rate limiter needs "now" for its windows. Tests move this clock (through the admin API or
in-process) instead of waiting on the wall clock.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SimClock:
    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = offset_seconds
        self._frozen: float | None = None
        self._lock = threading.Lock()

    def time(self) -> float:
        """Epoch seconds as the simulator sees them."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds

    def set(self, when: datetime) -> None:
        """Jump to `when` and keep running from there."""
        with self._lock:
            self._frozen = None
            self._offset = when.timestamp() - time.time()

    def freeze(self, when: datetime | None = None) -> None:
        """Stop the clock (at `when`, or now); `advance` still moves it."""
        with self._lock:
            current = self._frozen if self._frozen is not None else time.time() + self._offset
            self._frozen = when.timestamp() if when is not None else current

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - time.time()
                self._frozen = None

    def describe(self) -> dict[str, object]:
        return {"now": self.now().isoformat(), "frozen": self._frozen is not None}
