"""Lifecycle notifications: one template per event, pluggable sinks, a never-failing notifier.

`build_notifier(settings)` builds the sinks named by LIFECYCLE_NOTIFY_SINKS;
`await notifier.notify("terminated", employee_id="123", data={...})` renders the event's
template and returns what each sink delivered or why it failed; it never raises.
"""

from integrations.notify.config import AUDIENCES, NotifyConfig, load_notify_config
from integrations.notify.dispatcher import SINK_NAMES, DispatchResult, Notifier, build_notifier
from integrations.notify.sinks import (
    LogSink,
    Sink,
    SinkError,
    SlackSink,
    SmtpSink,
    WebhookSink,
)
from integrations.notify.templates import TEMPLATES, Message, render

__all__ = [
    "AUDIENCES",
    "SINK_NAMES",
    "TEMPLATES",
    "DispatchResult",
    "LogSink",
    "Message",
    "Notifier",
    "NotifyConfig",
    "Sink",
    "SinkError",
    "SlackSink",
    "SmtpSink",
    "WebhookSink",
    "build_notifier",
    "load_notify_config",
    "render",
]
