"""What the policy decides for one employee: the desired Okta account over time.

A `LifecyclePlan` is a baseline plus dated actions, each carrying the *whole* desired account
from its instant on. The workflow never re-derives anything from HR data: it asks
`desired_at(now)` and converges Okta to the answer, then sleeps until `next_action(now)`.
Everything here is plain UTC arithmetic so it runs inside the workflow sandbox (time zones
and business days were already resolved by the policy, outside it).

Ops commands act on action *keys*, which stay stable while the underlying HR fact is the
same (`TERMINATE:2026-12-31`): `cancel` skips an action, `fast_forward` forces the next one.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from lifecycle.tamper import TamperRule


class AccountStatus(StrEnum):
    NONE = "NONE"  # no account wanted yet (future hire before the pre-board instant)
    STAGED = "STAGED"
    ACTIVE = "ACTIVE"  # activated: Okta PROVISIONED (awaiting the user) or ACTIVE
    SUSPENDED = "SUSPENDED"
    DEPROVISIONED = "DEPROVISIONED"


class ActionKind(StrEnum):
    PRE_BOARD = "PRE_BOARD"
    ACTIVATE = "ACTIVATE"
    TRANSFER = "TRANSFER"
    LEAVE_START = "LEAVE_START"
    LEAVE_RETURN = "LEAVE_RETURN"
    TERMINATE = "TERMINATE"
    RESCIND = "RESCIND"
    REHIRE = "REHIRE"


class ReviewCode(StrEnum):
    NO_WORK_EMAIL = "NO_WORK_EMAIL"
    INVALID_EMAIL = "INVALID_EMAIL"
    UNKNOWN_DEPARTMENT = "UNKNOWN_DEPARTMENT"
    UNKNOWN_LOCATION = "UNKNOWN_LOCATION"
    UNKNOWN_STATUS = "UNKNOWN_STATUS"
    MISSING_DATE = "MISSING_DATE"
    EMAIL_CONFLICT = "EMAIL_CONFLICT"
    AMBIGUOUS_MATCH = "AMBIGUOUS_MATCH"
    DELETED_IN_HR = "DELETED_IN_HR"
    BAD_HR_DATA = "BAD_HR_DATA"
    LOGIN_NOT_GENERATED = "LOGIN_NOT_GENERATED"
    OKTA_REJECTED = "OKTA_REJECTED"
    PROTECTED_ACCOUNT = "PROTECTED_ACCOUNT"
    GUARD_REJECTED = "GUARD_REJECTED"


class ReviewReason(BaseModel):
    code: ReviewCode
    message: str
    field: str | None = None


class DesiredAccount(BaseModel):
    status: AccountStatus
    login: str | None = None
    profile: dict[str, Any] = Field(default_factory=dict)
    groups: list[str] = Field(default_factory=list)  # managed group names, sorted


class DatedAction(BaseModel):
    key: str
    kind: ActionKind
    at: datetime  # UTC instant
    effective_date: date | None = None
    account: DesiredAccount
    immediate: bool = False
    note: str | None = None


class LifecyclePlan(BaseModel):
    employee_id: str
    time_zone: str = "UTC"
    review: ReviewReason | None = None
    baseline: DesiredAccount = Field(
        default_factory=lambda: DesiredAccount(status=AccountStatus.NONE)
    )
    actions: list[DatedAction] = Field(default_factory=list)
    managed_groups: list[str] = Field(default_factory=list)
    protected: bool = False
    protected_groups: list[str] = Field(default_factory=list)
    deprovision_alert_after: int = 5  # failed deactivation attempts before people are told
    send_activation_email: bool = True  # Okta emails the activation link (credentials)
    # What to do about changes someone else makes in Okta (lifecycle/tamper.py).
    tamper: TamperRule = Field(default_factory=TamperRule)
    last_changed: datetime | None = None
    # The policy generates logins and this employee has none yet (no work email in HR):
    # the workflow chooses one (`choose_login`) and plans again with it.
    login_needed: bool = False

    def _active(
        self, as_of: datetime, skipped: Collection[str], forced: Collection[str]
    ) -> list[DatedAction]:
        return [
            a for a in self.actions if a.key not in skipped and (a.at <= as_of or a.key in forced)
        ]

    def current_action(
        self, as_of: datetime, skipped: Collection[str] = (), forced: Collection[str] = ()
    ) -> DatedAction | None:
        """The action whose account is in force at `as_of` (None: the baseline)."""
        active = self._active(as_of, skipped, forced)
        return max(active, key=lambda a: a.at) if active else None

    def desired_at(
        self, as_of: datetime, skipped: Collection[str] = (), forced: Collection[str] = ()
    ) -> DesiredAccount:
        action = self.current_action(as_of, skipped, forced)
        return action.account if action else self.baseline

    def pending(
        self, as_of: datetime, skipped: Collection[str] = (), forced: Collection[str] = ()
    ) -> list[DatedAction]:
        """Actions still to come, earliest first."""
        return sorted(
            (
                a
                for a in self.actions
                if a.key not in skipped and a.key not in forced and a.at > as_of
            ),
            key=lambda a: a.at,
        )

    def next_action(
        self, as_of: datetime, skipped: Collection[str] = (), forced: Collection[str] = ()
    ) -> DatedAction | None:
        upcoming = self.pending(as_of, skipped, forced)
        return upcoming[0] if upcoming else None
