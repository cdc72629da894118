"""Models shared by every layer: HR snapshots in, desired Okta state and dated actions out."""

from lifecycle.models.hr import EmploymentStatusRow, HrSnapshot, JobInfoRow, ManagerRef
from lifecycle.models.plan import (
    AccountStatus,
    ActionKind,
    DatedAction,
    DesiredAccount,
    LifecyclePlan,
    ReviewCode,
    ReviewReason,
)

__all__ = [
    "AccountStatus",
    "ActionKind",
    "DatedAction",
    "DesiredAccount",
    "EmploymentStatusRow",
    "HrSnapshot",
    "JobInfoRow",
    "LifecyclePlan",
    "ManagerRef",
    "ReviewCode",
    "ReviewReason",
]
