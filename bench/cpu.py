"""Who used the CPU during a measurement: the worker, the Temporal dev server, and the
benchmark process itself (simulators, webhook driver). On a small machine this tells which
one a throughput figure was bound by."""

from __future__ import annotations

import os
import time
from typing import Any

from bench.processes import cpu_seconds


class CpuMeter:
    def __init__(self, processes: dict[str, int | None]) -> None:
        self.pids = {name: pid for name, pid in processes.items() if pid is not None}
        self._start: dict[str, float] = {}
        self._wall = 0.0

    def _now(self) -> dict[str, float]:
        out = {name: cpu_seconds(pid) or 0.0 for name, pid in self.pids.items()}
        times = os.times()
        out["benchmark process (simulators)"] = times.user + times.system
        return out

    def start(self) -> CpuMeter:
        self._start = self._now()
        self._wall = time.monotonic()
        return self

    def stop(self) -> dict[str, Any]:
        wall = time.monotonic() - self._wall
        end = self._now()
        used = {name: round(end[name] - self._start.get(name, 0.0), 1) for name in end}
        return {
            "wall_seconds": round(wall, 1),
            "cpu_seconds": used,
            "cores_busy": {name: round(v / wall, 2) for name, v in used.items()} if wall else {},
            "cores": os.cpu_count(),
        }
