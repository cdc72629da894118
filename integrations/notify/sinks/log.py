"""The log sink: one structured log line per notification (always safe, useful in dev)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from integrations.notify.sinks.base import describe_audiences
from integrations.notify.templates import Message

NOTIFY_LOGGER = "lifecycle.notify"


class LogSink:
    """Alerts log at WARNING, everything else at INFO; the details travel in `extra`."""

    name = "log"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger(NOTIFY_LOGGER)

    async def send(self, message: Message, audiences: Sequence[str]) -> None:
        # Logs travel further than notifications (aggregators, tickets): ids only, never the
        # subject or text, which name the employee.
        level = logging.WARNING if message.severity == "alert" else logging.INFO
        shown = describe_audiences(audiences)
        self._logger.log(
            level,
            "notification %s for employee %s to %s",
            message.event,
            message.employee_id or "-",
            ",".join(shown) or "-",
            extra={
                "notification": {
                    "event": message.event,
                    "employee_id": message.employee_id,
                    "severity": message.severity,
                    "audiences": shown,
                }
            },
        )
