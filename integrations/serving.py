"""Running an ASGI app with uvicorn: in a background thread (tests, `lifecycle dev`), on the
caller's event loop (the webhook receiver, the codec server) or in the foreground (`lifecycle
sim ...`). Product servers and the simulators share it; it knows nothing of either."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import uvicorn


class PortInUseError(RuntimeError):
    def __init__(self, host: str, port: int, what: str) -> None:
        super().__init__(f"port {port} on {host} is already in use (needed by {what})")
        self.host, self.port, self.what = host, port, what


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now. Only for addresses nothing will serve on, or served at once: between
    this and a later bind any other socket may take it (use `ReservedPort` for a server, and
    `port_for_child` for a port a child process binds later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default; macOS uses 49152-65535, above our pick anyway


_child_ports = itertools.count()


def port_for_child(host: str = "127.0.0.1") -> int:
    """A free port for a child process to bind later, taken from below the kernel's
    ephemeral range.

    `free_port` hands out an ephemeral port, the same kind every port-0 bind and every outgoing
    connection gets; a child that starts a Temporal dev server before binding the port we gave
    it can lose it to the dev server's own listeners and connections (a CI run was lost that
    way). No socket is ever given a port below that range unless it asks for it by number.
    Successive calls walk from a start derived from the pid, so one process's ports never
    repeat and two test processes rarely meet."""
    low, _ = _ephemeral_range()
    first = 10000 if low > 12000 else 1024
    span = max(low - first, 1)
    start = (os.getpid() * 7919) % span
    for _ in range(span):
        port = first + (start + next(_child_ports)) % span
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port between {first} and {low} on {host}")


class ReservedPort:
    """A free port held by a bound socket until its server takes it.

    Picking a free port and binding it seconds later (after a Temporal dev server started and
    opened its own listeners and connections) lost a CI run: an ephemeral port of the dev
    server landed on the simulator's port in between. A bound socket keeps every other bind and
    every outgoing connection off the port. An in-process server serves on the socket itself
    (`take`); a child process gets the port number and `release` just before it starts, which
    leaves only the child's start-up as a window.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._socket: socket.socket | None = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((host, 0))
        self.port = int(self._socket.getsockname()[1])

    def take(self) -> socket.socket:
        """The bound socket, for a server to listen on (the reservation ends here)."""
        sock, self._socket = self._socket, None
        if sock is None:
            raise RuntimeError(f"port {self.port} was already taken or released")
        return sock

    def release(self) -> None:
        """Let the port go, for a child process about to bind it (idempotent)."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def check_port_free(host: str, port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(host, port, what) from None
            raise


def uvicorn_config(app: Any, host: str, port: int, **kwargs: Any) -> uvicorn.Config:
    # h11 explicitly: fault injection cuts connections through its transport.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        lifespan="on",
        log_level=kwargs.pop("log_level", "warning"),
        access_log=kwargs.pop("access_log", False),
        timeout_graceful_shutdown=kwargs.pop("timeout_graceful_shutdown", 2),
        **kwargs,
    )


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals alone: whoever embeds it owns Ctrl-C/SIGTERM
    (uvicorn would otherwise install its own handlers when run on the main thread)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ThreadedServer:
    """A uvicorn server on its own thread and event loop; `url` once started."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, name: str = "app"):
        self.host = host
        # No port given: hold one from now on, so `url` is known before `start` and stays ours.
        self._reserved = ReservedPort(host) if not port else None
        self.port = port or self._reserved.port  # type: ignore[union-attr]
        self.name = name
        self.server = EmbeddedServer(uvicorn_config(app, self.host, self.port))
        self._thread = threading.Thread(target=self._run, name=f"{name}-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        sockets = [self._reserved.take()] if self._reserved is not None else None
        asyncio.run(self.server.serve(sockets=sockets))

    def start(self, timeout: float = 10.0) -> ThreadedServer:
        if self._reserved is None:
            check_port_free(self.host, self.port, self.name)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"{self.name} server failed to start on port {self.port}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} server did not start within {timeout}s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(RuntimeError):
            self._thread.join(timeout=10)

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_foreground(app: Any, host: str, port: int, name: str) -> None:
    check_port_free(host, port, name)
    uvicorn.Server(uvicorn_config(app, host, port, log_level="info")).run()


async def start_in_loop(
    app: Any, host: str, port: int, name: str, startup_seconds: float = 10.0
) -> Callable[[], Awaitable[None]]:
    """Serve `app` on the running event loop (needed when it shares an asyncio-bound client,
    like Temporal's, with the caller). Returns the coroutine function that stops it."""
    check_port_free(host, port, name)
    server = EmbeddedServer(uvicorn_config(app, host, port))
    task = asyncio.create_task(server.serve(), name=f"{name}-server")
    deadline = time.monotonic() + startup_seconds
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"{name} stopped while starting")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} did not start within {startup_seconds}s")
        await asyncio.sleep(0.02)

    async def stop() -> None:
        server.should_exit = True
        await task

    return stop
