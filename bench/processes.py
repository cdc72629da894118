"""The memory and CPU time of the service's processes (worker, webhook receiver), which run
as children of the benchmark, configured only through the environment, as an operator runs
them (started by starters/children.py, shared with `lifecycle dev` and the reliability
tests)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time


def memory(pid: int) -> dict[str, int]:
    """Resident set size now and its peak (`VmRSS`, `VmHWM` of /proc/<pid>/status), bytes."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found["rss" if key == "VmRSS" else "peak"] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (from /proc/<pid>/stat)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, ValueError, IndexError):
        return None


class MemorySampler:
    """Samples a process's RSS in the background; `samples` is [(seconds, bytes)]."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._task: asyncio.Task[None] | None = None
        self._start = time.monotonic()

    def start(self) -> MemorySampler:
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            rss = memory(self.pid).get("rss")
            if rss is not None:
                self.samples.append((round(time.monotonic() - self._start, 1), rss))
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def max_rss(self) -> int | None:
        return max((rss for _, rss in self.samples), default=None)
