"""Okta's LogEvent and event hook shapes → `OktaEvent` (integrations/okta/events.py)."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.okta.events import (
    OktaEventError,
    parse_hook_delivery,
    parse_log_event,
    watched_filter,
)
from lifecycle.tamper import WATCHED_EVENT_TYPES


def log_event(event_type: str = "user.lifecycle.activate", **over: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "uuid": "1d5f4a9e-0000-4000-8000-000000000001",
        "published": "2026-12-04T10:15:30.123Z",
        "eventType": event_type,
        "version": "0",
        "severity": "INFO",
        "displayMessage": "Activate Okta user",
        "actor": {
            "id": "00uadmin",
            "type": "User",
            "alternateId": "ivy@acme.example",
            "displayName": "Ivy Admin",
        },
        "outcome": {"result": "SUCCESS"},
        "target": [
            {"id": "00u1", "type": "User", "alternateId": "ada@acme.example", "displayName": "A"}
        ],
        "debugContext": {"debugData": {"requestId": "r1"}},
    }
    event.update(over)
    return event


def test_a_watched_event_is_read_with_its_actor_and_target() -> None:
    event = parse_log_event(log_event())
    assert event is not None
    assert (event.event_type, event.user_id, event.actor.id) == (
        "user.lifecycle.activate",
        "00u1",
        "00uadmin",
    )
    assert event.actor.describe() == "Ivy Admin (ivy@acme.example)"
    assert event.published.isoformat() == "2026-12-04T10:15:30.123000+00:00"


def test_membership_events_name_the_group_and_profile_events_the_attributes() -> None:
    add = log_event(
        "group.user_membership.add",
        target=[
            {"id": "00u1", "type": "User"},
            {"id": "00g1", "type": "UserGroup", "displayName": "GitHub Users"},
        ],
    )
    assert parse_log_event(add).group_name == "GitHub Users"  # type: ignore[union-attr]
    profile = log_event(
        "user.account.update_profile",
        debugContext={"debugData": {"changedAttributes": "title, department"}},
    )
    assert parse_log_event(profile).attributes == ["department", "title"]  # type: ignore[union-attr]


def test_unwatched_and_failed_events_are_skipped_not_errors() -> None:
    assert parse_log_event(log_event("user.session.start")) is None
    assert parse_log_event(log_event(outcome={"result": "FAILURE"})) is None


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ({"actor": None}, "actor.id is missing"),
        ({"target": [{"id": "00g1", "type": "UserGroup"}]}, "no User target"),
        ({"published": "yesterday"}, "not an ISO 8601 time"),
        ({"uuid": ""}, "uuid is missing"),
    ],
)
def test_a_watched_event_we_cannot_read_is_an_error_naming_the_problem(
    broken: dict[str, Any], message: str
) -> None:
    with pytest.raises(OktaEventError, match=message):
        parse_log_event(log_event(**broken))


def test_a_hook_delivery_yields_its_watched_events_and_rejects_other_shapes() -> None:
    body = {
        "eventType": "com.okta.event_hook",
        "eventId": "d1",
        "data": {"events": [log_event(), log_event("user.session.start")]},
    }
    events, problems = parse_hook_delivery(body)
    assert [e.event_type for e in events] == ["user.lifecycle.activate"] and problems == []
    with pytest.raises(OktaEventError, match=r"data\.events is missing"):
        parse_hook_delivery({"data": {}})
    # One unreadable event is named; the others still count.
    events, problems = parse_hook_delivery({"data": {"events": [log_event(actor={}), log_event()]}})
    assert len(events) == 1
    assert problems == [
        "data.events[0]: user.lifecycle.activate " + log_event()["uuid"] + ": actor.id is missing"
    ]


def test_the_system_log_filter_asks_for_every_watched_type() -> None:
    text = watched_filter()
    assert all(f'eventType eq "{name}"' in text for name in WATCHED_EVENT_TYPES)
    assert text.count(" or ") == len(WATCHED_EVENT_TYPES) - 1
