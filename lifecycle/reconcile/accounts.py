"""Accounts of nobody in HR: service accounts, protected accounts, orphans.

An account that no HR record claims is never acted on (termination comes only from HR
status, never from absence); it is sorted for the people who review the report. Accounts
the policy protects and accounts that look like services are listed apart, so the orphan
list holds only what really needs a decision.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from lifecycle.okta_status import DEPROVISIONED
from lifecycle.policy import PolicyConfig
from lifecycle.reconcile.matching import fold
from lifecycle.reconcile.models import (
    Finding,
    FindingKind,
    OktaAccountView,
    ReconcileOptions,
)


def is_protected(account: OktaAccountView, policy: PolicyConfig) -> bool:
    """Covered by the policy's protected logins or groups (never suspended/deactivated)."""
    logins = {fold(login) for login in policy.protected.logins}
    if fold(account.login) in logins or (account.email and fold(account.email) in logins):
        return True
    groups = {fold(group) for group in policy.protected.groups}
    return any(fold(group) in groups for group in account.groups)


def service_reason(account: OktaAccountView, options: ReconcileOptions) -> str | None:
    user_type = fold(account.profile.get("userType"))
    if user_type and user_type in {fold(t) for t in options.user_types}:
        return f"userType {account.profile.get('userType')}"
    login = fold(account.login)
    if login and login in {fold(x) for x in options.logins}:
        return "listed service login"
    for pattern in options.login_patterns:
        if login and fnmatchcase(login, fold(pattern)):
            return f"login matches {pattern}"
    member = {fold(g) for g in account.groups}
    for group in options.groups:
        if fold(group) in member:
            return f"member of {group}"
    return None


def unclaimed_findings(
    accounts: list[OktaAccountView],
    owned: set[str],
    policy: PolicyConfig,
    options: ReconcileOptions,
    known_ids: set[str],
) -> list[Finding]:
    findings: list[Finding] = []
    attribute = policy.identity.okta_id_attribute
    for account in accounts:
        if account.user_id in owned or account.status == DEPROVISIONED:
            continue
        name = account.login or account.user_id
        reason = service_reason(account, options)
        if reason is not None:
            kind, message = FindingKind.SERVICE_ACCOUNT, f"{name}: no HR record; service ({reason})"
        elif is_protected(account, policy):
            kind, message = (
                FindingKind.PROTECTED_ACCOUNT,
                f"{name}: no HR record; protected by the policy, left alone",
            )
        else:
            stored = str(account.profile.get(attribute) or "").strip()
            why = (
                f"carries {attribute} {stored}, which BambooHR does not know"
                if stored and stored not in known_ids
                else "no BambooHR record matches it"
            )
            kind = FindingKind.ORPHANED_ACCOUNT
            message = f"{name} is {account.status} but {why}; nothing is done automatically"
        findings.append(
            Finding(
                kind=kind,
                message=message,
                okta_user_id=account.user_id,
                login=account.login or None,
                okta_status=account.status,
            )
        )
    return findings
