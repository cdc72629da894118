"""Data problems that need a human before automation acts (`plan.review`).

Deprovisioning is never held hostage by data quality: when the status in effect is
terminated (or the hire was withdrawn) only DELETED_IN_HR is reported, so the TERMINATE
goes ahead even without a work email, a known department or a clean status history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from lifecycle.models.hr import HrSnapshot
from lifecycle.models.plan import ReviewCode, ReviewReason
from lifecycle.policy.conditions import same_text, value_matches
from lifecycle.policy.config import PolicyConfig
from lifecycle.policy.templates import is_template, parse_template
from lifecycle.policy.timeline import Timeline

# Most fundamental first: the first problem found is the one `plan.review` carries.
PRIORITY = (
    ReviewCode.DELETED_IN_HR,
    ReviewCode.MISSING_DATE,
    ReviewCode.UNKNOWN_STATUS,
    ReviewCode.NO_WORK_EMAIL,
    ReviewCode.LOGIN_NOT_GENERATED,
    ReviewCode.INVALID_EMAIL,
    ReviewCode.UNKNOWN_DEPARTMENT,
    ReviewCode.UNKNOWN_LOCATION,
)

_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?<!\.)"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def is_valid_email(value: str) -> bool:
    return bool(_EMAIL.fullmatch(value))


def domain_allowed(address: str, domains: Iterable[str]) -> bool:
    allowed = [d.strip().lstrip("@") for d in domains if d.strip()]
    if not allowed:
        return True
    domain = address.rsplit("@", 1)[-1]
    return any(value_matches(domain, d) for d in allowed)


def status_reasons(
    config: PolicyConfig, timeline: Timeline, today: date | None, snapshot: HrSnapshot
) -> list[ReviewReason]:
    reasons: list[ReviewReason] = []
    if snapshot.deleted:
        reasons.append(
            ReviewReason(
                code=ReviewCode.DELETED_IN_HR,
                message=f"employee {snapshot.employee_id} was deleted in BambooHR; "
                "a person must decide what happens to the Okta account",
            )
        )
    if not snapshot.employment_status_rows and snapshot.hire_date is None:
        reasons.append(
            ReviewReason(
                code=ReviewCode.MISSING_DATE,
                message="no hire date and no employmentStatus rows: nothing to schedule from",
                field="hireDate",
            )
        )
    for status in _relevant_statuses(timeline, today, snapshot):
        if config.status_class(status) is None:
            shown = repr(status) if status else "no employment status"
            reasons.append(
                ReviewReason(
                    code=ReviewCode.UNKNOWN_STATUS,
                    message=f"employment status {shown} is in none of the configured "
                    "active, leave or terminated sets",
                    field="employmentHistoryStatus",
                )
            )
            break
    return reasons


def _relevant_statuses(timeline: Timeline, today: date | None, snapshot: HrSnapshot) -> list[str]:
    """The status in effect now and every future one; history does not matter."""
    rows = timeline.rows
    if today is None:
        relevant = rows[-1:]
    else:
        past = [i for i, r in enumerate(rows) if r.date <= today]
        relevant = rows[past[-1] :] if past else rows
    statuses = [r.status for r in relevant]
    if not rows and snapshot.employment_status is not None:
        statuses.append(snapshot.employment_status)
    return statuses


def identity_reasons(config: PolicyConfig, profile: dict[str, str | None]) -> list[ReviewReason]:
    """Login and email: present, well-formed, in an allowed domain."""
    reasons: list[ReviewReason] = []
    login = profile.get("login")
    # Okta requires an email; without an `email` mapping the login serves as one.
    email = profile.get("email") if "email" in config.profile else login
    if not login or not email:
        missing = "login" if not login else "email"
        template = config.identity.login if missing == "login" else None
        source = _first_field(template) if template else _first_field(config.profile.get("email"))
        reasons.append(
            ReviewReason(
                code=ReviewCode.NO_WORK_EMAIL,
                message=f"no {missing} for the Okta account: {source or missing} is empty "
                "in BambooHR, so no account is created",
                field=source or missing,
            )
        )
        return reasons
    for attribute, address in (("login", login), ("email", email)):
        if not is_valid_email(address):
            reasons.append(
                ReviewReason(
                    code=ReviewCode.INVALID_EMAIL,
                    message=f"{attribute} {address!r} is not a valid email address",
                    field=attribute,
                )
            )
            break
        if not domain_allowed(address, config.identity.email_domains):
            allowed = ", ".join(config.identity.email_domains)
            reasons.append(
                ReviewReason(
                    code=ReviewCode.INVALID_EMAIL,
                    message=f"{attribute} {address!r} is not in an allowed domain ({allowed})",
                    field=attribute,
                )
            )
            break
    return reasons


def _first_field(spec: object) -> str | None:
    if isinstance(spec, str):
        if is_template(spec):
            fields = parse_template(spec).fields()
            return fields[0] if fields else None
        return spec
    source = getattr(spec, "source", None)
    return source if isinstance(source, str) else None


def department_reasons(config: PolicyConfig, departments: list[str | None]) -> list[ReviewReason]:
    known = config.known_departments
    if known is None:
        return []
    for department in departments:
        if department is None or not any(same_text(department, k) for k in known):
            shown = repr(department) if department else "no department"
            return [
                ReviewReason(
                    code=ReviewCode.UNKNOWN_DEPARTMENT,
                    message=f"department {shown} is not in known_departments; group "
                    "memberships would be wrong",
                    field="department",
                )
            ]
    return []


def location_reasons(config: PolicyConfig, locations: list[str | None]) -> list[ReviewReason]:
    """A location the zone table does not know: dates would fall in the default zone."""
    if config.time.unmapped_location != "review" or not config.time.zones_by_location:
        return []
    for location in locations:
        if location and config.mapped_zone(location) is None:
            return [
                ReviewReason(
                    code=ReviewCode.UNKNOWN_LOCATION,
                    message=f"location {location!r} is not in time.zones_by_location: its "
                    f"dates would use {config.time.default_zone}; add it to the policy "
                    "(or fix the location in BambooHR)",
                    field="location",
                )
            ]
    return []


def choose(reasons: list[ReviewReason]) -> ReviewReason | None:
    """The most fundamental problem, mentioning the others so nothing is lost."""
    if not reasons:
        return None
    ordered = sorted(reasons, key=lambda r: PRIORITY.index(r.code) if r.code in PRIORITY else 99)
    first = ordered[0]
    others = sorted({r.code.value for r in ordered[1:]} - {first.code.value})
    if not others:
        return first
    return first.model_copy(update={"message": f"{first.message} (also: {', '.join(others)})"})
