"""Notification sinks: log, generic JSON webhook, Slack-compatible webhook, SMTP."""

from integrations.notify.sinks.base import Sink, SinkError, describe_error
from integrations.notify.sinks.log import LogSink
from integrations.notify.sinks.slack import SlackSink
from integrations.notify.sinks.smtp import SmtpSink
from integrations.notify.sinks.webhook import WebhookSink

__all__ = [
    "LogSink",
    "Sink",
    "SinkError",
    "SlackSink",
    "SmtpSink",
    "WebhookSink",
    "describe_error",
]
