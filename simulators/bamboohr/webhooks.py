"""Webhook registrations, what each one is sent for a change, and how it is signed.

Two payload families, chosen by the registration's `events` (they cannot be mixed):
- event-based (`employee.created|updated|deleted`):
  `{"type", "timestamp", "data": {"companyId", "employeeId", "changedFields"?}}` (no values);
  `employee.updated` fires only when a monitored field's *current* value changes, so a
  future-dated row fires on the day it takes effect (spec: "Effective Dates"). A creation
  sends `employee.created` followed by `employee.updated` (create-then-initialize).
- field-based legacy (no `events`, or `employee_with_fields.*`):
  `{"employees": [{"action", "changedFields", "fields": {postFields values}, "id",
  "timestamp"}]}`; changes of one delivery round are batched per webhook. Editing a table
  that holds a monitored field fires even when no current value changed, as BambooHR's
  webhook guide warns.

Signature: `X-BambooHR-Signature` = lowercase hex HMAC-SHA256(privateKey, raw body followed
by the `X-BambooHR-Timestamp` value, unix seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from simulators.bamboohr.events import ChangeEvent
from simulators.bamboohr.fields import FieldCatalogue
from simulators.bamboohr.formats import format_instant, format_legacy_datetime
from simulators.common.clock import SimClock

EVENT_TYPES = ("employee.created", "employee.updated", "employee.deleted")
LEGACY_TYPES = (
    "employee_with_fields.updated",
    "employee_with_fields.deleted",
    "employee_with_fields.created",
)
COMPANY_TYPES = ("company-integrations.updated", "company.updated", "company.deleted")
KNOWN_TYPES = frozenset(EVENT_TYPES + LEGACY_TYPES + COMPANY_TYPES)
LEGACY_ACTIONS = {"created": "Created", "updated": "Updated", "deleted": "Deleted"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def sign(private_key: str, body: bytes, timestamp: str) -> str:
    return hmac.new(private_key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


class WebhookRequestError(Exception):
    """A refused registration: HTTP status and the spec's JSON error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body

    @property
    def message(self) -> str:
        errors = self.body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else errors
        return str(first.get("error", "error")) if isinstance(first, dict) else "error"


@dataclass
class Webhook:
    id: str
    name: str
    url: str
    format: str
    events: list[str]
    monitor_fields: list[str] | None
    post_fields: dict[str, str]
    include_company_domain: bool
    private_key: str
    created: datetime
    last_sent: datetime | None = None
    # Legacy scheduling knobs (`frequency`, `limit`): stored and echoed, not applied.
    extra: dict[str, Any] = field(default_factory=dict)
    # monitorFields resolved to aliases (what changedFields lists).
    monitored: list[str] = field(default_factory=list)

    @property
    def family(self) -> str:
        return "event" if any(e in EVENT_TYPES for e in self.events) else "legacy"

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created": format_legacy_datetime(self.created),
            "lastSent": format_legacy_datetime(self.last_sent) if self.last_sent else None,
            "url": self.url,
        }

    def describe(self, *, with_key: bool = False) -> dict[str, Any]:
        out = {
            **self.summary(),
            "monitorFields": list(self.monitor_fields) if self.monitor_fields else None,
            "postFields": dict(self.post_fields),
            "format": self.format,
            "includeCompanyDomain": self.include_company_domain,
            "events": list(self.events),
            **self.extra,
        }
        if with_key:
            out["privateKey"] = self.private_key
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.describe(with_key=True),
            "created": self.created.isoformat(),
            "lastSent": self.last_sent.isoformat() if self.last_sent else None,
            "monitored": list(self.monitored),
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Webhook:
        return cls(
            id=str(data["id"]),
            name=data["name"],
            url=data["url"],
            format=data["format"],
            events=list(data["events"]),
            monitor_fields=data.get("monitorFields"),
            post_fields=dict(data.get("postFields") or {}),
            include_company_domain=bool(data.get("includeCompanyDomain")),
            private_key=data["privateKey"],
            created=datetime.fromisoformat(data["created"]),
            last_sent=datetime.fromisoformat(data["lastSent"]) if data.get("lastSent") else None,
            extra=dict(data.get("extra") or {}),
            monitored=list(data.get("monitored") or []),
        )


