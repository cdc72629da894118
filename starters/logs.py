"""Structured logs: one JSON object per line with the ids an operator filters on.

Every line carries `employee_id`, `workflow_id` and `action` when known (from the log
record's `extra`, or from the Temporal activity/workflow context). Values that look like
secrets are never logged by our code; as a last line of defence, the configured secret
values are masked in every line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from lifecycle.settings import Settings

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if len(s) >= 4]

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(_temporal_context())
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        line = json.dumps(payload, default=str)
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return line


def _temporal_context() -> dict[str, Any]:
    """Workflow/activity ids when logging from inside Temporal code."""
    try:
        from temporalio import activity

        info = activity.info()
        return {
            "workflow_id": info.workflow_id,
            "activity": info.activity_type,
            "attempt": info.attempt,
            "employee_id": (info.workflow_id or "").removeprefix("employee-") or None,
        }
    except RuntimeError:
        return {}


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.lifecycle_log_format == "json":
        handler.setFormatter(JsonFormatter(settings.secret_values()))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.lifecycle_log_level)
    # httpx logs every request URL at INFO; our own lines say what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
