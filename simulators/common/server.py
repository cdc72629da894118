"""Running an ASGI app with uvicorn: in a background thread (tests, `lifecycle dev`) or in
the foreground (`lifecycle sim ...`)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn


class PortInUseError(RuntimeError):
    def __init__(self, host: str, port: int, what: str) -> None:
        super().__init__(f"port {port} on {host} is already in use (needed by {what})")
        self.host, self.port, self.what = host, port, what


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


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
        self.port = port or free_port(host)
        self.name = name
        self.server = EmbeddedServer(uvicorn_config(app, self.host, self.port))
        self._thread = threading.Thread(target=self._run, name=f"{name}-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    def start(self, timeout: float = 10.0) -> ThreadedServer:
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
