"""Running the `lifecycle` CLI in-process against a Temporal server, as an operator's shell
would (configuration only through the environment)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any

from temporalio.testing import WorkflowEnvironment

from starters.cli import main as cli_main


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., Awaitable[CliResult]]


def temporal_env(env: WorkflowEnvironment, task_queue: str) -> dict[str, str]:
    """What an operator's shell would export to reach this Temporal server."""
    return {
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": env.client.namespace,
        "TEMPORAL_TASK_QUEUE": task_queue,
        "TEMPORAL_API_KEY": "",
        "LIFECYCLE_ENCRYPTION_KEYS": "",
    }


async def run_cli(*argv: str) -> CliResult:
    """`lifecycle <argv>`; it calls asyncio.run(), and the worker lives on the test's loop,
    so the CLI runs in a thread of its own, as a separate operator process would."""

    def call() -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli_main(list(argv))
        return CliResult(code, out.getvalue(), err.getvalue())

    return await asyncio.to_thread(call)
