"""Sending one notification to every configured sink, and building the sinks from settings.

Sinks run concurrently, each under its own timeout; every exception a sink raises is caught
and reported per sink, so a dead mail relay never delays or fails the Slack post, let alone
the lifecycle step that triggered the notification.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from integrations.notify.config import NotifyConfig, is_address, load_notify_config
from integrations.notify.redact import clean_error_text
from integrations.notify.sinks import (
    LogSink,
    Sink,
    SlackSink,
    SmtpSink,
    WebhookSink,
    describe_error,
)
from integrations.notify.templates import Message, render, text_environment
from lifecycle.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

SINK_NAMES: Final = ("log", "webhook", "slack", "smtp")
DEFAULT_TIMEOUT_SECONDS: Final = 10.0
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass
class DispatchResult:
    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # sink name -> safe error text


class Notifier:
    """Renders events and fans them out to its sinks; never raises for a sink's failure."""

    def __init__(
        self,
        sinks: Sequence[Sink],
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        templates: Path | None = None,
    ) -> None:
        """`templates`: the operator's directory of text templates (policy
        `templates.directory`); files it lacks stay the packaged ones."""
        names = [s.name for s in sinks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"sink names must be unique: {', '.join(duplicates)}")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.sinks: tuple[Sink, ...] = tuple(sinks)
        self.timeout = timeout
        self._texts = text_environment(templates) if templates is not None else None

    @property
    def sink_names(self) -> list[str]:
        return [s.name for s in self.sinks]

    async def notify(
        self,
        event: str,
        *,
        employee_id: str | None = None,
        audiences: Sequence[str] = (),
        data: Mapping[str, Any] | None = None,
    ) -> DispatchResult:
        """Render `event` and send it; no audience named means the event's default ones."""
        message = render(event, employee_id=employee_id, data=data, texts=self._texts)
        return await self.send(message, list(audiences) or list(message.default_audiences))

    async def send(self, message: Message, audiences: Sequence[str]) -> DispatchResult:
        outcomes = await asyncio.gather(
            *(self._send_one(s, message, audiences) for s in self.sinks)
        )
        result = DispatchResult()
        for name, error in outcomes:
            if error is None:
                result.delivered.append(name)
            else:
                result.failed[name] = error
                logger.warning(
                    "notification %s (employee %s) not delivered by sink %s: %s",
                    message.event,
                    message.employee_id or "-",
                    name,
                    error,
                )
        return result

    async def _send_one(
        self, sink: Sink, message: Message, audiences: Sequence[str]
    ) -> tuple[str, str | None]:
        try:
            await asyncio.wait_for(sink.send(message, audiences), self.timeout)
        except TimeoutError:
            return sink.name, f"timed out after {self.timeout:g}s"
        except Exception as exc:  # every sink failure is a result, never an exception
            return sink.name, describe_error(exc)
        return sink.name, None


def build_notifier(
    settings: Settings, config: NotifyConfig | None = None, *, templates: Path | None = None
) -> Notifier:
    """Sinks named by LIFECYCLE_NOTIFY_SINKS; every configuration problem in one SettingsError."""
    problems: list[str] = []
    names = _sink_names(settings.lifecycle_notify_sinks, problems)
    if config is None:
        try:
            config = load_notify_config()
        except SettingsError as exc:
            problems += exc.problems
    if problems or config is None:
        raise SettingsError(problems)

    timeout = config.timeout_seconds
    sinks: list[Sink] = []
    for name in names:
        if name == "log":
            sinks.append(LogSink())
        elif name == "webhook":
            if not settings.lifecycle_notify_webhook_url:
                problems.append(
                    "LIFECYCLE_NOTIFY_WEBHOOK_URL: required when LIFECYCLE_NOTIFY_SINKS "
                    "includes webhook"
                )
                continue
            sinks.append(WebhookSink(settings.lifecycle_notify_webhook_url, timeout=timeout))
        elif name == "slack":
            slack_url = settings.lifecycle_notify_slack_url
            if slack_url is None:
                problems.append(
                    "LIFECYCLE_NOTIFY_SLACK_URL: required when LIFECYCLE_NOTIFY_SINKS "
                    "includes slack (the incoming-webhook URL)"
                )
                continue
            problem = _slack_url_problem(slack_url.get_secret_value())
            if problem:
                problems.append(f"LIFECYCLE_NOTIFY_SLACK_URL: {problem}")
                continue
            sinks.append(SlackSink(slack_url, timeout=timeout))
        elif name == "smtp":
            sink = _smtp_sink(settings, config, timeout, problems)
            if sink is not None:
                sinks.append(sink)
    if problems:
        raise SettingsError(problems)
    return Notifier(sinks, timeout=timeout, templates=templates)


def _sink_names(value: str, problems: list[str]) -> list[str]:
    names: list[str] = []
    for raw in value.split(","):
        name = raw.strip().lower()
        if not name or name in names:
            continue
        if name not in SINK_NAMES:
            problems.append(
                f"LIFECYCLE_NOTIFY_SINKS: unknown sink {clean_error_text(name)!r} "
                f"(choose from {', '.join(SINK_NAMES)})"
            )
            continue
        names.append(name)
    if not names and not problems:
        problems.append(
            f"LIFECYCLE_NOTIFY_SINKS: name at least one sink ({', '.join(SINK_NAMES)}); "
            "'log' is the harmless default"
        )
    return names


def _slack_url_problem(url: str) -> str | None:
    # Never echo the URL: it is the credential.
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "must be an https URL (the Slack incoming-webhook URL)"
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        return "plain http is only allowed for localhost; use https"
    return None


def _smtp_sink(
    settings: Settings, config: NotifyConfig, timeout: float, problems: list[str]
) -> SmtpSink | None:
    before = len(problems)
    host = settings.lifecycle_smtp_host
    if host is None:
        problems.append("LIFECYCLE_SMTP_HOST: required when LIFECYCLE_NOTIFY_SINKS includes smtp")
    sender = settings.lifecycle_smtp_from
    if sender is None:
        problems.append(
            "LIFECYCLE_SMTP_FROM: required when LIFECYCLE_NOTIFY_SINKS includes smtp "
            "(e.g. Lifecycle <lifecycle@example.com>)"
        )
    elif not is_address(parseaddr(sender)[1]):
        problems.append("LIFECYCLE_SMTP_FROM: not an e-mail address (e.g. lifecycle@example.com)")
    user, password = settings.lifecycle_smtp_user, settings.lifecycle_smtp_password
    if user is not None and password is None:
        problems.append("LIFECYCLE_SMTP_PASSWORD: required with LIFECYCLE_SMTP_USER")
    if password is not None and user is None:
        problems.append("LIFECYCLE_SMTP_USER: required with LIFECYCLE_SMTP_PASSWORD")
    encrypted = settings.lifecycle_smtp_starttls or settings.lifecycle_smtp_port == 465
    if user is not None and not encrypted and host not in _LOCAL_HOSTS:
        problems.append(
            "LIFECYCLE_SMTP_STARTTLS: must be true when LIFECYCLE_SMTP_USER is set "
            "(the password would cross the network in clear text); or use port 465"
        )
    if len(problems) > before or host is None or sender is None:
        return None
    return SmtpSink(
        host=host,
        port=settings.lifecycle_smtp_port,
        sender=sender,
        recipients=config,
        user=user,
        password=password,
        starttls=settings.lifecycle_smtp_starttls,
        timeout=timeout,
    )
