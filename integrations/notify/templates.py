"""One template per lifecycle notification event: event data in, a `Message` out.

Templates see only what the workflow put into the event's `data` (ids, names of groups,
action keys, reasons, dates). They never read settings, so no secret can reach a message,
and each template passes on to the sinks only the data keys it declares: a profile change to
a phone number tells the manager *that* the attribute changed, not its value. Personal data
in a message is limited to what the recipient needs: employee id, display name, login.

Every key is optional; a template renders whatever is present. A template that fails on odd
data falls back to the generic rendering instead of failing the notification, and an event
without a template (one added to `NotificationEvent` later) renders generically too.

Data keys understood by every template: `display_name`, `login`, `okta_user_id`,
`action_key` (or `action` holding a key such as `TERMINATE:2026-12-31`), `dry_run` (prefixes
the subject with "[dry-run]"). Event-specific keys are listed on each template below; the
short spellings in `ALIASES` are accepted too and passed on under the long name.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment

from integrations.templating import template_environment

logger = logging.getLogger(__name__)

TEXTS = Path(__file__).with_name("texts")

Severity = Literal["info", "alert"]

_MAX_VALUE_CHARS = 300
_MAX_LIST_ITEMS = 25
_SLACK_HEADER_CHARS = 150
_SLACK_TEXT_CHARS = 2900
_SLACK_FIELDS_PER_SECTION = 10

COMMON_FIELDS = ("display_name", "login", "okta_user_id", "action_key", "dry_run")

# Shorter spellings callers use for the same facts: key -> accepted alternatives.
ALIASES: dict[str, tuple[str, ...]] = {
    "groups_added": ("added",),
    "groups_removed": ("removed",),
    "last_error": ("error",),
    "reason_code": ("code",),
}

# An action key as the plan writes it (`TERMINATE:2026-12-31`), or "status" for a hold that
# came from a plain status convergence.
_ACTION_KEY = re.compile(r"^(?:[A-Z][A-Z_]*(?::\S*)?|status)$")

# Profile attributes whose before/after values a manager may see in `access_changed`; any
# other changed attribute (phone numbers, personal email...) is named without its values.
VISIBLE_ATTRIBUTES: dict[str, str] = {
    "title": "Title",
    "department": "Department",
    "division": "Division",
    "location": "Location",
    "organization": "Organization",
    "costCenter": "Cost center",
    "userType": "Employee type",
    "manager": "Manager",
    "managerId": "Manager id",
    "employeeNumber": "Employee number",
}


@dataclass(frozen=True)
class Message:
    """A rendered notification, ready for any sink."""

    event: str
    subject: str
    text: str  # plain text: e-mail body, log line, webhook `text`
    markdown: str  # Slack mrkdwn rendering of the same content
    blocks: list[dict[str, Any]] = field(default_factory=list)  # Slack Block Kit
    data: dict[str, Any] = field(default_factory=dict)  # the template's vetted, JSON-safe data
    employee_id: str | None = None
    severity: Severity = "info"
    default_audiences: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Body:
    summary: str
    facts: list[tuple[str, str]]
    action: str | None = None
    subject_tail: str | None = None  # replaces "<name> (employee <id>)" in the subject


@dataclass(frozen=True)
class Template:
    event: str
    title: str
    audiences: tuple[str, ...]  # used when the caller names no audience
    fields: tuple[str, ...]  # data keys passed on to the sinks, besides COMMON_FIELDS
    severity: Severity
    build: Callable[[_Data], _Body]


TEMPLATES: dict[str, Template] = {}


def _template(
    event: str,
    title: str,
    audiences: tuple[str, ...],
    fields: tuple[str, ...] = (),
    severity: Severity = "info",
) -> Callable[[Callable[[_Data], _Body]], Callable[[_Data], _Body]]:
    def register(build: Callable[[_Data], _Body]) -> Callable[[_Data], _Body]:
        TEMPLATES[event] = Template(event, title, audiences, fields, severity, build)
        return build

    return register


# --- reading event data ----------------------------------------------------------------------


def _one_line(value: Any, limit: int = _MAX_VALUE_CHARS) -> str:
    # Single line: values end up in e-mail subjects and Slack headers.
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Data:
    """Typed, forgiving access to one event's data."""

    def __init__(self, event: str, employee_id: str | None, data: Mapping[str, Any]) -> None:
        self.event = event
        self.employee_id = _text_or_none(employee_id) or _text_or_none(data.get("employee_id"))
        self.raw = data
        self.shared: dict[str, Any] = {}  # data a template chose to pass on in a shaped form

    def get(self, key: str) -> Any:
        """The value under `key` or, failing that, under one of its aliases."""
        if key in self.raw:
            return self.raw[key]
        for alias in ALIASES.get(key, ()):
            if alias in self.raw:
                return self.raw[alias]
        if key == "action_key":
            action = _text_or_none(self.raw.get("action"))
            if action and _ACTION_KEY.match(action):
                return action
        return None

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def text(self, key: str) -> str | None:
        return _text_or_none(self.get(key))

    def items(self, key: str) -> list[str]:
        value = self.get(key)
        if value is None or value == "":
            return []
        values = value if isinstance(value, list | tuple | set) else [value]
        return [_one_line(v) for v in values if v not in (None, "")]

    def flag(self, key: str) -> bool | None:
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "y", "on"}
        return bool(value)

    def when(self, *keys: str) -> str | None:
        for key in keys:
            value = self.get(key)
            if value not in (None, ""):
                return _format_when(value)
        return None

    @property
    def key_date(self) -> str | None:
        """The date an action key is about (`TERMINATE:2026-12-31` -> 2026-12-31)."""
        _, _, tail = (self.text("action_key") or "").partition(":")
        try:
            return date.fromisoformat(tail[:10]).isoformat() if tail else None
        except ValueError:
            return None

    @property
    def who(self) -> str:
        name = self.text("display_name")
        if name and self.employee_id:
            return f"{name} (employee {self.employee_id})"
        if self.employee_id:
            return f"employee {self.employee_id}"
        return name or self.text("login") or "an unknown employee"


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = _one_line(value)
    return text or None


