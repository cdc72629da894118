"""Which Okta lifecycle call takes a user from its current status to the target one.

Okta's rules (FACTS.md lifecycle table): activate from STAGED or DEPROVISIONED; suspend from
ACTIVE only; unsuspend from SUSPENDED only; deactivate from anything but DEPROVISIONED.
There is no way back to STAGED. "Already there" is success, never a call.
"""

from __future__ import annotations

from dataclasses import dataclass

from activities.contracts import TargetStatus
from integrations.okta.models import (
    ACTIVE,
    DEPROVISIONED,
    LOCKED_OUT,
    PASSWORD_EXPIRED,
    PROVISIONED,
    RECOVERY,
    STAGED,
    SUSPENDED,
)

# Activated accounts: PROVISIONED is "activated, waiting for the person to set a password".
ACTIVATED = frozenset({PROVISIONED, ACTIVE, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT})


@dataclass(frozen=True)
class Decision:
    operation: str | None = None  # activate | unsuspend | suspend | deactivate
    expected: str | None = None  # the status the operation leads to
    reached: bool = False
    not_applicable: str | None = None


def decide(current: str, target: TargetStatus) -> Decision:
    if target is TargetStatus.ACTIVE:
        if current in ACTIVATED:
            return Decision(reached=True)
        if current in (STAGED, DEPROVISIONED):
            return Decision("activate", PROVISIONED)
        if current == SUSPENDED:
            return Decision("unsuspend", ACTIVE)
    elif target is TargetStatus.SUSPENDED:
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
    elif target is TargetStatus.DEPROVISIONED:
        if current == DEPROVISIONED:
            return Decision(reached=True)
        return Decision("deactivate", DEPROVISIONED)
    elif target is TargetStatus.STAGED:
        if current == STAGED:
            return Decision(reached=True)
        return Decision(
            not_applicable=f"the account is {current}: Okta has no way back to STAGED, "
            "so it is left as it is"
        )
    return Decision(not_applicable=f"unknown Okta status {current!r}: nothing done")
