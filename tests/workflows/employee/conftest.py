from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from temporalio.testing import WorkflowEnvironment


@pytest.fixture
async def stack(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> AsyncIterator[LifecycleStack]:
    async with lifecycle_stack(time_skipping_env, tmp_path, task_queue) as built:
        yield built