def _format_when(value: Any) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value.isoformat()
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return _one_line(text)
        if len(text) <= 10:  # a plain date
            return moment.date().isoformat()
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _join(values: list[str]) -> str:
    if len(values) > _MAX_LIST_ITEMS:
        shown = ", ".join(values[:_MAX_LIST_ITEMS])
        return f"{shown} and {len(values) - _MAX_LIST_ITEMS} more"
    return ", ".join(values)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _facts(*pairs: tuple[str, str | None]) -> list[tuple[str, str]]:
    """Drop the facts the event did not carry."""
    return [(label, value) for label, value in pairs if value]


def _account_facts(d: _Data) -> list[tuple[str, str | None]]:
    return [("Login", d.text("login")), ("Okta user id", d.text("okta_user_id"))]


# --- the templates ---------------------------------------------------------------------------


@_template(
    "account_staged",
    "Account staged",
    ("it",),
    ("start_date", "activate_at", "groups", "department", "title", "location"),
)
def _account_staged(d: _Data) -> _Body:
    """Keys: start_date, activate_at, groups, department, title, location."""
    start = d.when("start_date")
    when = f" It will be activated at {d.when('activate_at')}." if d.when("activate_at") else ""
    return _Body(
        summary=f"An Okta account was created (staged, not yet active) for {d.who}.{when}",
        facts=_facts(
            *_account_facts(d),
            ("Start date", start),
            ("Activation", d.when("activate_at")),
            ("Department", d.text("department")),
            ("Title", d.text("title")),
            ("Location", d.text("location")),
            ("Groups", _join(d.items("groups")) or None),
        ),
        action="Prepare the new hire's equipment and any access not managed through Okta "
        "before the start date.",
    )


@_template(
    "account_activated",
    "Account activated",
    ("it",),
    ("activated_at", "start_date", "groups", "activation_email_sent"),
)
def _account_activated(d: _Data) -> _Body:
    """Keys: activated_at, start_date, groups, activation_email_sent."""
    return _Body(
        summary=f"The Okta account of {d.who} was activated.",
        facts=_facts(
            *_account_facts(d),
            ("Activated", d.when("activated_at")),
            ("Start date", d.when("start_date")),
            ("Activation e-mail sent", _yes_no(d.flag("activation_email_sent"))),
            ("Groups", _join(d.items("groups")) or None),
        ),
    )