@dataclass(frozen=True)
class Outgoing:
    """One thing to send to one webhook: an event payload, or a legacy `employees` item."""

    webhook_id: str
    family: str
    kind: str  # event type, or the legacy action
    employee_id: str
    payload: dict[str, Any]


class WebhookRegistry:
    def __init__(
        self,
        catalogue: FieldCatalogue,
        clock: SimClock,
        *,
        company: str = "acme",
        company_id: str = "1",
        private_key: str | None = None,
        allow_http_localhost: bool = True,
    ) -> None:
        self.catalogue = catalogue
        self.clock = clock
        self.company = company
        self.company_id = company_id
        # A fixed key makes every registration sign with it (`lifecycle dev` knows it);
        # None gives each registration its own random key, like BambooHR.
        self.private_key = private_key
        self.allow_http_localhost = allow_http_localhost
        self._lock = threading.RLock()
        self._hooks: dict[str, Webhook] = {}
        self._next_id = 1
        # Called after every change of a registration (the state file listens).
        self.on_change: Callable[[], None] | None = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # --- registration ----------------------------------------------------------------------
    def create(self, body: Any) -> Webhook:
        with self._lock:
            hook = self._build(body, str(self._next_id), None)
            self._next_id += 1
            self._hooks[hook.id] = hook
        self._changed()
        return hook

    def replace(self, webhook_id: str, body: Any) -> Webhook:
        """Full replacement (PUT); the private key and creation time are kept."""
        with self._lock:
            old = self.get(webhook_id)
            hook = self._build(body, old.id, old)
            self._hooks[hook.id] = hook
        self._changed()
        return hook

    def get(self, webhook_id: str) -> Webhook:
        with self._lock:
            hook = self._hooks.get(str(webhook_id))
            if hook is None:
                raise WebhookRequestError(
                    404, {"errors": [{"error": f"No webhook was found with ID: {webhook_id}."}]}
                )
            return hook

    def find(self, webhook_id: str) -> Webhook | None:
        with self._lock:
            return self._hooks.get(str(webhook_id))

    def delete(self, webhook_id: str) -> None:
        with self._lock:
            self.get(webhook_id)
            del self._hooks[str(webhook_id)]
        self._changed()

    def all(self) -> list[Webhook]:
        with self._lock:
            return [self._hooks[k] for k in sorted(self._hooks, key=int)]

    def mark_sent(self, webhook_id: str, when: datetime) -> None:
        with self._lock:
            hook = self._hooks.get(webhook_id)
            if hook is None:
                return
            hook.last_sent = when
        self._changed()

    def reset(self) -> None:
        with self._lock:
            self._hooks.clear()
            self._next_id = 1

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {"next": self._next_id, "webhooks": [h.to_dict() for h in self.all()]}

    def load_dict(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._hooks = {str(h["id"]): Webhook.from_dict(h) for h in data.get("webhooks", [])}
            self._next_id = int(data.get("next", len(self._hooks) + 1))

    def _build(self, body: Any, webhook_id: str, old: Webhook | None) -> Webhook:
        if not isinstance(body, dict):
            raise _bad_request(["the request body must be a JSON object"])
        issues: list[str] = []
        name, url, fmt = body.get("name"), body.get("url"), body.get("format")
        if not isinstance(name, str) or not name.strip():
            issues.append("name is required")
        if not isinstance(url, str) or not url.strip():
            issues.append("url is required")
        elif not self._url_allowed(url):
            issues.append("url must begin with https://")
        if fmt is None:
            issues.append("format is required")
        elif fmt not in ("json", "form-encoded"):
            issues.append("format must be json or form-encoded")
        elif fmt == "form-encoded":
            issues.append("format form-encoded is not supported by the simulator (use json)")
        events = body.get("events") or list(LEGACY_TYPES)
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            issues.append("events must be a list of event names")
            events = []
        unknown_events = [e for e in events if e not in KNOWN_TYPES]
        if unknown_events:
            issues.append(f"unknown events: {', '.join(unknown_events)}")
        if any(e in EVENT_TYPES for e in events) and any(e in LEGACY_TYPES for e in events):
            issues.append("employee_with_fields events cannot be mixed with employee events")
        monitor = body.get("monitorFields")
        if monitor is not None and (
            not isinstance(monitor, list) or not all(isinstance(m, str | int) for m in monitor)
        ):
            issues.append("monitorFields must be a list of field names or ids")
            monitor = None
        needs_monitor = any(
            e in ("employee.updated", "employee_with_fields.updated") for e in events
        )
        if needs_monitor and not monitor:
            issues.append("monitorFields is required for employee.updated events")
        post = body.get("postFields") or {}
        if not isinstance(post, dict) or not all(isinstance(v, str) for v in post.values()):
            issues.append("postFields must be an object mapping field names to strings")
            post = {}
        if issues:
            raise _bad_request(issues)
        monitor_names = [str(m) for m in monitor or []]
        unknown = [n for n in [*monitor_names, *post] if self.catalogue.find(str(n)) is None]
        if unknown:
            raise WebhookRequestError(
                403,
                {
                    "errors": [
                        {
                            "error": "Permission denied to the following fields",
                            "unknownFields": [{"id": None, "name": n} for n in unknown],
                        }
                    ]
                },
            )
        extra = {k: body[k] for k in ("frequency", "limit") if k in body}
        return Webhook(
            id=webhook_id,
            name=str(name).strip(),
            url=str(url).strip(),
            format=str(fmt),
            events=list(dict.fromkeys(events)),
            monitor_fields=monitor_names or None,
            post_fields={str(k): v for k, v in post.items()},
            include_company_domain=bool(body.get("includeCompanyDomain", False)),
            private_key=old.private_key if old else (self.private_key or secrets.token_hex(32)),
            created=old.created if old else self.clock.now().replace(microsecond=0),
            last_sent=old.last_sent if old else None,
            extra=extra,
            monitored=[self.catalogue.resolve(n).alias for n in monitor_names],
        )

    def _url_allowed(self, url: str) -> bool:
        parts = urlsplit(url.strip())
        if parts.scheme == "https" and parts.hostname:
            return True
        return (
            self.allow_http_localhost
            and parts.scheme == "http"
            and (parts.hostname or "") in LOCAL_HOSTS
        )

    # --- what a change sends ----------------------------------------------------------------
    def outgoing(self, event: ChangeEvent) -> list[Outgoing]:
        with self._lock:
            hooks = self.all()
        out: list[Outgoing] = []
        for hook in hooks:
            if hook.family == "event":
                out += self._event_payloads(hook, event)
            else:
                item = self._legacy_item(hook, event)
                if item is not None:
                    out.append(Outgoing(hook.id, "legacy", item["action"], event.employee_id, item))
        return out

    def _event_payloads(self, hook: Webhook, event: ChangeEvent) -> list[Outgoing]:
        stamp = format_instant(event.at)
        data = {"companyId": self.company_id, "employeeId": event.employee_id}
        out = []
        if event.kind in ("created", "deleted") and f"employee.{event.kind}" in hook.events:
            kind = f"employee.{event.kind}"
            payload = {"type": kind, "timestamp": stamp, "data": dict(data)}
            out.append(Outgoing(hook.id, "event", kind, event.employee_id, payload))
        if event.kind in ("created", "updated") and "employee.updated" in hook.events:
            changed = [f for f in event.changed_fields if f in hook.monitored]
            if changed:
                payload = {
                    "type": "employee.updated",
                    "timestamp": stamp,
                    "data": {**data, "changedFields": changed},
                }
                out.append(
                    Outgoing(hook.id, "event", "employee.updated", event.employee_id, payload)
                )
        return out

    def _legacy_item(self, hook: Webhook, event: ChangeEvent) -> dict[str, Any] | None:
        if f"employee_with_fields.{event.kind}" not in hook.events:
            return None
        changed = [f for f in event.changed_fields if f in hook.monitored]
        if event.kind == "updated" and not changed:
            in_tables = [
                alias
                for alias in hook.monitored
                if self.catalogue.resolve(alias).source in event.tables
            ]
            if not in_tables:
                return None
            changed = in_tables
        fields = {}
        for name, external in hook.post_fields.items():
            definition = self.catalogue.find(name)
            fields[external] = event.values.get(definition.alias) if definition else None
        return {
            "action": LEGACY_ACTIONS[event.kind],
            "changedFields": changed,
            "fields": fields,
            "id": event.employee_id,
            "timestamp": format_instant(event.at),
        }


def _bad_request(issues: list[str]) -> WebhookRequestError:
    return WebhookRequestError(
        400, {"errors": [{"error": "Invalid request body", "issues": issues}]}
    )
