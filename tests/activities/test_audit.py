"""The audit activities record the Temporal context of the activity that wrote."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.audit import AuditActivities, audit_write
from contracts.activities import PlannedRequest, RecordAuditEventInput
from integrations.audit import AuditStore, open_audit_store
from lifecycle.settings import Mode


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AuditStore]:
    with open_audit_store(f"sqlite:///{tmp_path / 'audit.db'}") as opened:
        yield opened


def environment(*, attempt: int = 1, activity_id: str = "4") -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        ActivityEnvironment.default_info(),
        workflow_id="employee-1042",
        workflow_run_id="run-9",
        activity_id=activity_id,
        activity_type="record_audit_event",
        attempt=attempt,
    )
    return env


async def test_record_audit_event_carries_the_activity_context(store: AuditStore) -> None:
    activities = AuditActivities(store)
    result = await environment(attempt=2).run(
        activities.record_audit_event,
        RecordAuditEventInput(
            employee_id="1042",
            action="lifecycle.hold",
            result="held",
            detail={
                "target": "00u1042",
                "before": {"status": "ACTIVE"},
                "reason": "protected account: member of Break Glass",
            },
        ),
    )

    [record] = store.history("1042")
    assert result.record_id == record.id
    assert (record.workflow_id, record.run_id, record.activity_id, record.attempt) == (
        "employee-1042",
        "run-9",
        "4",
        2,
    )
    assert (record.action, record.result, record.target, record.mode) == (
        "lifecycle.hold",
        "held",
        "00u1042",
        "apply",
    )
    assert record.before == {"status": "ACTIVE"}
    assert record.detail == {"reason": "protected account: member of Break Glass"}
    assert record.idempotency_key == "employee-1042:run-9:4:lifecycle.hold:00u1042"


async def test_retried_activity_leaves_one_outcome_and_every_failure(store: AuditStore) -> None:
    activities = AuditActivities(store)

    def event(result: str) -> RecordAuditEventInput:
        return RecordAuditEventInput.model_validate(
            {
                "employee_id": "1042",
                "action": "lifecycle.hold",
                "result": result,
                "detail": {"target": "00u1042"},
            }
        )

    await environment(attempt=1).run(activities.record_audit_event, event("failed"))
    first = await environment(attempt=2).run(activities.record_audit_event, event("held"))
    # The result was lost on the way back to the server; attempt 3 records again.
    again = await environment(attempt=3).run(activities.record_audit_event, event("held"))

    assert first.record_id == again.record_id
    assert [(r.result, r.attempt) for r in store.history("1042")] == [
        ("failed", 1),
        ("held", 3),
    ]


async def test_info_events_are_not_deduplicated(store: AuditStore) -> None:
    activities = AuditActivities(store)
    note = RecordAuditEventInput(employee_id="1042", action="lifecycle.note")
    await environment().run(activities.record_audit_event, note)
    await environment().run(activities.record_audit_event, note)
    records = store.history("1042")
    assert [(r.result, r.idempotency_key) for r in records] == [("info", None), ("info", None)]


async def test_dry_run_service_records_planned_requests(store: AuditStore) -> None:
    activities = AuditActivities(store, mode=Mode.DRY_RUN)
    request = PlannedRequest(method="POST", path="/api/v1/users/00u1042/lifecycle/deactivate")
    await environment().run(
        activities.record_audit_event,
        RecordAuditEventInput(
            employee_id="1042",
            action="okta.user.deactivate",
            result="planned",
            detail={"target": "00u1042", "request": request.model_dump(mode="json")},
        ),
    )
    [record] = store.history("1042")
    assert record.mode == "dry-run"
    assert record.request == {"method": "POST", "path": request.path, "body": None}


async def test_malformed_event_fails_without_retries(store: AuditStore) -> None:
    activities = AuditActivities(store)
    with pytest.raises(ApplicationError) as caught:
        await environment().run(
            activities.record_audit_event,
            RecordAuditEventInput(employee_id="1042", action="x", detail={"mode": "sometimes"}),
        )
    assert caught.value.non_retryable
    assert caught.value.type == "InvalidAuditEvent"
    assert store.count() == 0


async def test_audit_write_inside_an_okta_write_activity(store: AuditStore) -> None:
    """How the Okta write activities use the helper: one outcome per (activity, target)."""

    @activity.defn(name="sync_managed_groups")
    async def add_to_groups(groups: list[str]) -> list[int]:
        ids = []
        for group in groups:
            ids.append(
                await audit_write(
                    store,
                    employee_id="1042",
                    action="okta.group.add",
                    target=group,
                    result="planned",
                    request=PlannedRequest(method="PUT", path=f"/api/v1/groups/{group}/users/00u1"),
                    mode=Mode.DRY_RUN,
                )
            )
        return ids

    groups = ["Engineering", "VPN"]
    first = await environment(activity_id="9").run(add_to_groups, groups)
    retried = await environment(activity_id="9", attempt=2).run(add_to_groups, groups)

    assert first == retried
    records = store.history("1042")
    assert [(r.target, r.result, r.mode, r.attempt) for r in records] == [
        ("Engineering", "planned", "dry-run", 2),
        ("VPN", "planned", "dry-run", 2),
    ]
    assert records[0].request == {
        "method": "PUT",
        "path": "/api/v1/groups/Engineering/users/00u1",
        "body": None,
    }
    assert records[1].idempotency_key == "employee-1042:run-9:9:okta.group.add:VPN"


async def test_audit_write_outside_an_activity_has_no_temporal_context(store: AuditStore) -> None:
    for _ in range(2):
        await audit_write(
            store,
            employee_id="1042",
            action="okta.sessions.revoke",
            target="00u1",
            result="success",
            mode="apply",
        )
    records = store.history("1042")
    assert len(records) == 2  # no run identity, so nothing to deduplicate on
    assert {
        (r.workflow_id, r.run_id, r.activity_id, r.attempt, r.idempotency_key) for r in records
    } == {(None, None, None, None, None)}