@_template(
    "access_changed",
    "Access changed",
    ("it",),
    ("groups_added", "groups_removed", "missing_groups", "effective_at"),
)
def _access_changed(d: _Data) -> _Body:
    """Keys: groups_added (added), groups_removed (removed), missing_groups, effective_at,
    changes: {attribute: {"before": ..., "after": ...}} as in UpdateOktaProfileResult."""
    added, removed = d.items("groups_added"), d.items("groups_removed")
    visible: dict[str, dict[str, Any]] = {}
    hidden: list[str] = []
    changes = d.get("changes")
    lines: list[tuple[str, str | None]] = []
    if isinstance(changes, Mapping):
        for attribute, change in changes.items():
            label = VISIBLE_ATTRIBUTES.get(str(attribute))
            if label is None or not isinstance(change, Mapping):
                hidden.append(_one_line(attribute, 60))
                continue
            before, after = change.get("before"), change.get("after")
            visible[str(attribute)] = {"before": before, "after": after}
            shown_before = _one_line(before) if before not in (None, "") else "(none)"
            shown_after = _one_line(after) if after not in (None, "") else "(none)"
            lines.append((label, f"{shown_before} → {shown_after}"))
    d.shared["changes"] = visible
    if hidden:
        d.shared["other_changed_attributes"] = sorted(hidden)
    what = []
    if added or removed:
        what.append("group memberships")
    if visible or hidden:
        what.append("job details")
    summary = f"Access for {d.who} changed" + (f" ({' and '.join(what)})." if what else ".")
    return _Body(
        summary=summary,
        facts=_facts(
            ("Login", d.text("login")),
            ("Effective", d.when("effective_at")),
            ("Groups added", _join(added) or None),
            ("Groups removed", _join(removed) or None),
            *lines,
            ("Other profile attributes updated", _join(sorted(hidden)) or None),
            ("Groups not found in Okta", _join(d.items("missing_groups")) or None),
        ),
        action="If this does not match a change you expect for your report, contact IT.",
    )


@_template(
    "leave_started",
    "Leave started",
    ("it",),
    ("effective_at", "return_date", "groups_removed"),
)
def _leave_started(d: _Data) -> _Body:
    """Keys: effective_at, return_date, groups_removed. The leave type is never shown."""
    return _Body(
        summary=f"{d.who} is on leave: the Okta account was suspended.",
        facts=_facts(
            *_account_facts(d),
            ("Effective", d.when("effective_at") or d.key_date),
            ("Expected return", d.when("return_date")),
            ("Groups removed for the leave", _join(d.items("groups_removed")) or None),
        ),
        action="Nothing to do: the account is unsuspended automatically on return.",
    )


@_template(
    "leave_ended",
    "Leave ended",
    ("it",),
    ("effective_at", "groups_restored"),
)
def _leave_ended(d: _Data) -> _Body:
    """Keys: effective_at, groups_restored."""
    return _Body(
        summary=f"{d.who} returned from leave: the Okta account was unsuspended.",
        facts=_facts(
            *_account_facts(d),
            ("Effective", d.when("effective_at") or d.key_date),
            ("Groups re-granted", _join(d.items("groups_restored")) or None),
        ),
    )


@_template(
    "terminated",
    "Account deactivated (termination)",
    ("security", "hr"),
    ("effective_at", "termination_date", "immediate", "sessions_revoked", "groups_removed"),
)
def _terminated(d: _Data) -> _Body:
    """Keys: effective_at, termination_date, immediate, sessions_revoked, groups_removed.
    Termination type and reason stay in BambooHR."""
    return _Body(
        summary=f"{d.who} was terminated: the Okta account was deactivated.",
        facts=_facts(
            *_account_facts(d),
            ("Termination date", d.when("termination_date") or d.key_date),
            ("Deactivated", d.when("effective_at")),
            ("Immediate", _yes_no(d.flag("immediate"))),
            ("Sessions and tokens revoked", _yes_no(d.flag("sessions_revoked"))),
            ("Groups removed", _join(d.items("groups_removed")) or None),
        ),
        action="Recover devices and remove access that is not managed through Okta.",
    )


@_template(
    "offer_rescinded",
    "Offer rescinded",
    ("it", "hr"),
    ("start_date", "account_status"),
)
def _offer_rescinded(d: _Data) -> _Body:
    """Keys: start_date (the one that will not happen), account_status (after the change)."""
    status = d.text("account_status")
    done = f" The Okta account is now {status}." if status else ""
    return _Body(
        summary=f"The offer to {d.who} was rescinded before the start date.{done}",
        facts=_facts(
            *_account_facts(d),
            ("Planned start date", d.when("start_date")),
            ("Account status", status),
        ),
        action="Cancel equipment and onboarding that were prepared for this hire.",
    )


