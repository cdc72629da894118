"""Okta's event shapes → `OktaEvent`: System Log events and event hook deliveries.

An event hook delivery wraps System Log events (`data.events[]`, each a LogEvent), so both
sources read through `parse_log_event`. Only watched event types with a User target become
an `OktaEvent`; anything else is skipped, and a watched event we cannot read is an error
that names what is missing (never silently dropped).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lifecycle.tamper import EVENT_KINDS, WATCHED_EVENT_TYPES, OktaActor, OktaEvent


class OktaEventError(ValueError):
    """An event or hook delivery that does not have Okta's shape."""


def watched_filter() -> str:
    """The System Log `filter` for every watched event type."""
    return " or ".join(f'eventType eq "{name}"' for name in WATCHED_EVENT_TYPES)


def parse_hook_delivery(body: Any) -> tuple[list[OktaEvent], list[str]]:
    """An event hook POST body → (its watched events, a problem per event we could not
    read). A body without Okta's shape raises; one unreadable event does not cost the
    others (the System Log still has it)."""
    if not isinstance(body, dict):
        raise OktaEventError("the body is not a JSON object")
    data = body.get("data")
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise OktaEventError("data.events is missing or not a list")
    parsed: list[OktaEvent] = []
    problems: list[str] = []
    for index, raw in enumerate(events):
        try:
            event = parse_log_event(raw)
        except OktaEventError as exc:
            problems.append(f"data.events[{index}]: {exc}")
            continue
        if event is not None:
            parsed.append(event)
    return parsed, problems


def published_of(raw: Any) -> datetime | None:
    """Any event's `published` time, watched or not (None when unreadable)."""
    try:
        return _published(raw) if isinstance(raw, dict) else None
    except OktaEventError:
        return None


def parse_log_event(raw: Any) -> OktaEvent | None:
    """One LogEvent → an `OktaEvent`, or None when it is not a watched change to a user."""
    if not isinstance(raw, dict):
        raise OktaEventError("an event is not a JSON object")
    event_type = raw.get("eventType")
    if not isinstance(event_type, str):
        raise OktaEventError("eventType is missing")
    if event_type not in EVENT_KINDS:
        return None
    outcome = raw.get("outcome")
    if isinstance(outcome, dict) and outcome.get("result") not in (None, "SUCCESS"):
        return None  # a refused attempt changed nothing
    uuid = _text(raw, "uuid")
    published = _published(raw)
    actor_raw = raw.get("actor")
    if not isinstance(actor_raw, dict) or not isinstance(actor_raw.get("id"), str):
        raise OktaEventError(f"{event_type} {uuid}: actor.id is missing")
    actor = OktaActor(
        id=actor_raw["id"],
        type=str(actor_raw.get("type") or "User"),
        alternate_id=_optional(actor_raw.get("alternateId")),
        display_name=_optional(actor_raw.get("displayName")),
    )
    targets = [t for t in raw.get("target") or [] if isinstance(t, dict)]
    user = next((t for t in targets if t.get("type") == "User" and t.get("id")), None)
    if user is None:
        raise OktaEventError(f"{event_type} {uuid}: no User target")
    group = next((t for t in targets if t.get("type") == "UserGroup"), None)
    group_name = None
    if group is not None:
        group_name = _optional(group.get("displayName")) or _optional(group.get("alternateId"))
    if event_type.startswith("group.") and not group_name:
        raise OktaEventError(f"{event_type} {uuid}: no UserGroup target with a name")
    return OktaEvent(
        uuid=uuid,
        event_type=event_type,
        published=published,
        actor=actor,
        user_id=str(user["id"]),
        group_name=group_name,
        attributes=_changed_attributes(raw),
        api_token_id=_api_token_id(raw),
    )


def _api_token_id(raw: dict[str, Any]) -> str | None:
    transaction = raw.get("transaction")
    detail = transaction.get("detail") if isinstance(transaction, dict) else None
    value = detail.get("requestApiTokenId") if isinstance(detail, dict) else None
    return value if isinstance(value, str) and value else None


def _changed_attributes(raw: dict[str, Any]) -> list[str]:
    debug = raw.get("debugContext")
    data = debug.get("debugData") if isinstance(debug, dict) else None
    value = data.get("changedAttributes") if isinstance(data, dict) else None
    if isinstance(value, list):
        return sorted({str(v).strip() for v in value if str(v).strip()})
    if isinstance(value, str):
        return sorted({part.strip() for part in value.split(",") if part.strip()})
    return []


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise OktaEventError(f"{raw.get('eventType')}: {key} is missing")
    return value


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _published(raw: dict[str, Any]) -> datetime:
    value = _text(raw, "published")
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise OktaEventError(f"published {value!r} is not an ISO 8601 time") from None
    if stamp.tzinfo is None:
        raise OktaEventError(f"published {value!r} has no time zone")
    return stamp
