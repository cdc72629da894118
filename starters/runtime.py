"""Short-lived Temporal clients (one CLI command) on a runtime of their own.

With the SDK's process-wide default runtime, a command that exits right after its last call
sometimes aborts during interpreter shutdown ("Fatal Python error: PyGILState_Release",
exit code 134, temporalio/sdk-python#300): the runtime's threads outlive Python. Dropping a
dedicated runtime while the interpreter is still alive shuts those threads down first, so
the exit code is the command's.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from temporalio.client import Client
from temporalio.runtime import Runtime, TelemetryConfig

from lifecycle.settings import Settings

T = TypeVar("T")


def run_with_runtime(main: Callable[[Runtime], Coroutine[Any, Any, T]]) -> T:
    """`asyncio.run(main(runtime))`, then release the runtime before returning."""
    runtime = Runtime(telemetry=TelemetryConfig())
    try:
        return asyncio.run(main(runtime))
    finally:
        del runtime
        gc.collect()


class CommandFailed(Exception):
    """Something a command needs is not there (Temporal unreachable...): `lifecycle` prints
    the one line and exits with `exit_code`, no traceback: the reader is an operator."""

    exit_code = 1


async def connect_client(
    settings: Settings, runtime: Runtime | None = None, *, within: float = 15.0, **kwargs: Any
) -> Client:
    """A Temporal client for a CLI command, or CommandFailed naming the address to check."""
    from workers.connect import connect

    where = f"{settings.temporal_address} (namespace {settings.temporal_namespace})"
    try:
        async with asyncio.timeout(within):
            return await connect(settings, runtime=runtime, **kwargs)
    except (TimeoutError, RuntimeError) as exc:
        raise CommandFailed(
            f"cannot reach Temporal at {where}: {exc or 'timed out'} (check TEMPORAL_ADDRESS, "
            "TLS / API key settings, and that the server runs)"
        ) from None
