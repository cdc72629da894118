"""Which Okta lifecycle call an employee's workflow will make to reach the desired status
(the rule itself: lifecycle/okta_status.py)."""

from __future__ import annotations

from lifecycle.models import AccountStatus
from lifecycle.okta_status import ACTIVATED, DEPROVISIONED, SIGN_IN, decide
from lifecycle.reconcile.models import StatusChange

__all__ = ["ACTIVATED", "DEPROVISIONED", "SIGN_IN", "status_change"]


def status_change(desired: AccountStatus, okta_status: str) -> StatusChange | None:
    return decide(okta_status, desired.value).operation
