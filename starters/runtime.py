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

from temporalio.runtime import Runtime, TelemetryConfig

T = TypeVar("T")


def run_with_runtime(main: Callable[[Runtime], Coroutine[Any, Any, T]]) -> T:
    """`asyncio.run(main(runtime))`, then release the runtime before returning."""
    runtime = Runtime(telemetry=TelemetryConfig())
    try:
        return asyncio.run(main(runtime))
    finally:
        del runtime
        gc.collect()