@_template(
    "rehired",
    "Rehired",
    ("it", "hr"),
    ("start_date", "groups", "previous_termination_date"),
)
def _rehired(d: _Data) -> _Body:
    """Keys: start_date, groups, previous_termination_date."""
    return _Body(
        summary=f"{d.who} was rehired: the existing Okta account is reused (no duplicate).",
        facts=_facts(
            *_account_facts(d),
            ("Start date", d.when("start_date")),
            ("Previous termination", d.when("previous_termination_date")),
            ("Groups", _join(d.items("groups")) or None),
        ),
    )


@_template(
    "needs_review",
    "Needs review",
    ("it", "hr"),
    ("reason",),
)
def _needs_review(d: _Data) -> _Body:
    """Keys: reason (a ReviewReason as dict {code, message, field} or a text), or the
    ReviewReason's keys at the top level: reason_code (code), message, field."""
    reason = d.get("reason")
    code, message, field_name = d.text("reason_code"), d.text("message"), d.text("field")
    if isinstance(reason, Mapping):
        code = _text_or_none(reason.get("code")) or code
        message = _text_or_none(reason.get("message"))
        field_name = _text_or_none(reason.get("field")) or field_name
    elif reason is not None:
        message = _text_or_none(reason)
    d.shared["reason"] = {"code": code, "message": message, "field": field_name}
    because = f": {message}" if message else f" ({code})" if code else ""
    return _Body(
        summary=f"{d.who} needs human review{because}. Automation does nothing for this "
        "employee until the problem is resolved.",
        facts=_facts(
            ("Reason", message),
            ("Reason code", code),
            ("BambooHR field", field_name),
            *_account_facts(d),
        ),
        action="Fix the record in BambooHR (or decide on the account match); the employee's "
        "workflow picks up the next change.",
    )


@_template(
    "protected_held",
    "Protected account held",
    ("it", "security"),
    ("held_action", "reason", "protected_groups"),
    severity="alert",
)
def _protected_held(d: _Data) -> _Body:
    """Keys: action_key (its kind tells what was held), held_action (suspend / deactivate,
    also accepted under `action`), reason, protected_groups."""
    action = _held_action(d)
    d.shared["held_action"] = action
    return _Body(
        summary=f"Automation held the {action} of {d.who}: the account is protected and was "
        "left unchanged.",
        facts=_facts(
            *_account_facts(d),
            ("Held action", action),
            ("Action key", d.text("action_key")),
            ("Reason", d.text("reason")),
            ("Protected by group", _join(d.items("protected_groups")) or None),
        ),
        action="Decide by hand in Okta: automation never suspends or deactivates a "
        "protected account.",
    )


@_template(
    "deprovision_failing",
    "Deprovisioning failing",
    ("it", "security"),
    ("attempts", "last_error", "first_failure_at"),
    severity="alert",
)
def _deprovision_failing(d: _Data) -> _Body:
    """Keys: attempts, last_error (error: an Okta error summary), first_failure_at."""
    attempts = d.text("attempts")
    times = f" {attempts} times" if attempts else ""
    return _Body(
        summary=f"Deprovisioning {d.who} has failed{times}; automation keeps retrying.",
        facts=_facts(
            *_account_facts(d),
            ("Attempts", attempts),
            ("Failing since", d.when("first_failure_at")),
            ("Last error", d.text("last_error")),
            ("Action key", d.text("action_key")),
        ),
        action="Deactivate the account in Okta by hand if it must not stay usable, and "
        "look into the error.",
    )


@_template(
    "leave_not_suspended",
    "Leave without suspension",
    ("security", "it"),
    ("okta_status", "reason"),
    severity="alert",
)
def _leave_not_suspended(d: _Data) -> _Body:
    """Keys: okta_status (the account's Okta status, e.g. LOCKED_OUT), reason."""
    status = d.text("okta_status")
    state = f" is {status}" if status else " is not ACTIVE"
    return _Body(
        summary=f"{d.who} is on leave, but the Okta account{state} and Okta suspends only "
        "ACTIVE accounts: it was not suspended. Managed groups were still adjusted.",
        facts=_facts(
            *_account_facts(d),
            ("Okta status", status),
            ("Reason", d.text("reason")),
            ("Action key", d.text("action_key")),
        ),
        action="Check the account in Okta and lock it down by hand if it must not be usable "
        "during the leave. Once it is ACTIVE, the lifecycle's next convergence (an HR change, "
        "a reconciliation apply) suspends it; the compliance report lists it as on leave but "
        "active until then.",
    )


