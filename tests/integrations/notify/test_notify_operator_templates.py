"""An operator's text templates (policy `templates.directory`) replace the packaged ones in
what people receive; a broken one never loses the notification."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from notify_receivers import HookReceiver, SmtpTestServer

from integrations.notify import Notifier, NotifyConfig, SlackSink, SmtpSink


def notifier(directory: Path, smtp: SmtpTestServer, receiver: HookReceiver, to: NotifyConfig):
    return Notifier(
        [
            SmtpSink(
                host=smtp.host,
                port=smtp.port,
                sender="lifecycle@corp.example",
                recipients=to,
                starttls=False,
            ),
            SlackSink(receiver.url("/slack")),
        ],
        templates=directory,
    )


async def test_one_events_text_is_the_operators(
    tmp_path: Path, smtp_server: SmtpTestServer, receiver: HookReceiver, recipients: NotifyConfig
) -> None:
    (tmp_path / "access_changed.txt.j2").write_text(
        "Hello from ACME IT.\n{{ summary }}\n{% for label, value in facts %}"
        "* {{ label }} = {{ value }}\n{% endfor %}Ticket queue: IAM\n"
    )
    send = notifier(tmp_path, smtp_server, receiver, recipients)

    await send.notify(
        "access_changed",
        employee_id="4711",
        audiences=["grace@corp.example"],
        data={"display_name": "Ada Example", "groups_added": ["Sales"]},
    )
    await send.notify(
        "leave_ended",
        employee_id="4712",
        audiences=["grace@corp.example"],
        data={"display_name": "Bo Example"},
    )

    changed, ended = smtp_server.mails
    body = changed.message.get_content().replace("\r\n", "\n")
    assert body.startswith("Hello from ACME IT.\n")
    assert "* Groups added = Sales" in body and "Ticket queue: IAM" in body
    assert "-- Event:" not in body  # the operator's text replaced the packaged one
    # Another event keeps the packaged text.
    assert ended.message.get_content().rstrip().endswith("-- Event: leave_ended · employee 4712")


async def test_a_broken_operator_template_falls_back_to_the_packaged_text(
    tmp_path: Path,
    smtp_server: SmtpTestServer,
    receiver: HookReceiver,
    recipients: NotifyConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (tmp_path / "notification.txt.j2").write_text("{{ summary }} {{ no_such_name.attr }}\n")
    (tmp_path / "notification.md.j2").write_text("{% if %}\n")
    send = notifier(tmp_path, smtp_server, receiver, recipients)

    with caplog.at_level(logging.WARNING):
        result = await send.notify(
            "account_activated",
            employee_id="4711",
            audiences=["grace@corp.example"],
            data={"display_name": "Ada <!channel> Example"},
        )

    assert result.failed == {}
    [mail] = smtp_server.mails
    assert "was activated" in mail.message.get_content()
    [slack] = receiver.posts_to("/slack")
    assert "Ada &lt;!channel&gt; Example" in slack.json["text"]
    assert "operator template for account_activated failed" in caplog.text
