"""Optional JSON state file, so `lifecycle dev` restarts resume the same company.

Writes are debounced (a burst of HR actions is one write) and atomic (temporary file in the
same directory, fsync, rename); the simulator saves once more at shutdown. Holds the company
(employees, rows, change log) and the webhook registrations including their private keys:
it is a local development file. The delivery queue is not kept.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from simulators.bamboohr.store import BambooHRStore
from simulators.bamboohr.webhooks import WebhookRegistry

FORMAT_VERSION = 1


class StateFile:
    def __init__(
        self,
        path: Path,
        store: BambooHRStore,
        registry: WebhookRegistry,
        *,
        debounce_seconds: float = 0.5,
    ) -> None:
        self.path = Path(path)
        self.store = store
        self.registry = registry
        self.debounce_seconds = debounce_seconds
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.saves = 0

    def load(self) -> bool:
        """Load the file if it exists -> whether it did."""
        if not self.path.is_file():
            return False
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"{self.path}: unsupported state file version {data.get('version')}")
        self.store.load_dict(data["store"])
        self.registry.load_dict(data.get("webhooks", {}))
        return True

    def mark_dirty(self, *_: object) -> None:
        with self._lock:
            if self._timer is not None:
                return
            self._timer = threading.Timer(self.debounce_seconds, self._flush_from_timer)
            self._timer.daemon = True
            self._timer.start()

    def _flush_from_timer(self) -> None:
        with self._lock:
            self._timer = None
        self.save()

    def save(self) -> None:
        data = {
            "version": FORMAT_VERSION,
            "store": self.store.to_dict(),
            "webhooks": self.registry.to_dict(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.saves += 1

    def close(self) -> None:
        """Cancel a pending debounced write and save now."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self.save()