@_template(
    "sync_failing",
    "Sync blocked",
    ("it", "security"),
    ("run", "workflow_id", "step", "last_error", "retrying", "recheck_minutes"),
    severity="alert",
)
def _sync_failing(d: _Data) -> _Body:
    """Keys: run (poll / plan / apply / drift), workflow_id, step (the activity that failed),
    last_error (error), retrying (the run re-checks by itself), recheck_minutes."""
    run = d.text("run") or "sync"
    step = d.text("step")
    retrying = bool(d.flag("retrying"))
    minutes = d.text("recheck_minutes")
    if retrying:
        action = (
            "Fix the cause (credentials, permissions, configuration; restart the worker if "
            "its settings changed). The run re-checks"
            + (f" every {minutes} minutes" if minutes else " by itself")
            + " and then catches up: no HR change is lost."
        )
    else:
        action = "Fix the cause, then run it again; the run has stopped."
    return _Body(
        summary=f"The {run} run is blocked: "
        + (f"step {step} failed" if step else "a step failed")
        + " with an error retries cannot fix, so HR changes are not reaching Okta.",
        facts=_facts(
            ("Run", run),
            ("Workflow id", d.text("workflow_id")),
            ("Step", step),
            ("Last error", d.text("last_error")),
        ),
        action=action,
        subject_tail=f"{run} run",
    )


@_template(
    "login_writeback_refused",
    "Generated login not written back",
    ("it", "hr"),
    ("generated_login", "error"),
    severity="alert",
)
def _login_writeback_refused(d: _Data) -> _Body:
    """Keys: generated_login (the login the policy generated), error (BambooHR's answer)."""
    login = d.text("generated_login") or d.text("login")
    return _Body(
        summary=f"{d.who} has no work email in BambooHR, so the login {login or '(generated)'} "
        "was generated; BambooHR refused to store it as the work email. The Okta account "
        "uses the generated login anyway.",
        facts=_facts(
            *_account_facts(d),
            ("Generated login", login),
            ("BambooHR answer", d.text("error")),
        ),
        action="Enter the work email in BambooHR by hand (the same address, so both systems "
        "agree), or give the service's API user permission to update workEmail.",
    )


@_template(
    "safeguard_paused",
    "Mass-change safeguard paused",
    ("it", "security"),
    ("run", "workflow_id", "affected", "active_total", "threshold", "employee_ids"),
    severity="alert",
)
def _safeguard_paused(d: _Data) -> _Body:
    """Keys: run (guard / reconcile), workflow_id, affected, active_total, threshold,
    employee_ids (a sample of the affected employees); the guard adds window, deactivate,
    suspend."""
    if d.text("run") == "guard":
        return _guard_holding(d)
    run = d.text("run") or "sync"
    affected, total = d.text("affected"), d.text("active_total")
    share = (
        f"{affected} of {total} active accounts, more" if affected and total else "more accounts"
    )
    ids = d.items("employee_ids")
    workflow_id = d.text("workflow_id")
    target = f" to workflow {workflow_id}" if workflow_id else ""
    return _Body(
        summary=f"A {run} run would suspend or deactivate {share} than the safeguard "
        "allows; it waits for approval before acting.",
        facts=_facts(
            ("Run", run),
            ("Workflow id", workflow_id),
            ("Accounts affected", affected),
            ("Active accounts", total),
            ("Threshold", d.text("threshold")),
            ("Employees (sample)", _join(ids) or None),
        ),
        action=f"Review the run, then send the `approve` update{target} (or cancel it).",
        subject_tail=f"{run} run" + (f", {affected} accounts" if affected else ""),
    )


