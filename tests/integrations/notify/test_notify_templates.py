"""Every lifecycle event renders through its own template, with only the data it needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.activities import NotificationEvent
from integrations.notify import TEMPLATES, render

EMPLOYEE = "4711"
NAME = "Ada Example"

SAMPLES: dict[NotificationEvent, dict[str, Any]] = {
    NotificationEvent.LOGIN_WRITEBACK_REFUSED: {
        "generated_login": "jose.nunez@acme.example",
        "error": "BambooHR 403 POST /api/v1/employees/7: The API user does not have permission "
        "to update workEmail",
    },
    NotificationEvent.ACCOUNT_STAGED: {
        "start_date": "2026-03-02",
        "activate_at": "2026-03-02T08:00:00Z",
        "groups": ["Engineering", "All Staff"],
        "department": "Engineering",
    },
    NotificationEvent.ACCOUNT_ACTIVATED: {"activation_email_sent": True, "groups": ["Eng"]},
    NotificationEvent.ACCESS_CHANGED: {
        "groups_added": ["Sales EMEA"],
        "groups_removed": ["Engineering"],
        "changes": {"title": {"before": "Engineer", "after": "Account Executive"}},
    },
    NotificationEvent.LEAVE_STARTED: {"effective_at": "2026-04-01T00:00:00Z"},
    NotificationEvent.LEAVE_ENDED: {"groups_restored": ["VPN Users"]},
    NotificationEvent.TERMINATED: {"immediate": True, "sessions_revoked": True},
    NotificationEvent.OFFER_RESCINDED: {
        "start_date": "2026-05-04",
        "account_status": "DEPROVISIONED",
    },
    NotificationEvent.REHIRED: {"start_date": "2026-06-01"},
    NotificationEvent.NEEDS_REVIEW: {
        "reason": {
            "code": "NO_WORK_EMAIL",
            "message": "work email is missing",
            "field": "workEmail",
        }
    },
    NotificationEvent.PROTECTED_HELD: {"action": "deactivate", "protected_groups": ["Break Glass"]},
    NotificationEvent.DEPROVISION_FAILING: {"attempts": 7, "last_error": "HTTP 503 from Okta"},
    NotificationEvent.SYNC_FAILING: {
        "run": "poll",
        "workflow_id": "bamboohr-poll",
        "step": "fetch_changed_since",
        "error": "BambooHRAuthError: Unauthorized: invalid API key",
        "retrying": True,
        "recheck_minutes": 10,
    },
    NotificationEvent.LEAVE_NOT_SUSPENDED: {
        "okta_status": "LOCKED_OUT",
        "reason": "Okta suspends only ACTIVE users; the account is LOCKED_OUT",
        "action": "LEAVE_START:2026-03-02",
    },
    NotificationEvent.OKTA_TAMPERED: {
        "changes": ["Ivy Admin (it.admin@acme.example) activated the account"],
        "actors": ["Ivy Admin (it.admin@acme.example)"],
        "first_at": "2026-03-02T10:15:00Z",
        "outcome": "reverting",
        "lifecycle_state": "TERMINATED",
    },
    NotificationEvent.SAFEGUARD_PAUSED: {
        "run": "poll",
        "workflow_id": "hr-poll",
        "affected": 14,
        "active_total": 120,
        "threshold": "5%",
        "employee_ids": ["11", "12"],
    },
}

# What each template must say, beyond the subject: the facts the recipient acts on.
MUST_SAY: dict[NotificationEvent, list[str]] = {
    NotificationEvent.ACCOUNT_STAGED: ["2026-03-02", "Engineering, All Staff"],
    NotificationEvent.ACCOUNT_ACTIVATED: ["Activation e-mail sent: yes"],
    NotificationEvent.ACCESS_CHANGED: [
        "Groups added: Sales EMEA",
        "Groups removed: Engineering",
        "Title: Engineer → Account Executive",
    ],
    NotificationEvent.LEAVE_STARTED: ["suspended", "2026-04-01 00:00 UTC"],
    NotificationEvent.LEAVE_ENDED: ["unsuspended", "VPN Users"],
    NotificationEvent.TERMINATED: ["deactivated", "Immediate: yes", "revoked: yes"],
    NotificationEvent.OFFER_RESCINDED: ["rescinded", "2026-05-04", "DEPROVISIONED"],
    NotificationEvent.REHIRED: ["existing Okta account", "2026-06-01"],
    NotificationEvent.NEEDS_REVIEW: ["work email is missing", "NO_WORK_EMAIL", "workEmail"],
    NotificationEvent.PROTECTED_HELD: ["held the deactivation", "protected", "Break Glass"],
    NotificationEvent.DEPROVISION_FAILING: ["failed 7 times", "HTTP 503 from Okta"],
    NotificationEvent.SYNC_FAILING: [
        "step fetch_changed_since failed",
        "Last error: BambooHRAuthError: Unauthorized: invalid API key",
        "re-checks every 10 minutes",
        "no HR change is lost",
    ],
    NotificationEvent.LEAVE_NOT_SUSPENDED: [
        "Okta account is LOCKED_OUT",
        "was not suspended",
        "Action key: LEAVE_START:2026-03-02",
    ],
    NotificationEvent.SAFEGUARD_PAUSED: ["14 of 120", "approve", "hr-poll", "11, 12"],
    NotificationEvent.OKTA_TAMPERED: [
        "Ivy Admin (it.admin@acme.example) activated the account",
        "while the lifecycle is TERMINATED",
        "being put back to what BambooHR says",
    ],
    NotificationEvent.LOGIN_WRITEBACK_REFUSED: [
        "jose.nunez@acme.example",
        "BambooHR refused",
        "does not have permission",
        "Enter the work email in BambooHR",
    ],
}


def test_every_event_has_its_own_template() -> None:
    assert set(TEMPLATES) == {e.value for e in NotificationEvent}
    titles = [t.title for t in TEMPLATES.values()]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("event", list(NotificationEvent), ids=str)
def test_event_renders_with_its_template(event: NotificationEvent) -> None:
    data = {"display_name": NAME, "login": "ada@acme.example", **SAMPLES[event]}
    message = render(event.value, employee_id=EMPLOYEE, data=data)

    title = TEMPLATES[event.value].title
    assert message.event == event.value
    assert message.subject.startswith(title)
    if event in (NotificationEvent.SAFEGUARD_PAUSED, NotificationEvent.SYNC_FAILING):
        assert "poll run" in message.subject  # a run, not one employee
    else:
        assert NAME in message.subject and EMPLOYEE in message.subject
    assert "\n" not in message.subject
    assert f"Event: {event.value}" in message.text
    for fact in MUST_SAY[event]:
        assert fact in message.text, fact
    assert message.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": message.subject},
    }
    assert message.subject in message.markdown
    assert message.default_audiences
    json.dumps(message.data)  # the webhook posts it as JSON


@pytest.mark.parametrize("event", list(NotificationEvent), ids=str)
def test_event_renders_without_data(event: NotificationEvent) -> None:
    message = render(event.value, employee_id=EMPLOYEE)
    assert message.subject.startswith(TEMPLATES[event.value].title)
    assert EMPLOYEE in message.text


def test_alerts_and_audiences_follow_the_event() -> None:
    alerts = {e for e, t in TEMPLATES.items() if t.severity == "alert"}
    assert alerts == {
        "protected_held",
        "deprovision_failing",
        "safeguard_paused",
        "leave_not_suspended",
        "sync_failing",
        "okta_tampered",
        "login_writeback_refused",
    }
    assert render("terminated", employee_id="1").default_audiences == ("security", "hr")
    assert render("account_staged", employee_id="1").default_audiences == ("it",)


def test_access_change_shows_job_details_but_not_other_attribute_values() -> None:
    message = render(
        "access_changed",
        employee_id=EMPLOYEE,
        data={
            "display_name": NAME,
            "changes": {
                "department": {"before": "Engineering", "after": "Sales"},
                "mobilePhone": {"before": "+1 555 0100", "after": "+1 555 0199"},
            },
        },
    )
    rendered = message.text + message.markdown + json.dumps(message.blocks)
    assert "Department: Engineering → Sales" in message.text
    assert "mobilePhone" in message.text  # the manager learns *that* it changed...
    assert "555" not in rendered + json.dumps(message.data)  # ...never the value
    assert message.data["changes"] == {"department": {"before": "Engineering", "after": "Sales"}}
    assert message.data["other_changed_attributes"] == ["mobilePhone"]


def test_only_declared_data_reaches_the_sinks() -> None:
    message = render(
        "terminated",
        employee_id=EMPLOYEE,
        data={
            "display_name": NAME,
            "termination_reason": "Performance",
            "home_email": "ada@home.example",
            "effective_at": datetime(2026, 1, 31, 23, 59, tzinfo=UTC),
        },
    )
    rendered = message.text + message.markdown + json.dumps(message.data)
    assert "Performance" not in rendered and "home.example" not in rendered
    assert message.data == {
        "employee_id": EMPLOYEE,
        "display_name": NAME,
        "effective_at": "2026-01-31T23:59:00+00:00",
    }
    assert "Deactivated: 2026-01-31 23:59 UTC" in message.text


def test_hr_sourced_text_cannot_break_out_of_subject_or_slack_markup() -> None:
    message = render(
        "account_staged",
        employee_id=EMPLOYEE,
        data={"display_name": "Eve <!channel>\r\nBcc: victim@evil.example"},
    )
    assert "\n" not in message.subject and "\r" not in message.subject
    # Slack parses mentions in mrkdwn only (the header block is plain_text, shown verbatim).
    slack = "\n".join([message.markdown, *_mrkdwn_texts(message.blocks)])
    assert "<!channel>" not in slack
    assert "&lt;!channel&gt;" in slack


def _mrkdwn_texts(node: Any) -> list[str]:
    if isinstance(node, list):
        return [text for item in node for text in _mrkdwn_texts(item)]
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for value in node.values() for t in _mrkdwn_texts(value)]
    return []


def test_dry_run_is_visible_in_subject_and_text() -> None:
    message = render("terminated", employee_id=EMPLOYEE, data={"dry_run": True})
    assert message.subject.startswith("[dry-run] ")
    assert "nothing was changed in Okta" in message.text


def test_review_reason_may_be_a_plain_text() -> None:
    message = render("needs_review", employee_id=EMPLOYEE, data={"reason": "ambiguous match"})
    assert "needs human review: ambiguous match" in message.text
    assert message.data["reason"] == {"code": None, "message": "ambiguous match", "field": None}


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("cannot print")


def test_a_failing_template_falls_back_to_the_generic_rendering() -> None:
    message = render(
        "access_changed",
        employee_id=EMPLOYEE,
        data={"display_name": NAME, "groups_added": [_Unprintable()]},
    )
    assert message.event == "access_changed"
    assert NAME in message.subject and EMPLOYEE in message.subject
    assert "groups_added" not in message.data


def test_an_event_without_template_renders_generically() -> None:
    message = render("badge_revoked", employee_id=EMPLOYEE, data={"login": "ada@acme.example"})
    assert message.subject == f"Badge revoked: employee {EMPLOYEE}"
    assert "ada@acme.example" in message.text


def test_short_spellings_from_the_employee_workflow_render_fully() -> None:
    """The shapes `workflows/employee` sends: `action` holds the key, short group keys,
    `error`, and a ReviewReason's fields at the top level."""
    staged = render(
        "account_staged",
        employee_id=EMPLOYEE,
        data={"action": "PRE_BOARD:2026-03-02", "kind": "PRE_BOARD"},
    )
    assert "action PRE_BOARD:2026-03-02" in staged.text
    assert staged.data == {"employee_id": EMPLOYEE, "action_key": "PRE_BOARD:2026-03-02"}

    changed = render(
        "access_changed",
        employee_id=EMPLOYEE,
        data={
            "added": ["Sales"],
            "removed": ["Engineering"],
            "changes": {"managerId": {"before": "100", "after": "200"}},
        },
    )
    assert "Groups added: Sales" in changed.text
    assert "Groups removed: Engineering" in changed.text
    assert "Manager id: 100 → 200" in changed.text
    assert changed.data["groups_added"] == ["Sales"]

    failing = render(
        "deprovision_failing",
        employee_id=EMPLOYEE,
        data={"attempts": 5, "error": "OktaError: E0000006", "action": "TERMINATE:2026-01-31"},
    )
    assert "failed 5 times" in failing.text
    assert "Last error: OktaError: E0000006" in failing.text
    assert "Action key: TERMINATE:2026-01-31" in failing.text

    terminated = render("terminated", employee_id=EMPLOYEE, data={"action": "TERMINATE:2026-01-31"})
    assert "Termination date: 2026-01-31" in terminated.text
    assert "\n\n\n" not in terminated.text

    held = render(
        "protected_held",
        employee_id=EMPLOYEE,
        data={"action": "LEAVE_START:2026-04-01", "reason": "member of Break Glass"},
    )
    assert "held the suspension of employee 4711" in held.text
    assert "Reason: member of Break Glass" in held.text
    assert render("protected_held", data={"action": "status"}).data["held_action"] == (
        "suspension or deactivation"
    )

    review = render(
        "needs_review",
        employee_id=EMPLOYEE,
        data={"code": "INVALID_EMAIL", "message": "work email is not valid", "field": None},
    )
    assert "needs human review: work email is not valid" in review.text
    assert "Reason code: INVALID_EMAIL" in review.text


def test_the_guard_alert_says_what_is_held_and_how_to_decide() -> None:
    message = render(
        "safeguard_paused",
        data={
            "run": "guard",
            "workflow_id": "disruption-guard",
            "affected": 22,
            "deactivate": 22,
            "suspend": 0,
            "threshold": 8,
            "window": "1 hour",
            "active_total": 165,
            "employee_ids": ["101", "102"],
        },
    )
    assert "holding 22 suspensions/deactivations: more than 8 within 1 hour" in message.text
    assert "165 active accounts" in message.text and "101, 102" in message.text
    assert "lifecycle ops approve --all" in message.text
    assert message.subject.endswith("22 held")
