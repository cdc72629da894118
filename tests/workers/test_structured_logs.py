"""Log lines are JSON objects carrying employee_id, workflow_id and action, from our own code,
from activities and from workflows; no configured secret and no employee name or e-mail
reaches the output, even in a whole lifecycle with encryption and a codec token configured."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from lifecycle_harness import lifecycle_stack
from lifecycle_people import onboarded
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from contracts.employee import LifecycleState
from lifecycle.redact import EMAIL_MASK
from starters.logs import JsonFormatter, TextFormatter, configure_logging
from workers.codec import new_key

SECRET = "hunter2-but-longer-secret"


def render(formatter: logging.Formatter, msg: str, *args: object, **extra: object) -> str:
    record = logging.LogRecord("lifecycle.test", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return formatter.format(record)


def test_every_line_has_the_three_ids_even_when_unknown() -> None:
    line = json.loads(render(JsonFormatter(), "service started"))
    assert line["employee_id"] is None and line["workflow_id"] is None and line["action"] is None
    assert line["message"] == "service started" and line["level"] == "INFO"


def test_our_own_lines_pass_ids_through_extra() -> None:
    line = json.loads(
        render(JsonFormatter(), "held", employee_id="42", action="okta.user.deactivate")
    )
    assert line["employee_id"] == "42" and line["action"] == "okta.user.deactivate"


def test_activity_logger_context_is_flattened() -> None:
    details = {
        "activity_id": "3",
        "activity_type": "set_okta_status",
        "attempt": 2,
        "namespace": "default",
        "task_queue": "q",
        "workflow_id": "employee-1001",
        "workflow_run_id": "run-1",
        "workflow_type": "EmployeeLifecycle",
    }
    line = json.loads(render(JsonFormatter(), "deactivating", temporal_activity=details))
    assert line["employee_id"] == "1001" and line["workflow_id"] == "employee-1001"
    assert line["action"] == "set_okta_status" and line["attempt"] == 2
    assert "temporal_activity" not in line


def test_workflow_logger_context_is_flattened() -> None:
    details = {
        "attempt": 1,
        "namespace": "default",
        "run_id": "run-9",
        "task_queue": "q",
        "workflow_id": "employee-77",
        "workflow_type": "EmployeeLifecycle",
        "update_name": "fast_forward",
    }
    line = json.loads(render(JsonFormatter(), "fast-forward", temporal_workflow=details))
    assert line["employee_id"] == "77" and line["workflow_id"] == "employee-77"
    assert line["action"] == "fast_forward" and line["run_id"] == "run-9"


def test_non_employee_workflows_have_no_employee_id() -> None:
    details = {"workflow_id": "bamboohr-poller", "workflow_type": "PollWorkflow", "run_id": "r"}
    line = json.loads(render(JsonFormatter(), "poll", temporal_workflow=details))
    assert line["employee_id"] is None and line["action"] == "PollWorkflow"


@pytest.mark.parametrize("formatter", [JsonFormatter([SECRET]), TextFormatter([SECRET])])
def test_secrets_and_email_addresses_are_masked(formatter: logging.Formatter) -> None:
    text = render(
        formatter,
        "okta GET /api/v1/users/%s failed; token %s; to %s",
        "ada.lovelace%40acme.example",
        SECRET,
        "ada.lovelace@acme.example",
        detail={"login": "ada.lovelace@acme.example"},
    )
    assert SECRET not in text and "ada.lovelace" not in text and "acme.example" not in text
    assert EMAIL_MASK in text


def test_notification_lines_keep_ids_only() -> None:
    notification = {
        "event": "terminated",
        "employee_id": "1001",
        "severity": "info",
        "audiences": ["security", "hr"],
        "subject": "Account deactivated: Avel Examplesson",
        "text": "Avel Examplesson (employee 1001) was terminated",
        "data": {"display_name": "Avel Examplesson"},
    }
    for formatter in (JsonFormatter(), TextFormatter()):
        text = render(
            formatter,
            "notification %s: %s",
            "terminated",
            "Account deactivated: Avel Examplesson",
            notification=notification,
        )
        assert "Examplesson" not in text
        assert "notification terminated for security,hr" in text
    line = json.loads(render(JsonFormatter(), "n", notification=notification))
    assert line["employee_id"] == "1001"
    assert line["notification"] == {
        "event": "terminated",
        "employee_id": "1001",
        "severity": "info",
        "audiences": ["security", "hr"],
    }


def test_debug_level_never_lets_the_sdk_dump_payloads() -> None:
    from lifecycle.settings import Settings

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging(
            Settings(_env_file=None, lifecycle_log_level="DEBUG"),  # type: ignore[call-arg]
            stream=io.StringIO(),
        )
        assert root.level == logging.DEBUG
        for name in ("temporalio.service", "temporalio.worker._activity"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield io.StringIO()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


async def test_a_whole_lifecycle_logs_ids_and_nothing_secret_or_personal(
    time_skipping_env: WorkflowEnvironment,
    tmp_path: Path,
    task_queue: str,
    captured: io.StringIO,
) -> None:
    codec_token = "codec-token-never-logged-81c2"
    keys = f"k1:{new_key()}"
    async with lifecycle_stack(
        time_skipping_env,
        tmp_path,
        task_queue,
        lifecycle_encryption_keys=SecretStr(keys),
        lifecycle_codec_token=SecretStr(codec_token),
        lifecycle_log_level="DEBUG",
    ) as stack:
        configure_logging(stack.settings, stream=captured)
        employee, _ = await onboarded(stack)
        stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
        await stack.notify(employee)
        await stack.wait_state(employee, LifecycleState.TERMINATED)
        person = stack.hr.store.get(employee, ["firstName", "lastName", "workEmail"])
    output = captured.getvalue()

    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines
    for line in lines:
        assert {"employee_id", "workflow_id", "action"} <= set(line), line
    mine = [line for line in lines if line["employee_id"] == employee]
    assert mine, "no line about the employee"
    assert all(line["workflow_id"] == f"employee-{employee}" and line["action"] for line in mine)

    forbidden = [
        *stack.settings.secret_values(),
        keys.split(":", 1)[1],
        codec_token,
        person["lastName"],
        person["workEmail"],
        person["workEmail"].replace("@", "%40"),
    ]
    for value in forbidden:
        bad = [line for line in output.splitlines() if value in line]
        assert not bad, f"{value[:6]}… found in the logs: {bad[:3]}"
