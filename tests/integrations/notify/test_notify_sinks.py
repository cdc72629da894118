"""Each sink delivers what a real receiver sees; failures surface as safe error texts."""

from __future__ import annotations

import logging

import pytest
from notify_receivers import HR, IT, SECURITY, HookReceiver, Refusal, SmtpTestServer
from pydantic import SecretStr

from integrations.notify import (
    LogSink,
    NotifyConfig,
    SinkError,
    SlackSink,
    SmtpSink,
    WebhookSink,
    render,
)
from integrations.notify.sinks import describe_error
from integrations.serving import free_port

MANAGER = "grace.manager@corp.example"


def _terminated():
    return render(
        "terminated",
        employee_id="4711",
        data={"display_name": "Ada Example", "login": "ada@corp.example", "immediate": True},
    )


def _smtp(server: SmtpTestServer, recipients: NotifyConfig, **kwargs: object) -> SmtpSink:
    options: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "sender": "Lifecycle <lifecycle@corp.example>",
        "recipients": recipients,
        "starttls": False,
        "timeout": 5.0,
    }
    options.update(kwargs)
    return SmtpSink(**options)


# --- webhook -----------------------------------------------------------------------------


async def test_webhook_posts_the_message_as_json(receiver: HookReceiver) -> None:
    message = _terminated()
    await WebhookSink(receiver.url("/hooks/generic")).send(message, ["security", "hr"])

    [post] = receiver.posts_to("/hooks/generic")
    assert post.json == {
        "event": "terminated",
        "subject": message.subject,
        "text": message.text,
        "data": message.data,
        "audiences": ["security", "hr"],
    }
    assert post.json["data"]["employee_id"] == "4711"
    assert post.headers["content-type"] == "application/json"


async def test_webhook_answering_500_is_a_failure(receiver: HookReceiver) -> None:
    receiver.status["/hooks/generic"] = 500
    with pytest.raises(SinkError, match=r"^HTTP 500: no_service$"):
        await WebhookSink(receiver.url("/hooks/generic")).send(_terminated(), ["it"])


async def test_webhook_on_an_unreachable_port_is_a_failure() -> None:
    sink = WebhookSink(f"http://127.0.0.1:{free_port()}/hook", timeout=2.0)
    with pytest.raises(SinkError, match="ConnectError"):
        await sink.send(_terminated(), ["it"])


# --- Slack -------------------------------------------------------------------------------


async def test_slack_posts_text_and_blocks_without_addresses(receiver: HookReceiver) -> None:
    message = _terminated()
    sink = SlackSink(SecretStr(receiver.url("/services/T0001/B0001/slack-token-1")))
    await sink.send(message, ["security", "hr", MANAGER])

    [post] = receiver.posts_to("/services/T0001/B0001/slack-token-1")
    assert post.json["text"] == message.markdown
    assert post.json["blocks"][: len(message.blocks)] == message.blocks
    assert post.json["blocks"][-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "For: security, hr, 1 direct"}],
    }
    assert MANAGER not in str(post.json)
    assert "slack-token-1" not in repr(sink)


async def test_slack_failure_never_shows_the_url(receiver: HookReceiver) -> None:
    url = receiver.url("/services/T0001/B0001/slack-token-2")
    receiver.status["/services/T0001/B0001/slack-token-2"] = 404
    with pytest.raises(SinkError) as failure:
        await SlackSink(url).send(_terminated(), ["it"])
    assert str(failure.value) == "HTTP 404: no_service"

    gone = SlackSink(f"http://127.0.0.1:{free_port()}/services/T1/B1/slack-token-3", timeout=2)
    with pytest.raises(SinkError) as unreachable:
        await gone.send(_terminated(), ["it"])
    assert "slack-token-3" not in str(unreachable.value)
    assert str(unreachable.value).startswith("ConnectError")


# --- SMTP --------------------------------------------------------------------------------


async def test_smtp_sends_one_mail_to_the_resolved_recipients(
    smtp_server: SmtpTestServer, recipients: NotifyConfig
) -> None:
    message = _terminated()
    # "it" twice and the IT address again explicitly: still one recipient each.
    await _smtp(smtp_server, recipients).send(message, ["security", "hr", "it", "IT", IT, MANAGER])

    [mail] = smtp_server.mails
    assert mail.mail_from == "lifecycle@corp.example"
    assert mail.rcpt_to == [SECURITY, HR, IT, MANAGER]
    received = mail.message
    assert received["Subject"] == message.subject
    assert received["From"] == "Lifecycle <lifecycle@corp.example>"
    assert received["To"] == ", ".join([SECURITY, HR, IT, MANAGER])
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["X-Lifecycle-Event"] == "terminated"
    assert received.get_content().replace("\r\n", "\n").strip() == message.text.strip()