@_template(
    "okta_tampered",
    "Okta changed outside the lifecycle",
    ("security",),
    ("changes", "actors", "first_at", "outcome", "lifecycle_state"),
    severity="alert",
)
def _okta_tampered(d: _Data) -> _Body:
    """Keys: changes (one line each: "<who> <did what>"), actors, first_at, outcome
    (reverting / held / alerted), lifecycle_state (ACTIVE, TERMINATED, ON_LEAVE...)."""
    changes = d.items("changes")
    outcome = d.text("outcome")
    state = d.text("lifecycle_state")
    done = {
        "reverting": "The account is being put back to what BambooHR says.",
        "held": "The policy says revert, but the lifecycle is paused or in review: nothing "
        "was put back yet.",
        "alerted": "The account was left as it is (the policy's tamper rule says alert).",
    }.get(outcome or "", "")
    return _Body(
        summary=f"Someone changed {d.who}'s Okta account by hand"
        + (f" while the lifecycle is {state}" if state else "")
        + f": {_join(changes) or 'see the facts'}. {done}".rstrip(),
        facts=_facts(
            *_account_facts(d),
            ("Changed by", _join(d.items("actors")) or None),
            ("First change at", d.when("first_at")),
            ("Changes", _join(changes) or None),
            ("Outcome", outcome),
        ),
        action="Check with the person who made the change; if it was not approved, treat the "
        "account as exposed (sessions, app access) and review the admin's rights.",
    )


def _guard_holding(d: _Data) -> _Body:
    affected, threshold, window = d.text("affected"), d.text("threshold"), d.text("window")
    return _Body(
        summary=f"The mass-change guard is holding {affected or 'some'} suspensions/"
        f"deactivations: more than {threshold or 'the threshold'} within "
        f"{window or 'the window'} ({d.text('active_total') or '?'} active accounts). "
        "The accounts stay as they are until someone decides; later ones are held too.",
        facts=_facts(
            ("Held", affected),
            ("Deactivations", d.text("deactivate")),
            ("Suspensions", d.text("suspend")),
            ("Threshold", f"{threshold} per {window}" if threshold and window else threshold),
            ("Active accounts", d.text("active_total")),
            ("Guard workflow", d.text("workflow_id")),
            ("Employees (sample)", _join(d.items("employee_ids")) or None),
        ),
        action="Check the sample against BambooHR, then `lifecycle ops approve --all` (or "
        "`--employee ID`), or `lifecycle ops reject --all --reason R`; `lifecycle ops guard` "
        "lists everything held.",
        subject_tail=f"{affected} held" if affected else "actions held",
    )


_HELD_BY_KIND = {
    "TERMINATE": "deactivation",
    "RESCIND": "deactivation",
    "LEAVE_START": "suspension",
}
_HELD_BY_VERB = {"deactivate": "deactivation", "suspend": "suspension"}


def _held_action(d: _Data) -> str:
    explicit = d.text("held_action") or d.text("action")
    if explicit and not _ACTION_KEY.match(explicit):
        return _HELD_BY_VERB.get(explicit.lower(), explicit)
    kind = (d.text("action_key") or "").split(":", 1)[0]
    return _HELD_BY_KIND.get(kind, "suspension or deactivation")


def _generic(d: _Data) -> _Body:
    return _Body(
        summary=f"Lifecycle event {d.event} for {d.who}.",
        facts=_facts(*_account_facts(d), ("Action key", d.text("action_key"))),
    )


# --- assembly --------------------------------------------------------------------------------


def text_environment(override: Path | None = None) -> Environment:
    """The texts' templates (texts/), each replaceable from the operator's directory."""
    env = template_environment(TEXTS, override)
    env.filters["slack"] = _slack_escape
    return env


_PACKAGED: Environment | None = None


def _packaged() -> Environment:
    global _PACKAGED
    if _PACKAGED is None:
        _PACKAGED = text_environment()
    return _PACKAGED


def render(
    event: str,
    *,
    employee_id: str | None = None,
    data: Mapping[str, Any] | None = None,
    texts: Environment | None = None,
) -> Message:
    """Render `event`; never raises for odd data (falls back to a generic rendering).
    `texts`: the operator's templates (`text_environment(dir)`); one that fails to render
    falls back to the packaged text, so a template typo never loses a notification."""
    event = str(event)
    template = TEMPLATES.get(event) or Template(
        event, event.replace("_", " ").capitalize(), ("it",), (), "info", _generic
    )
    data = data or {}
    try:
        facts = _Data(event, employee_id, data)
        return _assemble(template, facts, template.build(facts), texts)
    except Exception as exc:  # a template bug must not lose the notification
        logger.warning(
            "template for %s failed (%s); rendering generically", event, type(exc).__name__
        )
    # Generic rendering with the common keys only, then with none at all.
    common = {k: data[k] for k in (*COMMON_FIELDS, "employee_id") if k in data}
    for attempt in (common, {}):
        try:
            facts = _Data(event, employee_id, attempt)
            return _assemble(template, facts, _generic(facts), texts)
        except Exception:
            continue
    facts = _Data(event, None, {})
    return _assemble(template, facts, _generic(facts), texts)


