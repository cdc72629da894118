"""`lifecycle schedules apply` creates the poller and drift-repair schedules once and brings
them up to date on every later run (changed interval, same ids), with overlap SKIP."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import ScheduleOverlapPolicy
from temporalio.testing import WorkflowEnvironment

from integrations.serving import ReservedPort
from lifecycle.settings import Settings
from starters.cli import main
from starters.schedules import (
    DRIFT_SCHEDULE_ID,
    OKTA_LOG_SCHEDULE_ID,
    POLL_SCHEDULE_ID,
    apply_schedules,
)


async def test_apply_is_idempotent_and_updates_in_place(
    dev_server_env: WorkflowEnvironment,
) -> None:
    client = dev_server_env.client
    queue = f"tq-{uuid.uuid4().hex[:6]}"
    settings = Settings(_env_file=None, temporal_task_queue=queue)  # type: ignore[call-arg]
    for handle_id in (POLL_SCHEDULE_ID, DRIFT_SCHEDULE_ID, OKTA_LOG_SCHEDULE_ID):
        try:
            await client.get_schedule_handle(handle_id).delete()
        except Exception:
            pass  # not there yet

    first = await apply_schedules(client, settings)
    assert [line.split()[0] for line in first] == ["created", "created", "created"]
    okta_log = await client.get_schedule_handle(OKTA_LOG_SCHEDULE_ID).describe()
    assert okta_log.schedule.spec.intervals[0].every == timedelta(seconds=60)
    assert not okta_log.schedule.state.paused

    # Faster polling, and the System Log read turned off (kept, paused).
    faster = settings.model_copy(
        update={"lifecycle_poll_interval_seconds": 60, "lifecycle_okta_log_poll_seconds": 0}
    )
    second = await apply_schedules(client, faster)
    assert [line.split()[0] for line in second] == ["updated", "updated", "updated"]
    okta_log = await client.get_schedule_handle(OKTA_LOG_SCHEDULE_ID).describe()
    assert okta_log.schedule.state.paused

    poll = await client.get_schedule_handle(POLL_SCHEDULE_ID).describe()
    assert poll.schedule.spec.intervals[0].every == timedelta(seconds=60)
    assert poll.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
    assert poll.schedule.action.task_queue == queue  # type: ignore[attr-defined]
    drift = await client.get_schedule_handle(DRIFT_SCHEDULE_ID).describe()
    assert drift.schedule.spec.cron_expressions == ["0 3 * * *"] or drift.schedule.spec.calendars
    # Listing is eventually consistent on the dev server: look until both show up, once each.
    for _ in range(50):
        schedules = [s.id async for s in await client.list_schedules()]
        if POLL_SCHEDULE_ID in schedules and DRIFT_SCHEDULE_ID in schedules:
            break
        await asyncio.sleep(0.2)
    assert schedules.count(POLL_SCHEDULE_ID) == 1 and schedules.count(DRIFT_SCHEDULE_ID) == 1


def test_an_unreachable_server_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nothing_there = ReservedPort()  # bound, never listening: connections are refused
    try:
        monkeypatch.setenv("LIFECYCLE_ENV_FILE", str(tmp_path / "absent.env"))
        monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{nothing_there.port}")
        code = main(["schedules", "apply"])
    finally:
        nothing_there.release()
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"error: cannot reach Temporal at 127.0.0.1:{nothing_there.port}")
    assert "Traceback" not in err and "TEMPORAL_ADDRESS" in err
