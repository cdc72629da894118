"""Structured logs: one JSON object per line with the ids an operator filters on.

Every line carries `employee_id`, `workflow_id` and `action` (null when there is none), taken
in this order from:
1. the record's `extra` (our own lines: `log.info("...", extra={"employee_id": ..., "action":
   ...})`);
2. the Temporal loggers' context (`activity.logger` puts `temporal_activity` on the record,
   `workflow.logger` puts `temporal_workflow`): workflow id, run id, activity/workflow type;
3. the running activity (`activity.info()`) for lines logged with a plain logger inside one.
`employee_id` is derived from the workflow id (`employee-<BambooHR id>`); `action` defaults
to the activity type (or, in workflow code, the update or workflow type). Lines logged while
a span is current also carry `trace_id`/`span_id`, to jump from a log line to its trace.

No secrets or PII beyond ids: our code logs ids only; as a last line of defence the
configured secret values are masked and e-mail addresses (also URL-encoded, as in an Okta
"get user by login" path) are replaced by `<email>` in every line, JSON or text. The `log`
notification sink hands over whole notifications (subject and text name the person): those
lines keep the event, employee id, severity and audiences only; the other sinks deliver the
full text to the people who need it.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from lifecycle.redact import mask_emails
from lifecycle.settings import Settings

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
# Context the Temporal SDK adds; flattened into the ids below rather than printed nested.
_TEMPORAL_EXTRAS = {"temporal_activity", "temporal_workflow", "workflow_info", "activity_info"}
_NOISE = {"color_message"}  # uvicorn's ANSI-coloured copy of the message


class Redactor:
    """Masks the configured secrets and e-mail addresses in a rendered line."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in (secrets or []) if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return mask_emails(line)


def employee_id_for(workflow_id: str | None) -> str | None:
    if workflow_id and workflow_id.startswith("employee-"):
        return workflow_id.removeprefix("employee-") or None
    return None


def record_context(record: logging.LogRecord) -> dict[str, Any]:
    """employee_id, workflow_id, action (+ run/activity details) for one record."""
    found: dict[str, Any] = {}
    activity_details = getattr(record, "temporal_activity", None)
    workflow_details = getattr(record, "temporal_workflow", None)
    if isinstance(activity_details, dict):
        found["workflow_id"] = activity_details.get("workflow_id")
        found["run_id"] = activity_details.get("workflow_run_id")
        found["activity"] = activity_details.get("activity_type")
        found["attempt"] = activity_details.get("attempt")
        found["action"] = activity_details.get("activity_type")
    elif isinstance(workflow_details, dict):
        found["workflow_id"] = workflow_details.get("workflow_id")
        found["run_id"] = workflow_details.get("run_id")
        found["workflow_type"] = workflow_details.get("workflow_type")
        found["action"] = workflow_details.get("update_name") or workflow_details.get(
            "workflow_type"
        )
    else:
        found.update(_running_activity())
    found["employee_id"] = employee_id_for(found.get("workflow_id"))
    return {k: v for k, v in found.items() if v is not None}


def _running_activity() -> dict[str, Any]:
    try:
        from temporalio import activity

        info = activity.info()
    except (RuntimeError, ImportError):
        return {}
    return {
        "workflow_id": info.workflow_id,
        "run_id": info.workflow_run_id,
        "activity": info.activity_type,
        "attempt": info.attempt,
        "action": info.activity_type,
    }


def _trace_ids() -> dict[str, str]:
    try:
        from opentelemetry import trace

        ctx = trace.get_current_span().get_span_context()
    except Exception:  # logging must never fail because of tracing
        return {}
    if not ctx.is_valid:
        return {}
    return {"trace_id": format(ctx.trace_id, "032x"), "span_id": format(ctx.span_id, "016x")}


_NOTIFICATION_KEEP = ("event", "employee_id", "severity", "audiences")


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """The record itself, or an ids-only copy when it carries a whole notification."""
    notification = record.__dict__.get("notification")
    if not isinstance(notification, dict):
        return record
    kept = {k: notification.get(k) for k in _NOTIFICATION_KEEP if k in notification}
    audiences = ",".join(kept.get("audiences") or []) or "-"
    clean = logging.makeLogRecord(record.__dict__)
    clean.msg = f"notification {kept.get('event')} for {audiences}"
    clean.args = None
    clean.notification = kept
    if kept.get("employee_id") and not getattr(clean, "employee_id", None):
        clean.employee_id = kept["employee_id"]
    return clean


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.redact = Redactor(secrets)
        self.secrets = self.redact.secrets

    def format(self, record: logging.LogRecord) -> str:
        record = scrub(record)
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "employee_id": None,
            "workflow_id": None,
            "action": None,
        }
        payload.update(record_context(record))
        payload.update(_trace_ids())
        for key, value in record.__dict__.items():
            if key in _STANDARD or key in _TEMPORAL_EXTRAS or key in _NOISE or key[0] == "_":
                continue
            if value is None and payload.get(key) is not None:
                continue  # an explicit None does not hide what the context knows
            payload[key] = value
        if payload.get("employee_id") is None and payload.get("workflow_id"):
            payload["employee_id"] = employee_id_for(payload["workflow_id"])
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(payload, default=str))


class TextFormatter(logging.Formatter):
    """The human format (`LIFECYCLE_LOG_FORMAT=text`), masked the same way."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(scrub(record)))


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    secrets = settings.secret_values()
    if settings.lifecycle_log_format == "json":
        handler.setFormatter(JsonFormatter(secrets))
    else:
        handler.setFormatter(TextFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.lifecycle_log_level)
    # httpx logs every request URL at INFO (with logins in the path); our lines say what
    # matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # At DEBUG the SDK dumps whole RPCs, activations and completions: payloads *before* the
    # encryption codec, i.e. employee PII in plaintext. Never below INFO, whatever the level.
    for name in PAYLOAD_DUMPING_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    return handler


PAYLOAD_DUMPING_LOGGERS = ("temporalio.service", "temporalio.worker", "temporalio.bridge")