def _assemble(
    template: Template, d: _Data, body: _Body, texts: Environment | None = None
) -> Message:
    dry_run = bool(d.flag("dry_run"))
    prefix = "[dry-run] " if dry_run else ""
    subject = _one_line(f"{prefix}{template.title}: {body.subject_tail or d.who}", 200)
    footer = (
        f"Event: {template.event}"
        + (f" · employee {d.employee_id}" if d.employee_id else "")
        + (f" · action {d.text('action_key')}" if d.text("action_key") else "")
    )

    summary = body.summary[:1].upper() + body.summary[1:]
    body = _Body(summary, body.facts, body.action, body.subject_tail)
    shared = _shared_data(template, d)
    context = {
        "event": template.event,
        "title": template.title,
        "subject": subject,
        "summary": body.summary,
        "facts": list(body.facts),
        "action": body.action,
        "dry_run": dry_run,
        "footer": footer,
        "employee_id": d.employee_id,
        "data": shared,
    }
    text, markdown = _texts(texts, template.event, context)

    return Message(
        event=template.event,
        subject=subject,
        text=text,
        markdown=markdown,
        blocks=_blocks(template, subject, body, footer),
        data=shared,
        employee_id=d.employee_id,
        severity=template.severity,
        default_audiences=template.audiences,
    )


def _texts(env: Environment | None, event: str, context: dict[str, Any]) -> tuple[str, str]:
    """(plain text, Slack mrkdwn): the operator's templates if any, else the packaged ones."""
    if env is not None:
        try:
            return _render_texts(env, event, context)
        except Exception as exc:  # the operator's template: report it, keep the message
            logger.warning(
                "operator template for %s failed (%s: %s); using the packaged one",
                event,
                type(exc).__name__,
                exc,
            )
    return _render_texts(_packaged(), event, context)


def _render_texts(env: Environment, event: str, context: dict[str, Any]) -> tuple[str, str]:
    text = env.select_template([f"{event}.txt.j2", "notification.txt.j2"]).render(context)
    markdown = env.get_template("notification.md.j2").render(context)
    return text.strip("\n"), markdown.rstrip("\n")


def _shared_data(template: Template, d: _Data) -> dict[str, Any]:
    data: dict[str, Any] = {"employee_id": d.employee_id}
    for key in (*COMMON_FIELDS, *template.fields):
        if key not in d.shared and d.has(key):
            data[key] = d.get(key)
    data.update(d.shared)
    safe: dict[str, Any] = {}
    for key, value in data.items():
        # JSON-safe: dates become ISO text, anything exotic its str(); a value that cannot
        # even be printed is dropped rather than failing the notification.
        try:
            safe[key] = json.loads(json.dumps(value, default=_json_default))
        except Exception:
            continue
    return safe


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _slack_escape(text: str) -> str:
    # Slack's three control characters; also defuses "<!channel>" in HR-sourced names.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _blocks(template: Template, subject: str, body: _Body, footer: str) -> list[dict[str, Any]]:
    icon = ":rotating_light: " if template.severity == "alert" else ""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(subject, _SLACK_HEADER_CHARS)},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _clip(icon + _slack_escape(body.summary), _SLACK_TEXT_CHARS),
            },
        },
    ]
    fields = [
        {"type": "mrkdwn", "text": _clip(f"*{_slack_escape(k)}*\n{_slack_escape(v)}", 1900)}
        for k, v in body.facts
    ]
    for start in range(0, len(fields), _SLACK_FIELDS_PER_SECTION):
        blocks.append(
            {"type": "section", "fields": fields[start : start + _SLACK_FIELDS_PER_SECTION]}
        )
    if body.action:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _clip(f"*What to do:* {_slack_escape(body.action)}", _SLACK_TEXT_CHARS),
                },
            }
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _slack_escape(footer)}]}
    )
    return blocks
