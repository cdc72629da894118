"""Which pre-existing Okta account belongs to which HR employee.

Keys, strongest first (DESIGN "Domain rules"): the BambooHR id stored on the account
(`bambooHrId`), the employee number, then login / e-mail (case-insensitive). Only the first
two identify a person; an account tied to someone by login or e-mail alone, or tied to two
people, or several accounts tied to one person, goes to a human and is never linked
automatically.

Everything is indexed once (dicts keyed by id, number, login, e-mail), so matching 10,000
employees against 10,000 accounts is linear.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lifecycle.reconcile.models import (
    Finding,
    FindingKind,
    FindingMatch,
    MatchKey,
    OktaAccountView,
)

_STRENGTH: tuple[MatchKey, ...] = ("bambooHrId", "employeeNumber", "login", "email")


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def fold(value: Any) -> str:
    return text(value).casefold()


@dataclass(frozen=True)
class Person:
    """The HR side of matching: who the employee is, and the login the policy wants."""

    employee_id: str
    employee_number: str | None
    login: str | None
    work_email: str | None
    # The login claimed for them under identity.generate_login: their account may carry it
    # even when the policy now wants another (rename_login after HR typed a work email).
    claimed_login: str | None = None


@dataclass
class Match:
    """The outcome for one employee."""

    account: OktaAccountView | None = None
    matched_by: list[MatchKey] = field(default_factory=list)
    review: FindingKind | None = None  # why matching holds the employee back
    review_message: str | None = None


@dataclass
class MatchResult:
    matches: dict[str, Match]
    findings: list[Finding]
    owned: set[str]  # account ids tied to a person (linked, or in a finding about people)


def _ranked(keys: Iterable[MatchKey]) -> list[MatchKey]:
    return sorted(set(keys), key=_STRENGTH.index)


class _Indexes:
    def __init__(self, accounts: list[OktaAccountView], id_attribute: str) -> None:
        self.id_attribute = id_attribute
        self.by_hr_id: dict[str, list[OktaAccountView]] = defaultdict(list)
        self.by_number: dict[str, list[OktaAccountView]] = defaultdict(list)
        self.by_login: dict[str, list[OktaAccountView]] = defaultdict(list)
        self.by_email: dict[str, list[OktaAccountView]] = defaultdict(list)
        for account in accounts:
            stored = self.stored_id(account)
            if stored:
                self.by_hr_id[stored].append(account)
            else:
                # A number only counts on an account that names no (other) employee.
                number = text(account.profile.get("employeeNumber"))
                if number:
                    self.by_number[number].append(account)
            if account.login:
                self.by_login[fold(account.login)].append(account)
            if account.email:
                self.by_email[fold(account.email)].append(account)

    def stored_id(self, account: OktaAccountView) -> str:
        return text(account.profile.get(self.id_attribute))


def match_accounts(
    people: list[Person],
    accounts: list[OktaAccountView],
    id_attribute: str,
    known_ids: set[str],
) -> MatchResult:
    """Match every person to at most one account; `known_ids`: every employee id in HR,
    including records that could not be read (their accounts are not anybody's orphans)."""
    index = _Indexes(accounts, id_attribute)
    by_user = {a.user_id: a for a in accounts}
    # account id -> employee id -> keys, in first-seen order (deterministic output)
    claims: dict[str, dict[str, list[MatchKey]]] = defaultdict(dict)

    def claim(account: OktaAccountView, employee_id: str, key: MatchKey) -> None:
        keys = claims[account.user_id].setdefault(employee_id, [])
        if key not in keys:
            keys.append(key)

    for person in people:
        for account in index.by_hr_id.get(person.employee_id, ()):
            claim(account, person.employee_id, "bambooHrId")
        number = text(person.employee_number)
        if number:
            for account in index.by_number.get(number, ()):
                claim(account, person.employee_id, "employeeNumber")
        weak: list[tuple[MatchKey, dict[str, list[OktaAccountView]], set[str]]] = [
            (
                "login",
                index.by_login,
                {fold(person.login), fold(person.work_email), fold(person.claimed_login)},
            ),
            ("email", index.by_email, {fold(person.work_email)}),
        ]
        for key, table, values in weak:
            for value in values - {""}:
                for account in table.get(value, ()):
                    stored = index.stored_id(account)
                    if stored and stored != person.employee_id:
                        continue  # names another employee: never this one's
                    claim(account, person.employee_id, key)

    findings: list[Finding] = []
    by_id: dict[str, list[OktaAccountView]] = defaultdict(list)
    by_number: dict[str, list[OktaAccountView]] = defaultdict(list)
    weak_only: dict[str, list[OktaAccountView]] = defaultdict(list)
    blocked: set[str] = set()
    keys_of: dict[tuple[str, str], list[MatchKey]] = {}

    for user_id, claimants in claims.items():
        account = by_user[user_id]
        for employee_id, keys in claimants.items():
            keys_of[(employee_id, user_id)] = _ranked(keys)
        owner = next((e for e, keys in claimants.items() if "bambooHrId" in keys), None)
        if owner is not None:
            by_id[owner].append(account)
            continue
        if len(claimants) > 1:
            blocked.update(claimants)
            findings.append(
                Finding(
                    kind=FindingKind.AMBIGUOUS_MATCH,
                    message=f"Okta account {account.login or user_id} matches "
                    f"{len(claimants)} employees by different keys: "
                    + "; ".join(f"{e} by {', '.join(_ranked(k))}" for e, k in claimants.items())
                    + ". Nobody is linked until a person decides.",
                    okta_user_id=user_id,
                    login=account.login or None,
                    okta_status=account.status,
                    employee_ids=sorted(claimants, key=id_order),
                    matches=[
                        FindingMatch(employee_id=e, okta_user_id=user_id, matched_by=_ranked(k))
                        for e, k in sorted(claimants.items(), key=lambda kv: id_order(kv[0]))
                    ],
                )
            )
            continue
        ((employee_id, keys),) = claimants.items()
        (by_number if "employeeNumber" in keys else weak_only)[employee_id].append(account)

    matches: dict[str, Match] = {}
    for person in people:
        eid = person.employee_id
        strong = by_id.get(eid, [])
        numbered = by_number.get(eid, [])
        weak_accounts = weak_only.get(eid, [])

        def candidates(accounts: list[OktaAccountView], eid: str = eid) -> list[FindingMatch]:
            return [
                FindingMatch(
                    employee_id=eid, okta_user_id=a.user_id, matched_by=keys_of[(eid, a.user_id)]
                )
                for a in accounts
            ]

        def review(
            kind: FindingKind, message: str, accounts: list[OktaAccountView], eid: str = eid
        ) -> Match:
            single = accounts[0] if len(accounts) == 1 else None
            findings.append(
                Finding(
                    kind=kind,
                    message=message,
                    okta_user_id=single.user_id if single else None,
                    login=(single.login or None) if single else None,
                    okta_status=single.status if single else None,
                    employee_ids=[eid],
                    matches=candidates(accounts),
                )
            )
            return Match(review=kind, review_message=message)

        if len(strong) > 1:
            matches[eid] = review(
                FindingKind.AMBIGUOUS_MATCH,
                f"{len(strong)} Okta accounts carry {id_attribute} {eid}: "
                + ", ".join(a.login or a.user_id for a in strong),
                strong,
            )
        elif strong:
            account = strong[0]
            matches[eid] = Match(account=account, matched_by=keys_of[(eid, account.user_id)])
            for other in numbered + weak_accounts:
                findings.append(
                    Finding(
                        kind=FindingKind.POSSIBLE_DUPLICATE,
                        message=f"employee {eid} is linked to {account.login or account.user_id}"
                        f"; {other.login or other.user_id} also resembles them "
                        f"({', '.join(keys_of[(eid, other.user_id)])})",
                        okta_user_id=other.user_id,
                        login=other.login or None,
                        okta_status=other.status,
                        employee_ids=[eid],
                        matches=candidates([other]),
                    )
                )
        elif eid in blocked:
            matches[eid] = Match(
                review=FindingKind.AMBIGUOUS_MATCH,
                review_message="an Okta account matching this employee also matches another "
                "employee",
            )
        elif len(numbered) > 1:
            matches[eid] = review(
                FindingKind.AMBIGUOUS_MATCH,
                f"{len(numbered)} Okta accounts carry employee number "
                f"{person.employee_number}: " + ", ".join(a.login or a.user_id for a in numbered),
                numbered,
            )
        elif numbered:
            account = numbered[0]
            if weak_accounts:
                matches[eid] = review(
                    FindingKind.AMBIGUOUS_MATCH,
                    f"employee number {person.employee_number} points at "
                    f"{account.login or account.user_id}, but login/e-mail point at "
                    + ", ".join(a.login or a.user_id for a in weak_accounts),
                    numbered + weak_accounts,
                )
            else:
                matches[eid] = Match(account=account, matched_by=keys_of[(eid, account.user_id)])
        elif len(weak_accounts) == 1:
            account = weak_accounts[0]
            keys = keys_of[(eid, account.user_id)]
            matches[eid] = review(
                FindingKind.EMAIL_ONLY_MATCH,
                f"Okta account {account.login or account.user_id} matches employee {eid} only "
                f"by {' and '.join(keys)} (no {id_attribute}, no employee number): a person "
                "must confirm it is theirs",
                weak_accounts,
            )
        elif weak_accounts:
            matches[eid] = review(
                FindingKind.AMBIGUOUS_MATCH,
                f"{len(weak_accounts)} Okta accounts match employee {eid} by login/e-mail: "
                + ", ".join(a.login or a.user_id for a in weak_accounts),
                weak_accounts,
            )
        else:
            matches[eid] = Match()

    owned = set(claims)
    for stored, accounts_with_id in index.by_hr_id.items():
        if stored in known_ids:
            owned.update(a.user_id for a in accounts_with_id)
    return MatchResult(matches=matches, findings=findings, owned=owned)


def id_order(employee_id: str) -> tuple[int, int, str]:
    return (0, int(employee_id), "") if employee_id.isdigit() else (1, 0, employee_id)
