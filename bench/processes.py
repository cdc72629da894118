"""The service's own processes (worker, webhook receiver) as children of the benchmark,
configured only through the environment, as an operator runs them; and their memory.

Each child is started in its own session, so stopping it signals exactly its pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Any:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()  # resolved here: the child must not import anything


def die_with_parent() -> None:
    """`preexec_fn` (Linux): the child gets SIGTERM when the benchmark process ends, even
    by SIGKILL, so no worker, receiver or server outlives an interrupted run. Start children
    from the main thread: the signal follows the thread that started them."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ChildProcess:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.err_path = logs / f"{name}.err"
        self.out_path = logs / f"{name}.out"
        self.process: subprocess.Popen[bytes] | None = None
        self._files: list[IO[Any]] = []

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not started"
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.err_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.out_path, "ab")  # noqa: SIM115 - closed in stop()
        err = open(self.err_path, "ab")  # noqa: SIM115
        self._files = [out, err]
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=REPO,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    async def wait_for_log(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in (self.err_path, self.out_path):
                if path.exists() and text.encode() in path.read_bytes():
                    return
            if not self.alive:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name}: no {text!r} within {timeout:.0f}s:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        if not self.err_path.exists():
            return "(no output)"
        return "\n".join(self.err_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 40.0) -> None:
        proc = self.process
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for handle in self._files:
            with contextlib.suppress(Exception):
                handle.close()
        self._files = []


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
