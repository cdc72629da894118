"""Concurrent writers on both backends: no lost rows, no duplicated outcomes.

Writers race on purpose: every writer records the *same* outcome keys (as retried
activities on different workers would) plus its own failed attempts.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from audit_backends import Backend

from integrations.audit import AuditEntry, AuditStore

KEYS = 40  # shared outcome keys per run


def write_batch(store: AuditStore, writer: str, keys: int = KEYS) -> list[int]:
    """What one writer does: each key's outcome once, and one failed try of its own."""
    ids = []
    for n in range(keys):
        ids.append(
            store.record(
                AuditEntry(
                    employee_id=f"e{n % 5}",
                    action="okta.group.add",
                    target=f"group-{n}",
                    result="success",
                    idempotency_key=f"wf-{n}:run:1:okta.group.add:group-{n}",
                    attempt=1,
                )
            )
        )
        store.record(
            AuditEntry(
                employee_id=f"e{n % 5}",
                action="okta.group.add",
                target=f"group-{n}",
                result="failed",
                error=f"{writer}/{n}",
                idempotency_key=f"wf-{n}:run:1:okta.group.add:group-{n}",
            )
        )
    return ids


def run_together(workers: int, work: Callable[[int], None]) -> None:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def body(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def assert_exactly_once(store: AuditStore, writers: list[str]) -> None:
    successes = store.query(result="success", limit=None)
    assert Counter(r.idempotency_key for r in successes) == {
        f"wf-{n}:run:1:okta.group.add:group-{n}": 1 for n in range(KEYS)
    }
    failures = Counter(r.error for r in store.query(result="failed", limit=None))
    assert failures == {f"{w}/{n}": 1 for w in writers for n in range(KEYS)}
    assert store.count() == KEYS + KEYS * len(writers)


def test_threads_sharing_one_store(store: AuditStore) -> None:
    writers = [f"thread-{n}" for n in range(8)]
    results: dict[int, list[int]] = {}

    def work(n: int) -> None:
        results[n] = write_batch(store, writers[n])

    run_together(len(writers), work)
    assert_exactly_once(store, writers)
    # Every writer got the same id back for the same outcome.
    assert len({tuple(ids) for ids in results.values()}) == 1


def test_two_store_instances_on_the_same_database(backend: Backend) -> None:
    writers = [f"store-{s}-thread-{t}" for s in range(2) for t in range(4)]
    with backend.open() as first, backend.open() as second:
        stores = [first, second]

        def work(n: int) -> None:
            write_batch(stores[n // 4], writers[n])

        run_together(len(writers), work)
        assert_exactly_once(first, writers)
        assert_exactly_once(second, writers)


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from test_audit_concurrency import write_batch
    from integrations.audit import open_audit_store

    url, writer = sys.argv[1], sys.argv[2]
    with open_audit_store(url) as store:  # the first open also migrates: they race on it
        write_batch(store, writer)
    """
)


def test_separate_processes_on_a_new_database(backend: Backend) -> None:
    here = str(Path(__file__).parent)
    writers = [f"process-{n}" for n in range(3)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, backend.url, writer, here],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for writer in writers
    ]
    outcomes = [(proc.communicate(timeout=120)[1], proc.returncode) for proc in procs]
    assert [code for _, code in outcomes] == [0] * len(writers), outcomes

    with backend.open() as store:
        assert_exactly_once(store, writers)
    assert backend.sql("SELECT COUNT(*) FROM audit_schema_version")[0][0] == store.schema_version
