"""What the simulator saw: counters for assertions ("zero writes") and a bounded request log
for contract tests that check what a client sent."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any


class Recorder:
    def __init__(self, max_requests: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._log: deque[dict[str, Any]] = deque(maxlen=max_requests)
        self._seq = 0
        self.reset_stats()

    def reset_stats(self) -> None:
        with self._lock:
            self.api_requests = 0
            self.writes = 0
            self.write_attempts = 0
            self.rate_limited = 0
            self.concurrency_limited = 0
            self.unauthorized = 0
            self.by_bucket: dict[str, int] = {}
            self.by_status: dict[str, int] = {}
            self.by_operation: dict[str, int] = {}

    def record(self, entry: dict[str, Any], *, wrote: bool, attempted_write: bool) -> None:
        status = str(entry["status"])
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._log.append(entry)
            self.api_requests += 1
            self.writes += 1 if wrote else 0
            self.write_attempts += 1 if attempted_write else 0
            if entry.get("limited") == "rate":
                self.rate_limited += 1
            elif entry.get("limited") == "concurrency":
                self.concurrency_limited += 1
            if entry["status"] == 401:
                self.unauthorized += 1
            bucket = entry.get("bucket") or "none"
            self.by_bucket[bucket] = self.by_bucket.get(bucket, 0) + 1
            self.by_status[status] = self.by_status.get(status, 0) + 1
            operation = entry.get("operation") or "unknown"
            self.by_operation[operation] = self.by_operation.get(operation, 0) + 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "api_requests": self.api_requests,
                "writes": self.writes,
                "write_attempts": self.write_attempts,
                "rate_limited": self.rate_limited,
                "concurrency_limited": self.concurrency_limited,
                "served_429": self.by_status.get("429", 0),
                "unauthorized": self.unauthorized,
                "by_bucket": dict(self.by_bucket),
                "by_status": dict(self.by_status),
                "by_operation": dict(self.by_operation),
            }

    def requests(
        self,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        operation: str | None = None,
    ) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._log)
        return [
            e
            for e in entries
            if (method is None or e["method"] == method.upper())
            and (path_prefix is None or e["path"].startswith(path_prefix))
            and (operation is None or e.get("operation") == operation)
        ]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()
