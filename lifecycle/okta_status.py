"""Okta's user statuses and lifecycle transitions, written once (pure, no I/O).

The Okta activities (which call to make), reconciliation (which call a lifecycle *will* make),
the mass-change guard (whose account a person can sign in with) and the reports all read
these. Okta's rules (Users API, "User status" and the lifecycle operations): activate from
STAGED or DEPROVISIONED; suspend from ACTIVE only; unsuspend from SUSPENDED only; deactivate
from anything but DEPROVISIONED; there is no way back to STAGED. "Already there" is success,
never a call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

STAGED = "STAGED"
PROVISIONED = "PROVISIONED"
ACTIVE = "ACTIVE"
RECOVERY = "RECOVERY"
PASSWORD_EXPIRED = "PASSWORD_EXPIRED"
LOCKED_OUT = "LOCKED_OUT"
SUSPENDED = "SUSPENDED"
DEPROVISIONED = "DEPROVISIONED"
USER_STATUSES = (
    STAGED,
    PROVISIONED,
    ACTIVE,
    RECOVERY,
    PASSWORD_EXPIRED,
    LOCKED_OUT,
    SUSPENDED,
    DEPROVISIONED,
)

# Activated accounts: PROVISIONED is "activated, waiting for the person to set a password".
ACTIVATED = frozenset({PROVISIONED, ACTIVE, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT})
# Accounts a person can sign in with: what a suspension or deactivation takes away (the base
# of the mass-change threshold, and what the guard is asked about).
SIGN_IN = frozenset({ACTIVE, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT})

Operation = Literal["activate", "unsuspend", "suspend", "deactivate"]


@dataclass(frozen=True)
class Decision:
    operation: Operation | None = None
    expected: str | None = None  # the status the operation leads to
    reached: bool = False
    not_applicable: str | None = None


def decide(current: str, target: str) -> Decision:
    """The call that takes an account from `current` to `target` (a desired status:
    ACTIVE, SUSPENDED, DEPROVISIONED, STAGED; anything else asks for nothing)."""
    if target == ACTIVE:
        if current in ACTIVATED:
            return Decision(reached=True)
        if current in (STAGED, DEPROVISIONED):
            return Decision("activate", PROVISIONED)
        if current == SUSPENDED:
            return Decision("unsuspend", ACTIVE)
    elif target == SUSPENDED:
        if current == SUSPENDED:
            return Decision(reached=True)
        if current == ACTIVE:
            return Decision("suspend", SUSPENDED)
        if current in (STAGED, PROVISIONED):
            return Decision(
                not_applicable=f"the account is {current}: it was never activated, so there "
                "is nothing to suspend"
            )
        if current in (RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT):
            return Decision(
                not_applicable=f"Okta suspends only ACTIVE users; the account is {current}"
            )
        if current == DEPROVISIONED:
            return Decision(not_applicable="the account is DEPROVISIONED")
    elif target == DEPROVISIONED:
        if current == DEPROVISIONED:
            return Decision(reached=True)
        return Decision("deactivate", DEPROVISIONED)
    elif target == STAGED:
        if current == STAGED:
            return Decision(reached=True)
        return Decision(
            not_applicable=f"the account is {current}: Okta has no way back to STAGED, "
            "so it is left as it is"
        )
    else:
        return Decision(not_applicable=f"no account status wanted ({target})")
    return Decision(not_applicable=f"unknown Okta status {current!r}: nothing done")
