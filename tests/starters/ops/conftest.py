"""Fixtures for the operator CLI: one whole lifecycle stack (simulators over HTTP + the
production worker) on the shared Temporal *dev server* for this directory, and the
`lifecycle` CLI run in-process against it. Each test works on employees of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from ops_cli import Cli, run_cli, temporal_env
from temporalio.testing import WorkflowEnvironment


@pytest.fixture(scope="package")
async def ops_stack(
    dev_server_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LifecycleStack]:
    tmp: Path = tmp_path_factory.mktemp("ops")
    async with lifecycle_stack(dev_server_env, tmp, f"tq-ops-{uuid.uuid4().hex[:8]}") as stack:
        yield stack


@pytest.fixture
def cli(ops_stack: LifecycleStack, monkeypatch: pytest.MonkeyPatch) -> Cli:
    for name, value in temporal_env(ops_stack.env, ops_stack.settings.temporal_task_queue).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LIFECYCLE_AUDIT_URL", ops_stack.settings.lifecycle_audit_url)
    return run_cli