async def test_smtp_uses_the_event_audiences_by_name(
    smtp_server: SmtpTestServer, recipients: NotifyConfig
) -> None:
    sink = _smtp(smtp_server, recipients)
    assert sink.resolve(["it", "payroll", "not an address@x"]) == [IT]
    with pytest.raises(SinkError, match=r"no e-mail recipient for the audiences \(payroll\)"):
        await sink.send(_terminated(), ["payroll"])
    assert smtp_server.mails == []


async def test_smtp_logs_in_when_a_user_is_set(recipients: NotifyConfig) -> None:
    server = SmtpTestServer(users={"mailer": "smtp-pass-1"}).start()
    try:
        sink = _smtp(server, recipients, user="mailer", password=SecretStr("smtp-pass-1"))
        await sink.send(_terminated(), ["it"])
        [mail] = server.mails
        assert mail.auth_user == "mailer"
        assert "smtp-pass-1" not in repr(sink)
    finally:
        server.stop()


async def test_smtp_wrong_password_fails_without_revealing_it(recipients: NotifyConfig) -> None:
    server = SmtpTestServer(users={"mailer": "right-pass"}).start()
    try:
        sink = _smtp(server, recipients, user="mailer", password=SecretStr("wrong-pass-9"))
        with pytest.raises(Exception) as failure:
            await sink.send(_terminated(), ["it"])
        text = describe_error(failure.value)
        assert text.startswith("SMTP 535")
        assert "wrong-pass-9" not in text
        assert server.mails == [] and server.failed_logins == ["mailer"]
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("refusal", "expected"),
    [
        ("greeting", "SMTP 554"),
        ("rcpt", "SMTP server refused all 1 recipient(s) (550)"),
        ("data", "SMTP 554"),
    ],
)
async def test_smtp_refusals_are_failures(
    refusal: Refusal, expected: str, recipients: NotifyConfig
) -> None:
    server = SmtpTestServer(refuse=refusal).start()
    try:
        with pytest.raises(Exception) as failure:
            await _smtp(server, recipients).send(_terminated(), [MANAGER])
        text = describe_error(failure.value)
        assert text.startswith(expected)
        assert MANAGER not in text  # addresses stay out of activity results
        assert server.mails == []
    finally:
        server.stop()


async def test_smtp_never_skips_starttls_silently(
    smtp_server: SmtpTestServer, recipients: NotifyConfig
) -> None:
    sink = _smtp(smtp_server, recipients, starttls=True)
    with pytest.raises(Exception) as failure:
        await sink.send(_terminated(), ["it"])
    assert "STARTTLS" in describe_error(failure.value)
    assert smtp_server.mails == []


async def test_smtp_on_an_unreachable_port_is_a_failure(recipients: NotifyConfig) -> None:
    sink = SmtpSink(
        host="127.0.0.1",
        port=free_port(),
        sender="lifecycle@corp.example",
        recipients=recipients,
        starttls=False,
        timeout=2.0,
    )
    with pytest.raises(OSError) as failure:
        await sink.send(_terminated(), ["it"])
    assert describe_error(failure.value) == "ConnectionRefusedError: Connection refused"


# --- log ---------------------------------------------------------------------------------


async def test_log_sink_writes_one_structured_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lifecycle.notify")
    message = _terminated()
    await LogSink().send(message, ["security", MANAGER])

    [record] = [r for r in caplog.records if r.name == "lifecycle.notify"]
    assert record.levelno == logging.INFO
    assert (
        record.getMessage()
        == "notification terminated for employee 4711 to security,g***@corp.example"
    )
    details = record.notification  # type: ignore[attr-defined]
    assert details["event"] == "terminated"
    assert details["employee_id"] == "4711"
    # Logs carry ids only: no subject, text or data naming the person.
    assert message.subject not in str(record.__dict__)
    assert "data" not in details and "text" not in details
    assert MANAGER not in str(details)


async def test_log_sink_raises_alerts_to_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lifecycle.notify")
    await LogSink().send(render("protected_held", employee_id="7"), ["it"])
    [record] = [r for r in caplog.records if r.name == "lifecycle.notify"]
    assert record.levelno == logging.WARNING
