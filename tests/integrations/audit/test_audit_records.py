"""Appending and reading back audit records, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from audit_backends import Backend

from integrations.audit import AuditEntry, AuditStore, AuditStoreError

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def entry(**overrides: object) -> AuditEntry:
    fields: dict[str, object] = {
        "employee_id": "1042",
        "action": "okta.user.deactivate",
        "target": "00u1abcd",
        "result": "success",
        "at": T0,
    }
    fields.update(overrides)
    return AuditEntry.model_validate(fields)


def test_every_field_reads_back_as_written(store: AuditStore) -> None:
    written = entry(
        before={"status": "ACTIVE", "groups": ["Engineering", "VPN"], "nested": {"n": 1}},
        after={"status": "DEPROVISIONED", "groups": []},
        error=None,
        request={"method": "POST", "path": "/api/v1/users/00u1abcd/lifecycle/deactivate"},
        detail={"reason": "terminated", "effective": "2025-03-03"},
        mode="dry-run",
        result="planned",
        workflow_id="employee-1042",
        run_id="run-7",
        activity_id="12",
        attempt=2,
        idempotency_key="employee-1042:run-7:12:okta.user.deactivate:00u1abcd",
        at=datetime(2025, 3, 3, 10, 15, 30, 123456, tzinfo=timezone(timedelta(hours=1))),
    )
    record_id = store.record(written)

    [record] = store.history("1042")
    assert record.id == record_id
    assert record.model_dump(exclude={"id"}) == written.model_dump()
    assert record.at == datetime(2025, 3, 3, 9, 15, 30, 123456, tzinfo=UTC)
    assert record.at.tzinfo == UTC


def test_times_are_stored_in_utc(store: AuditStore) -> None:
    paris = datetime(2025, 3, 3, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
    store.record(entry(at=paris))
    [record] = store.history("1042")
    assert record.at == datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    assert record.at.utcoffset() == timedelta(0)


def test_failed_write_keeps_its_error_text(store: AuditStore) -> None:
    store.record(
        entry(result="failed", error="Okta 500: internal error", before={"status": "ACTIVE"})
    )
    [record] = store.history("1042")
    assert (record.result, record.error, record.before, record.after) == (
        "failed",
        "Okta 500: internal error",
        {"status": "ACTIVE"},
        None,
    )


def test_history_is_oldest_first_and_limit_keeps_the_latest(store: AuditStore) -> None:
    # Written out of time order: history follows `at`, not insertion.
    for minutes in (30, 10, 20, 0):
        store.record(entry(action=f"a.{minutes}", at=T0 + timedelta(minutes=minutes)))
    store.record(entry(employee_id="other"))

    assert [r.action for r in store.history("1042")] == ["a.0", "a.10", "a.20", "a.30"]
    assert [r.action for r in store.history("1042", limit=2)] == ["a.20", "a.30"]
    assert store.history("1042", limit=0) == []
    assert store.history("nobody") == []


def test_outcome_with_same_key_is_recorded_once_with_latest_attempt(store: AuditStore) -> None:
    key = "wf:run:5:okta.user.deactivate:00u1abcd"
    first = store.record(entry(idempotency_key=key, attempt=1))
    # The activity is retried after the connection dropped once the write had succeeded.
    again = store.record(entry(idempotency_key=key, attempt=3, at=T0 + timedelta(minutes=5)))
    # A stale attempt arriving late does not move the attempt backwards.
    stale = store.record(entry(idempotency_key=key, attempt=2))

    assert first == again == stale
    [record] = store.history("1042")
    assert (record.id, record.attempt, record.at) == (first, 3, T0)


@pytest.mark.parametrize("result", ["success", "planned", "held", "noop"])
def test_each_outcome_kind_is_deduplicated(store: AuditStore, result: str) -> None:
    for attempt in (1, 2):
        store.record(entry(result=result, idempotency_key="k", attempt=attempt))
    assert store.count(result=result) == 1


def test_failed_attempts_are_always_appended(store: AuditStore) -> None:
    key = "wf:run:5:okta.group.add:Engineering"
    store.record(
        entry(
            action="okta.group.add",
            result="failed",
            error="timeout",
            idempotency_key=key,
            attempt=1,
        )
    )
    store.record(
        entry(
            action="okta.group.add",
            result="failed",
            error="timeout",
            idempotency_key=key,
            attempt=2,
        )
    )
    store.record(entry(action="okta.group.add", result="success", idempotency_key=key, attempt=3))
    store.record(entry(action="okta.group.add", result="success", idempotency_key=key, attempt=3))

    assert [(r.result, r.attempt) for r in store.history("1042")] == [
        ("failed", 1),
        ("failed", 2),
        ("success", 3),
    ]


def test_info_and_unkeyed_records_are_appended(store: AuditStore) -> None:
    store.record(entry(result="info", idempotency_key="k"))
    store.record(entry(result="info", idempotency_key="k"))
    store.record(entry(result="success"))
    store.record(entry(result="success"))
    assert store.count() == 4


def test_query_filters(store: AuditStore) -> None:
    rows = [
        ("1", "okta.user.create", "success", "apply", 0),
        ("1", "okta.group.add", "success", "apply", 1),
        ("2", "okta.user.create", "planned", "dry-run", 2),
        ("2", "okta.user.create", "failed", "apply", 3),
        ("3", "lifecycle.hold", "held", "apply", 4),
    ]
    for employee, action, result, mode, hour in rows:
        store.record(
            entry(
                employee_id=employee,
                action=action,
                result=result,
                mode=mode,
                at=T0 + timedelta(hours=hour),
            )
        )

    def keys(**filters: object) -> list[tuple[str, str]]:
        return [(r.employee_id, r.action) for r in store.query(**filters)]  # type: ignore[arg-type]

    assert len(store.query()) == 5
    assert keys(action="okta.user.create") == [
        ("1", "okta.user.create"),
        ("2", "okta.user.create"),
        ("2", "okta.user.create"),
    ]
    assert keys(result=["held", "planned"]) == [("2", "okta.user.create"), ("3", "lifecycle.hold")]
    assert keys(employee_id="2", result="failed") == [("2", "okta.user.create")]
    assert keys(mode="dry-run") == [("2", "okta.user.create")]
    # since is inclusive, until exclusive.
    assert keys(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)) == [
        ("1", "okta.group.add"),
        ("2", "okta.user.create"),
    ]
    assert keys(result=[]) == []
    assert store.count(action="okta.user.create", result="success") == 1
    assert store.count(since=T0 + timedelta(hours=4)) == 1
    assert store.count(employee_id=["1", "3"]) == 3


def test_query_pages_forward_by_id(store: AuditStore) -> None:
    # Inserted out of time order (e.g. writers whose clocks differ): pages follow `at`.
    for minute in (3, 0, 6, 1, 5, 2, 4):
        store.record(entry(action=f"a.{minute}", at=T0 + timedelta(minutes=minute)))
    seen: list[str] = []
    after_id = None
    while page := store.query(limit=3, after_id=after_id):
        seen += [r.action for r in page]
        after_id = page[-1].id
    assert seen == [f"a.{m}" for m in range(7)]


def test_query_rejects_naive_times(store: AuditStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.query(since=datetime(2025, 1, 1))


def test_a_misspelt_filter_is_refused_not_ignored(store: AuditStore) -> None:
    store.record(entry())
    store.record(entry(employee_id="2001", target="00u2"))
    # Ignored, `employe_id` would select every employee's records.
    with pytest.raises(TypeError, match=r"unknown audit filter.*employe_id"):
        store.query(employe_id="1042")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"unknown audit filter.*actions"):
        store.count(actions="okta.user.deactivate")  # type: ignore[call-arg]
    assert store.count(employee_id="1042") == 1


def test_last_actions_is_the_latest_success_or_hold_per_employee(store: AuditStore) -> None:
    store.record(entry(employee_id="1", action="okta.user.create", at=T0))
    store.record(entry(employee_id="1", action="okta.user.suspend", at=T0 + timedelta(days=3)))
    store.record(
        entry(
            employee_id="1",
            action="okta.user.deactivate",
            result="failed",
            at=T0 + timedelta(days=4),
        )
    )
    store.record(entry(employee_id="2", action="okta.user.create", at=T0))
    store.record(
        entry(employee_id="2", action="lifecycle.hold", result="held", at=T0 + timedelta(days=1))
    )
    store.record(entry(employee_id="3", action="okta.user.create", result="planned", at=T0))

    last = store.last_actions()
    assert {k: v.action for k, v in last.items()} == {
        "1": "okta.user.suspend",
        "2": "lifecycle.hold",
    }
    assert store.last_actions(results=["planned"])["3"].action == "okta.user.create"


def test_records_survive_close_and_reopen(backend: Backend) -> None:
    with backend.open() as first:
        record_id = first.record(entry(idempotency_key="k", attempt=1))
        first.set_cursor("bamboohr.changed_since", "2025-03-03T09:00:00Z")
    with backend.open() as second:
        # Still deduplicated against the row written before the restart.
        assert second.record(entry(idempotency_key="k", attempt=2)) == record_id
        assert [r.id for r in second.history("1042")] == [record_id]
        assert second.get_cursor("bamboohr.changed_since") == "2025-03-03T09:00:00Z"
        assert second.record(entry(action="okta.group.add")) > record_id


def test_rows_cannot_be_deleted_or_rewritten(backend: Backend, store: AuditStore) -> None:
    store.record(entry())
    with pytest.raises(Exception, match="append-only"):
        backend.sql("DELETE FROM audit_events")
    with pytest.raises(Exception, match="append-only"):
        backend.sql("UPDATE audit_events SET result = 'failed'")
    assert [r.result for r in store.history("1042")] == ["success"]


def test_closed_store_refuses_calls(store: AuditStore) -> None:
    store.close()
    store.close()  # idempotent
    with pytest.raises(AuditStoreError, match="closed"):
        store.record(entry())


async def test_async_twins(store: AuditStore) -> None:
    record_id = await store.arecord(entry(idempotency_key="k"))
    assert await store.arecord(entry(idempotency_key="k")) == record_id
    assert [r.id for r in await store.ahistory("1042")] == [record_id]
    assert [r.id for r in await store.aquery(employee_id="1042")] == [record_id]
    assert await store.acount(result="success") == 1
    assert (await store.alast_actions())["1042"].id == record_id
    assert await store.aset_cursor("c", "1", expected=None)
    assert await store.aget_cursor("c") == "1"
