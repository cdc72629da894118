"""The reliability suite: one real stack for the whole session (Temporal dev server, worker
and webhook receiver as processes, simulators over HTTP; see tests/support/process_stack.py).

Scenarios run in a fixed order (the leak scan last, over everything the others logged and
stored) and each prints how long it took.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from process_stack import ProcessStack

# Module order: cheap and self-contained first, the scan of logs and histories last.
ORDER = [
    "test_webhook_redelivery",
    "test_worker_crashes",
    "test_devserver_restart",
    "test_guard_restarts",
    "test_okta_faults",
    "test_bamboohr_outage",
    "test_no_leaks",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> tuple[int, int]:
        path = Path(str(item.fspath))
        if path.parent != here:
            return (-1, 0)  # not ours: keep it where it was, before us
        name = path.stem
        return (ORDER.index(name) if name in ORDER else len(ORDER) - 1, 0)

    items.sort(key=rank)  # stable: the order inside a module is kept
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture(scope="session")
async def rstack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ProcessStack]:
    root = tmp_path_factory.mktemp("reliability")
    stack = ProcessStack(root)
    started = time.monotonic()
    try:
        await stack.start()  # a failed start still stops whatever did start
        print(f"\n[reliability] stack up in {time.monotonic() - started:.1f}s; logs: {root}/logs")
        yield stack
    finally:
        print("\n[reliability] what the stack went through:\n  " + "\n  ".join(stack.events))
        await stack.close()


@pytest.fixture
def timing(request: pytest.FixtureRequest) -> Iterator[dict[str, float]]:
    """Phase durations of one scenario, printed after it (run with -s to see them)."""
    phases: dict[str, float] = {}
    started = time.monotonic()
    yield phases
    total = time.monotonic() - started
    shown = ", ".join(f"{k} {v:.1f}s" for k, v in phases.items())
    print(f"\n[reliability] {request.node.name}: {total:.1f}s ({shown})")
