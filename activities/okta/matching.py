"""Which Okta accounts belong to an employee, and how strongly each one matches.

Keys, strongest first: the BambooHR id stored on the account, the employee number, the
login, the e-mail (logins and e-mails case-insensitively). Only the first two identify an
employee; a login or e-mail match alone is never proof (e-mail addresses get reused).
"""

from __future__ import annotations

from typing import Any

from contracts.activities import MatchKey, OktaAccount, OktaCandidate
from integrations.okta.models import OktaUser

STRENGTH: tuple[MatchKey, ...] = ("bambooHrId", "employeeNumber", "login", "email")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def is_ours(
    user: OktaUser, *, attribute: str, employee_id: str, employee_number: str | None
) -> bool:
    """The account carries this employee's BambooHR id, or carries none and this employee's
    number. Anything else (another employee's id, or only the login/e-mail) is not ours."""
    stored = _text(user.profile.get(attribute))
    if stored:
        return stored == employee_id
    number = _text(user.profile.get("employeeNumber"))
    return bool(employee_number) and number == _text(employee_number)


def account(user: OktaUser, attribute: str) -> OktaAccount:
    stored = _text(user.profile.get(attribute))
    return OktaAccount(
        user_id=user.id,
        login=user.login,
        status=user.status,
        profile=dict(user.profile),
        bamboo_hr_id=stored or None,
    )


class Candidates:
    """Accounts found by several keys, merged by user id, strongest match first."""

    def __init__(self, attribute: str) -> None:
        self._attribute = attribute
        self._users: dict[str, OktaUser] = {}
        self._keys: dict[str, list[MatchKey]] = {}

    def add(self, key: MatchKey, users: list[OktaUser]) -> None:
        for user in users:
            self._users.setdefault(user.id, user)
            keys = self._keys.setdefault(user.id, [])
            if key not in keys:
                keys.append(key)

    def ranked(self) -> list[OktaCandidate]:
        def rank(user_id: str) -> tuple[int, int, str]:
            keys = self._keys[user_id]
            return (min(STRENGTH.index(k) for k in keys), -len(keys), user_id)

        return [
            OktaCandidate(
                account=account(self._users[user_id], self._attribute),
                matched_by=sorted(self._keys[user_id], key=STRENGTH.index),
            )
            for user_id in sorted(self._users, key=rank)
        ]
