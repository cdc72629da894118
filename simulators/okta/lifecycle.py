"""User status transitions, as one explicit table (status x operation).

Every lifecycle call of the API (and the admin "user completed activation") looks up its
outcome here, so tests can walk every pair. Okta runs some transitions asynchronously
(`transitioningToStatus`); the simulator completes them before answering.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from simulators.okta.errors import OktaError, already_active, not_allowed_in_status, not_found

STATUSES = (
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "PASSWORD_EXPIRED",
    "LOCKED_OUT",
    "SUSPENDED",
    "DEPROVISIONED",
)


class Op(StrEnum):
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    REACTIVATE = "reactivate"
    COMPLETE_ACTIVATION = "complete-activation"  # admin: the user followed the e-mail link


# Targets; "ACTIVATED" is ACTIVE for a user with a password, PROVISIONED without one.
ACTIVATED = "ACTIVATED"


@dataclass(frozen=True)
class Rejection:
    """Why an operation is refused in a status; `kind` picks the Okta error."""

    kind: str


ALREADY_ACTIVE = Rejection("already_active")  # 403 E0000016
GONE = Rejection("deprovisioned")  # 404 E0000007 (configurable: 403 E0000038)
NOT_ACTIVE = Rejection("suspend_not_active")  # 400 E0000001
NOT_SUSPENDED = Rejection("unsuspend_not_suspended")  # 400 E0000001
WRONG_STATUS = Rejection("not_allowed")  # 403 E0000038

_ANY_BUT_GONE = {s: "DEPROVISIONED" for s in STATUSES if s != "DEPROVISIONED"}

TABLE: dict[Op, dict[str, str | Rejection]] = {
    Op.ACTIVATE: {
        **{s: ALREADY_ACTIVE for s in STATUSES},
        "STAGED": ACTIVATED,
        "DEPROVISIONED": ACTIVATED,
    },
    Op.DEACTIVATE: {**_ANY_BUT_GONE, "DEPROVISIONED": GONE},
    Op.SUSPEND: {**{s: NOT_ACTIVE for s in STATUSES}, "ACTIVE": "SUSPENDED"},
    Op.UNSUSPEND: {**{s: NOT_SUSPENDED for s in STATUSES}, "SUSPENDED": "ACTIVE"},
    Op.REACTIVATE: {
        **{s: WRONG_STATUS for s in STATUSES},
        "PROVISIONED": "PROVISIONED",
        "RECOVERY": "PROVISIONED",
    },
    Op.COMPLETE_ACTIVATION: {
        **{s: WRONG_STATUS for s in STATUSES},
        "PROVISIONED": "ACTIVE",
        "RECOVERY": "ACTIVE",
    },
}


def rejection_error(
    rejection: Rejection, user_id: str, deprovisioned_status: int = 404
) -> OktaError:
    if rejection is ALREADY_ACTIVE:
        return already_active()
    if rejection is GONE:
        if deprovisioned_status == 403:
            return not_allowed_in_status()
        return not_found(user_id)
    if rejection is NOT_ACTIVE:
        return OktaError(400, "E0000001", "Cannot suspend a user that is not active")
    if rejection is NOT_SUSPENDED:
        return OktaError(400, "E0000001", "Cannot unsuspend a user that is not suspended")
    return not_allowed_in_status()


def next_status(
    status: str,
    op: Op,
    *,
    has_password: bool,
    user_id: str = "",
    deprovisioned_status: int = 404,
) -> str:
    """The status after `op`, or raise the OktaError Okta answers with."""
    outcome = TABLE[op].get(status, WRONG_STATUS)
    if isinstance(outcome, Rejection):
        raise rejection_error(outcome, user_id, deprovisioned_status)
    if outcome == ACTIVATED:
        return "ACTIVE" if has_password else "PROVISIONED"
    return outcome
