"""Keep the org in a JSON file so `lifecycle dev` restarts resume where they stopped.

Saves are atomic (write a temporary file, then rename), debounced (at most one per
`interval` seconds, only when the store's version moved) and happen once more at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from simulators.okta.store import OktaStore

log = logging.getLogger("simulators.okta")


class StatePersistence:
    def __init__(self, store: OktaStore, path: Path, interval: float = 1.0) -> None:
        self.store = store
        self.path = Path(path)
        self.interval = interval
        self._saved_version: int | None = None
        self._lock = threading.Lock()
        self._task: asyncio.Task[None] | None = None

    def load(self) -> bool:
        """Load the file into the store if it exists; True when it did."""
        if not self.path.is_file():
            return False
        state = json.loads(self.path.read_text(encoding="utf-8"))
        self.store.load(state)
        self._saved_version = self.store.version
        return True

    def save(self, force: bool = False) -> bool:
        """Write the state if it changed since the last save; True when it wrote."""
        with self._lock:
            version = self.store.version
            if not force and version == self._saved_version:
                return False
            state = self.store.snapshot()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(state, handle, separators=(",", ":"))
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            self._saved_version = version
            return True

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self.save)
            except Exception:
                log.exception("okta simulator: saving state to %s failed", self.path)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self.save)
