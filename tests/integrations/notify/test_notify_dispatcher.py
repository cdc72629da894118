"""The notifier fans out to every sink, survives any sink failing, and keeps secrets out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import pytest
from notify_receivers import HR, IT, SECURITY, HookReceiver, SmtpTestServer
from pydantic import SecretStr

from integrations.notify import (
    LogSink,
    Message,
    Notifier,
    NotifyConfig,
    SlackSink,
    SmtpSink,
    WebhookSink,
    build_notifier,
    load_notify_config,
)
from lifecycle.settings import Settings, SettingsError

SLACK_TOKEN = "xoxb-slack-secret-token-7f3a"
SMTP_PASSWORD = "smtp-secret-password-91c2"


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def _problems(**values: Any) -> list[str]:
    with pytest.raises(SettingsError) as failure:
        build_notifier(_settings(**values), NotifyConfig(_env_file=None))
    return failure.value.problems


class _Hanging:
    name = "hanging"

    async def send(self, message: Message, audiences: Sequence[str]) -> None:
        await asyncio.Event().wait()


class _Exploding:
    name = "exploding"

    def __init__(self, detail: str) -> None:
        self.detail = detail

    async def send(self, message: Message, audiences: Sequence[str]) -> None:
        raise RuntimeError(self.detail)


# --- fan-out -----------------------------------------------------------------------------


async def test_failing_sinks_are_reported_while_the_others_deliver(
    receiver: HookReceiver, recipients: NotifyConfig
) -> None:
    receiver.status["/slack"] = 500
    refusing_smtp = SmtpTestServer(refuse="rcpt").start()
    try:
        notifier = Notifier(
            [
                LogSink(),
                WebhookSink(receiver.url("/webhook")),
                SlackSink(receiver.url("/slack")),
                SmtpSink(
                    host=refusing_smtp.host,
                    port=refusing_smtp.port,
                    sender="lifecycle@corp.example",
                    recipients=recipients,
                    starttls=False,
                ),
            ]
        )
        result = await notifier.notify(
            "protected_held", employee_id="4711", data={"action": "deactivate"}
        )
    finally:
        refusing_smtp.stop()

    assert result.delivered == ["log", "webhook"]
    assert result.failed == {
        "slack": "HTTP 500: no_service",
        "smtp": "SMTP server refused all 2 recipient(s) (550)",
    }
    [post] = receiver.posts_to("/webhook")
    assert post.json["event"] == "protected_held"
    assert post.json["audiences"] == ["it", "security"]  # the event's default audiences


async def test_every_sink_delivers_the_same_notification(
    receiver: HookReceiver, smtp_server: SmtpTestServer, recipients: NotifyConfig
) -> None:
    notifier = Notifier(
        [
            WebhookSink(receiver.url("/webhook")),
            SlackSink(receiver.url("/slack")),
            SmtpSink(
                host=smtp_server.host,
                port=smtp_server.port,
                sender="lifecycle@corp.example",
                recipients=recipients,
                starttls=False,
            ),
        ]
    )
    result = await notifier.notify(
        "access_changed",
        employee_id="4711",
        audiences=["grace@corp.example"],
        data={"display_name": "Ada Example", "groups_added": ["Sales"]},
    )
    assert result.delivered == ["webhook", "slack", "smtp"] and result.failed == {}
    [webhook] = receiver.posts_to("/webhook")
    [slack] = receiver.posts_to("/slack")
    [mail] = smtp_server.mails
    subject = "Access changed: Ada Example (employee 4711)"
    assert webhook.json["subject"] == subject
    assert webhook.json["audiences"] == ["grace@corp.example"]
    assert slack.json["blocks"][0]["text"]["text"] == subject
    assert mail.message["Subject"] == subject
    assert mail.rcpt_to == ["grace@corp.example"]


async def test_a_hanging_sink_times_out_without_delaying_the_others(
    receiver: HookReceiver,
) -> None:
    notifier = Notifier([_Hanging(), WebhookSink(receiver.url("/webhook"))], timeout=0.3)
    started = time.monotonic()
    result = await notifier.notify("leave_started", employee_id="1")
    assert time.monotonic() - started < 2
    assert result.delivered == ["webhook"]
    assert result.failed == {"hanging": "timed out after 0.3s"}


async def test_every_audience_is_resolved_to_the_configured_addresses(
    smtp_server: SmtpTestServer, recipients: NotifyConfig
) -> None:
    notifier = Notifier(
        [
            SmtpSink(
                host=smtp_server.host,
                port=smtp_server.port,
                sender="lifecycle@corp.example",
                recipients=recipients,
                starttls=False,
            )
        ]
    )
    await notifier.notify("terminated", employee_id="1")  # default: security and HR
    await notifier.notify("account_staged", employee_id="2", audiences=["it", "hr"])
    assert [m.rcpt_to for m in smtp_server.mails] == [[SECURITY, HR], [IT, HR]]


def test_sink_names_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique: log"):
        Notifier([LogSink(), LogSink()])


# --- secrets -----------------------------------------------------------------------------


async def test_secrets_never_reach_results_or_logs(
    receiver: HookReceiver, recipients: NotifyConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slack_path = f"/services/T0001/B0001/{SLACK_TOKEN}"
    slack_url = receiver.url(slack_path)
    auth_smtp = SmtpTestServer(users={"mailer": "another-password"}).start()
    try:
        notifier = build_notifier(
            _settings(
                lifecycle_notify_sinks="log,slack,smtp",
                lifecycle_notify_slack_url=slack_url,
                lifecycle_smtp_host=auth_smtp.host,
                lifecycle_smtp_port=auth_smtp.port,
                lifecycle_smtp_from="lifecycle@corp.example",
                lifecycle_smtp_user="mailer",
                lifecycle_smtp_password=SMTP_PASSWORD,
                lifecycle_smtp_starttls=False,
            ),
            recipients,
        )
        delivered = await notifier.notify("terminated", employee_id="4711")
        receiver.status[slack_path] = 500
        failing = await notifier.notify("rehired", employee_id="4711")
        exploding = await Notifier(
            [_Exploding(f"could not post to {slack_url} with {SMTP_PASSWORD}")]
        ).notify("leave_ended", employee_id="4711")
    finally:
        auth_smtp.stop()

    assert delivered.delivered == ["log", "slack"]
    assert delivered.failed["smtp"].startswith("SMTP 535")  # wrong password: refused
    assert failing.failed["slack"] == "HTTP 500: no_service"
    assert exploding.failed == {"exploding": "RuntimeError: could not post to *** with ***"}
    # httpx logged the Slack request (so the check below is not vacuous), redacted.
    assert any(r.name == "httpx" and "***" in r.getMessage() for r in caplog.records)
    everything = [
        caplog.text,
        *(str(vars(r)) for r in caplog.records),
        str(delivered),
        str(failing),
        str(exploding),
        repr(notifier.sinks),
    ]
    for secret in (SLACK_TOKEN, SMTP_PASSWORD):
        assert not [text for text in everything if secret in text], secret


# --- building from settings --------------------------------------------------------------


def test_builds_the_configured_sinks_in_order(recipients: NotifyConfig) -> None:
    notifier = build_notifier(
        _settings(
            lifecycle_notify_sinks=" Smtp, log,webhook, slack,log ",
            lifecycle_notify_webhook_url="https://hooks.example.com/lifecycle",
            lifecycle_notify_slack_url="https://hooks.slack.com/services/T1/B1/abc123",
            lifecycle_smtp_host="smtp.example.com",
            lifecycle_smtp_from="Lifecycle <lifecycle@example.com>",
            lifecycle_smtp_user="mailer",
            lifecycle_smtp_password="pw-123456",
        ),
        recipients,
    )
    assert notifier.sink_names == ["smtp", "log", "webhook", "slack"]
    assert build_notifier(_settings(), recipients).sink_names == ["log"]  # the default


def test_unknown_sink_names_the_variable() -> None:
    assert _problems(lifecycle_notify_sinks="log,teams") == [
        "LIFECYCLE_NOTIFY_SINKS: unknown sink 'teams' (choose from log, webhook, slack, smtp)"
    ]
    assert _problems(lifecycle_notify_sinks=" , ")[0].startswith(
        "LIFECYCLE_NOTIFY_SINKS: name at least one sink"
    )


def test_sinks_without_their_settings_name_the_variables() -> None:
    problems = _problems(lifecycle_notify_sinks="webhook,slack,smtp")
    assert [p.split(":", 1)[0] for p in problems] == [
        "LIFECYCLE_NOTIFY_WEBHOOK_URL",
        "LIFECYCLE_NOTIFY_SLACK_URL",
        "LIFECYCLE_SMTP_HOST",
        "LIFECYCLE_SMTP_FROM",
    ]


def test_a_bad_slack_url_is_reported_without_echoing_it() -> None:
    [problem] = _problems(
        lifecycle_notify_sinks="slack",
        lifecycle_notify_slack_url=f"http://hooks.slack.com/services/T1/B1/{SLACK_TOKEN}",
    )
    assert problem.startswith("LIFECYCLE_NOTIFY_SLACK_URL: plain http")
    assert SLACK_TOKEN not in problem
    [problem] = _problems(lifecycle_notify_sinks="slack", lifecycle_notify_slack_url=SLACK_TOKEN)
    assert problem.startswith("LIFECYCLE_NOTIFY_SLACK_URL: must be an https URL")
    assert SLACK_TOKEN not in problem


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"lifecycle_smtp_user": "mailer"}, "LIFECYCLE_SMTP_PASSWORD"),
        ({"lifecycle_smtp_password": SMTP_PASSWORD}, "LIFECYCLE_SMTP_USER"),
        ({"lifecycle_smtp_from": "nobody"}, "LIFECYCLE_SMTP_FROM"),
        (
            {
                "lifecycle_smtp_user": "mailer",
                "lifecycle_smtp_password": SMTP_PASSWORD,
                "lifecycle_smtp_starttls": False,
            },
            "LIFECYCLE_SMTP_STARTTLS",
        ),
    ],
)
def test_smtp_settings_problems_name_the_variable(values: dict[str, Any], variable: str) -> None:
    settings = {
        "lifecycle_notify_sinks": "smtp",
        "lifecycle_smtp_host": "smtp.example.com",
        "lifecycle_smtp_from": "lifecycle@example.com",
        **values,
    }
    [problem] = _problems(**settings)
    assert problem.startswith(f"{variable}: ")
    assert SMTP_PASSWORD not in problem


def test_audience_addresses_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_notify_config(_env_file=None)
    assert [defaults.addresses(a) for a in ("it", "security", "hr")] == [
        ["it@acme.example"],
        ["security@acme.example"],
        ["hr@acme.example"],
    ]
    assert defaults.timeout_seconds == 10

    monkeypatch.setenv("LIFECYCLE_NOTIFY_SECURITY_EMAIL", "soc@corp.example, ciso@corp.example")
    monkeypatch.setenv("LIFECYCLE_NOTIFY_HR_EMAIL", "")
    config = load_notify_config(_env_file=None)
    assert config.addresses("security") == ["soc@corp.example", "ciso@corp.example"]
    assert config.addresses("hr") == []
    assert config.addresses("payroll") == []


def test_bad_audience_addresses_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECYCLE_NOTIFY_HR_EMAIL", "people team")
    monkeypatch.setenv("LIFECYCLE_NOTIFY_TIMEOUT_SECONDS", "0")
    with pytest.raises(SettingsError) as failure:
        load_notify_config(_env_file=None)
    assert [p.split(":", 1)[0] for p in failure.value.problems] == [
        "LIFECYCLE_NOTIFY_HR_EMAIL",
        "LIFECYCLE_NOTIFY_TIMEOUT_SECONDS",
    ]
    # build_notifier reads the same variables when it is given no config.
    with pytest.raises(SettingsError, match="LIFECYCLE_NOTIFY_HR_EMAIL"):
        build_notifier(_settings())


def test_secret_settings_stay_secret_in_sink_reprs() -> None:
    sink = SlackSink(SecretStr(f"https://hooks.slack.com/services/T/B/{SLACK_TOKEN}"))
    assert SLACK_TOKEN not in repr(sink)
