"""The notify activity reports every sink's outcome and never fails the lifecycle step."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from activities.notify import NotifyActivities
from contracts.activities import Activity, NotificationEvent, NotifyInput, NotifyResult
from integrations.notify import (
    DispatchResult,
    LogSink,
    Notifier,
    NotifyConfig,
    SlackSink,
    SmtpSink,
    WebhookSink,
)
from integrations.serving import ThreadedServer, free_port
from lifecycle.settings import Settings, SettingsError

SLACK_TOKEN = "slack-secret-token-for-activity-test"


class Receiver:
    """Records JSON posts; answers 500 on paths under /broken."""

    def __init__(self) -> None:
        self.posts: dict[str, list[Any]] = {}
        self.server = ThreadedServer(
            Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])]),
            name="activity-notify-receiver",
        )

    async def _receive(self, request: Request) -> PlainTextResponse:
        path = "/" + request.path_params["path"]
        self.posts.setdefault(path, []).append(await request.json())
        status = 500 if path.startswith("/broken") else 200
        return PlainTextResponse("failed" if status == 500 else "ok", status_code=status)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hooks = Receiver()
    hooks.server.start()
    yield hooks
    hooks.server.stop()


def _recipients() -> NotifyConfig:
    return NotifyConfig(_env_file=None)


async def test_failing_sinks_are_reported_and_the_activity_returns(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    notifier = Notifier(
        [
            LogSink(),
            WebhookSink(receiver.server.url + "/webhook"),
            SlackSink(receiver.server.url + f"/broken/services/T1/B1/{SLACK_TOKEN}"),
            SmtpSink(  # nothing listens there: connection refused
                host="127.0.0.1",
                port=free_port(),
                sender="lifecycle@acme.example",
                recipients=_recipients(),
                starttls=False,
                timeout=2,
            ),
        ]
    )
    result = await ActivityEnvironment().run(
        NotifyActivities(notifier).notify,
        NotifyInput(
            event=NotificationEvent.TERMINATED,
            employee_id="4711",
            audiences=["security", "hr"],
            data={"display_name": "Ada Example", "login": "ada@acme.example"},
        ),
    )

    assert isinstance(result, NotifyResult)
    assert result.delivered == ["log", "webhook"]
    assert result.failed == {
        "slack": "HTTP 500: failed",
        "smtp": "ConnectionRefusedError: Connection refused",
    }
    [post] = receiver.posts["/webhook"]
    assert post["event"] == "terminated"
    assert post["subject"] == "Account deactivated (termination): Ada Example (employee 4711)"
    assert post["audiences"] == ["security", "hr"]
    # The failure is logged, and the Slack URL (its credential) is nowhere.
    assert any("failed: slack: HTTP 500" in r.getMessage() for r in caplog.records)
    assert SLACK_TOKEN not in result.model_dump_json()
    assert SLACK_TOKEN not in caplog.text
    assert not [r for r in caplog.records if SLACK_TOKEN in str(vars(r))]


@pytest.mark.parametrize("event", list(NotificationEvent), ids=str)
async def test_every_event_is_delivered(
    event: NotificationEvent, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lifecycle.notify")
    result = await ActivityEnvironment().run(
        NotifyActivities(Notifier([LogSink()])).notify,
        NotifyInput(event=event, employee_id="4711", data={"display_name": "Ada Example"}),
    )
    assert result == NotifyResult(delivered=["log"])
    [record] = [r for r in caplog.records if r.name == "lifecycle.notify"]
    assert record.notification["event"] == event.value  # type: ignore[attr-defined]
    # The log line names the employee by id only (logs travel further than notifications).
    assert "Ada Example" not in record.getMessage()
    if event is not NotificationEvent.SAFEGUARD_PAUSED:
        assert "employee 4711" in record.getMessage()


class _BrokenNotifier(Notifier):
    async def notify(
        self,
        event: str,
        *,
        employee_id: str | None = None,
        audiences: Sequence[str] = (),
        data: Mapping[str, Any] | None = None,
    ) -> DispatchResult:
        raise RuntimeError("notifier bug")


async def test_even_a_broken_notifier_does_not_fail_the_activity() -> None:
    result = await ActivityEnvironment().run(
        NotifyActivities(_BrokenNotifier([])).notify,
        NotifyInput(event=NotificationEvent.NEEDS_REVIEW, employee_id="1"),
    )
    assert result == NotifyResult(failed={"notifier": "RuntimeError: notifier bug"})


def test_registered_under_the_contract_name() -> None:
    definition = activity._Definition.must_from_callable(NotifyActivities.notify)
    assert definition.name == Activity.NOTIFY == "notify"


def test_from_settings_rejects_a_bad_sink_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIFECYCLE_NOTIFY_WEBHOOK_URL", raising=False)
    settings = Settings(_env_file=None, lifecycle_notify_sinks="log,webhook")
    with pytest.raises(SettingsError, match="LIFECYCLE_NOTIFY_WEBHOOK_URL"):
        NotifyActivities.from_settings(settings)
