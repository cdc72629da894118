"""Which Okta lifecycle call the employee's workflow will make to reach the desired status.

Mirrors the Okta activities' transition rules (`activities/okta/transitions.py`; `lifecycle`
may not import activities): activate from STAGED or DEPROVISIONED, unsuspend from SUSPENDED,
suspend only an ACTIVE user, deactivate anything not yet DEPROVISIONED, never back to STAGED.
"Already there" and "not applicable" are no call.
"""

from __future__ import annotations

from lifecycle.models import AccountStatus
from lifecycle.reconcile.models import StatusChange

# Activated accounts: PROVISIONED means "activated, waiting for the person".
ACTIVATED = frozenset({"PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT"})
# Accounts a person can sign in with: the base of the mass-change safeguard's share.
SIGN_IN = frozenset({"ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT"})
DEPROVISIONED = "DEPROVISIONED"


def status_change(desired: AccountStatus, okta_status: str) -> StatusChange | None:
    if desired is AccountStatus.ACTIVE:
        if okta_status in ("STAGED", DEPROVISIONED):
            return "activate"
        if okta_status == "SUSPENDED":
            return "unsuspend"
        return None
    if desired is AccountStatus.SUSPENDED:
        return "suspend" if okta_status == "ACTIVE" else None
    if desired is AccountStatus.DEPROVISIONED:
        return "deactivate" if okta_status != DEPROVISIONED else None
    return None  # STAGED (no way back) and NONE (no account wanted yet): no call
