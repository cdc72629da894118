"""The service's own processes (worker, webhook receiver, dev server) as children: started in
a session of their own, so stopping one signals exactly its pid; logs to files; readiness by a
log line. One implementation for `lifecycle dev`'s dev server, the benchmarks and the
reliability tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from lifecycle.settings import Settings

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
    """`preexec_fn` (Linux): the child gets SIGTERM when its parent ends, even by SIGKILL, so
    nothing outlives an interrupted benchmark. Start children from the main thread: the
    signal follows the thread that started them."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ChildProcess:
    """One command as a child process; `start` again after `stop` or `kill` (logs append)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        logs: Path,
        *,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.out_path = logs / f"{name}.out"
        self.err_path = logs / f"{name}.err"
        self.preexec = preexec
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._files: list[IO[Any]] = []

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_size(self) -> int:
        """Bytes in stderr so far: pass as `after` to wait for a line written from now on."""
        return self.err_path.stat().st_size if self.err_path.exists() else 0

    def start(self) -> None:
        assert not self.alive, f"{self.name} is already running"
        self._close_files()
        self.err_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.out_path, "ab")  # noqa: SIM115 - closed in _close_files
        err = open(self.err_path, "ab")  # noqa: SIM115
        self._files = [out, err]
        self.starts += 1
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=REPO,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=self.preexec,
        )

    def kill(self) -> None:
        """`kill -9`: no shutdown hook, no graceful anything."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self._close_files()

    def _close_files(self) -> None:
        for handle in self._files:
            with contextlib.suppress(Exception):
                handle.close()
        self._files = []

    async def wait_for_log(self, text: str, *, after: int = 0, within: float = 60.0) -> None:
        """Until `text` appears in stderr past byte `after`; fails early if the child died."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self._logged(text, after):
                return
            if not self.alive:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name}: no {text!r} within {within:.0f}s:\n{self.tail()}")

    def _logged(self, text: str, after: int) -> bool:
        if not self.err_path.exists():
            return False
        with open(self.err_path, "rb") as handle:
            handle.seek(after)
            return text.encode() in handle.read()

    def tail(self, lines: int = 20) -> str:
        if not self.err_path.exists():
            return "(no output)"
        return "\n".join(self.err_path.read_text(errors="replace").splitlines()[-lines:])


# Variables of ours a developer's shell may have exported: a child must see only its settings.
OUR_PREFIXES = ("TEMPORAL_", "OKTA_", "BAMBOOHR_", "LIFECYCLE_", "OTEL_")


def child_environment(
    settings: Settings, *, env_file: Path, passed_through: tuple[str, ...] = ()
) -> dict[str, str]:
    """The environment of a service process configured with exactly `settings`: this
    process's environment without our variables (except `passed_through`), the settings as
    variables, and `LIFECYCLE_ENV_FILE` pointing at `env_file` (never a developer's .env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUR_PREFIXES)}
    env.update({k: os.environ[k] for k in passed_through if os.environ.get(k)})
    env.update(settings.environment())
    env["LIFECYCLE_ENV_FILE"] = str(env_file)
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def eventually(
    check: Callable[[], Any],
    *,
    within: float = 30.0,
    interval: float = 0.2,
    what: str = "condition",
) -> Any:
    """Ask `check` (plain or async) every `interval` seconds until its answer is truthy;
    that answer. TimeoutError after `within` seconds, with the last answer: for waiting on a
    child, a server or a stack to reach a state (dev, benchmarks, tests)."""
    deadline = time.monotonic() + within
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {within:.0f}s (last: {last!r})")
        await asyncio.sleep(interval)
