"""The poller's durable cursor, kept in the audit store (both backends)."""

from __future__ import annotations

import threading

from audit_backends import Backend

from integrations.audit import AuditStore

NAME = "bamboohr.changed_since"


def test_missing_cursor_is_none(store: AuditStore) -> None:
    assert store.get_cursor(NAME) is None


def test_unconditional_set_overwrites(store: AuditStore) -> None:
    assert store.set_cursor(NAME, "2025-03-01T00:00:00Z")
    assert store.set_cursor(NAME, "2025-03-02T00:00:00Z")
    assert store.get_cursor(NAME) == "2025-03-02T00:00:00Z"
    assert store.get_cursor("other") is None


def test_compare_and_set(store: AuditStore) -> None:
    # expected=None: only when the cursor does not exist yet.
    assert store.set_cursor(NAME, "t1", expected=None)
    assert not store.set_cursor(NAME, "t0", expected=None)
    assert store.get_cursor(NAME) == "t1"

    assert store.set_cursor(NAME, "t2", expected="t1")
    # A slower poller that read t1 cannot move the cursor back.
    assert not store.set_cursor(NAME, "t1b", expected="t1")
    assert store.get_cursor(NAME) == "t2"
    assert not store.set_cursor("never-set", "x", expected="t2")
    assert store.get_cursor("never-set") is None


def test_cursor_survives_reopen(backend: Backend) -> None:
    with backend.open() as store:
        store.set_cursor(NAME, "t1", expected=None)
    with backend.open() as store:
        assert store.get_cursor(NAME) == "t1"
        assert store.set_cursor(NAME, "t2", expected="t1")


def test_racing_pollers_advance_the_cursor_one_step_at_a_time(backend: Backend) -> None:
    """Pollers on two stores each try to advance from what they read; per step one wins."""
    steps, pollers = 30, 6
    with backend.open() as first, backend.open() as second:
        first.set_cursor(NAME, "0", expected=None)
        stores = [first, second]
        wins: list[tuple[int, int]] = []
        lock = threading.Lock()
        barrier = threading.Barrier(pollers)

        def poll(n: int) -> None:
            store = stores[n % 2]
            barrier.wait()
            for _ in range(steps * 4):
                current = store.get_cursor(NAME)
                assert current is not None
                if int(current) >= steps:
                    return
                if store.set_cursor(NAME, str(int(current) + 1), expected=current):
                    with lock:
                        wins.append((int(current) + 1, n))

        threads = [threading.Thread(target=poll, args=(n,)) for n in range(pollers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert first.get_cursor(NAME) == str(steps)
        # Every step was taken exactly once, never twice and never skipped.
        assert sorted(step for step, _ in wins) == list(range(1, steps + 1))
