"""Who calls the API: each accepted credential belongs to an actor, as in Okta's System Log.

An SSWS API token acts as the admin who created it (a `User`); an OAuth access token of a
service app acts as that app (`PublicClientApp`, id and alternateId = the client id).
Admin identities are *not* users of the simulated org's store: they must not show up in user
lists or searches (a reconciliation would call them orphans), but `GET /api/v1/users/me`
answers the token's admin as a `User`.

Actor ids are derived from a fixed key (not from the token, not random), so they are the
same in every simulator run and a test or a client can rely on them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

DEFAULT_ORG_DOMAIN = "acme.example"
DEFAULT_CLIENT_ID = "0oa-sim-service-app"
DEFAULT_APP_NAME = "Lifecycle Service (OAuth)"

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def stable_id(prefix: str, key: str, length: int = 20) -> str:
    """`prefix` + base62 characters of sha256(key): an Okta-looking id that never changes."""
    number = int.from_bytes(hashlib.sha256(key.encode()).digest(), "big")
    chars = []
    for _ in range(length - len(prefix)):
        number, rest = divmod(number, 62)
        chars.append(_ALPHABET[rest])
    return prefix + "".join(chars)


@dataclass(frozen=True)
class Actor:
    id: str
    type: str  # "User" | "PublicClientApp"
    alternate_id: str
    display_name: str
    first_name: str = ""
    last_name: str = ""
    created: str = "2026-01-05T09:00:00.000Z"
    token_id: str | None = None  # the API token's id (`00T…`), for transaction.detail

    def log_json(self) -> dict[str, Any]:
        """The `actor` object of a LogEvent."""
        return {
            "id": self.id,
            "type": self.type,
            "alternateId": self.alternate_id,
            "displayName": self.display_name,
        }

    def describe(self) -> dict[str, Any]:
        return {**self.log_json(), **({"tokenId": self.token_id} if self.token_id else {})}

    def user_json(self) -> dict[str, Any]:
        """The admin as `GET /api/v1/users/me` shows it (no `_links` added here)."""
        return {
            "id": self.id,
            "status": "ACTIVE",
            "created": self.created,
            "activated": self.created,
            "statusChanged": self.created,
            "lastLogin": None,
            "lastUpdated": self.created,
            "passwordChanged": self.created,
            "type": {"id": stable_id("oty", "okta-sim-default-user-type")},
            "profile": {
                "login": self.alternate_id,
                "email": self.alternate_id,
                "firstName": self.first_name,
                "lastName": self.last_name,
            },
            "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
        }


def admin_actor(key: str, local_part: str, first: str, last: str, domain: str) -> Actor:
    """An admin (a `User` outside the store) whose API token the simulator accepts."""
    return Actor(
        id=stable_id("00u", f"okta-sim-admin:{key}"),
        type="User",
        alternate_id=f"{local_part}@{domain}",
        display_name=f"{first} {last}",
        first_name=first,
        last_name=last,
        token_id=stable_id("00T", f"okta-sim-token:{key}"),
    )


def service_actor(domain: str = DEFAULT_ORG_DOMAIN) -> Actor:
    """The admin the service's API token (`LIFECYCLE_SIM_OKTA_TOKEN`…) belongs to."""
    return admin_actor("lifecycle-service", "lifecycle-service", "Lifecycle", "Service", domain)


def it_admin_actor(domain: str = DEFAULT_ORG_DOMAIN) -> Actor:
    """The second admin (`LIFECYCLE_SIM_OKTA_ADMIN_TOKEN`): a person in IT using Okta."""
    return admin_actor("it-admin", "it.admin", "IT", "Admin", domain)


def limited_actor(token: str, domain: str = DEFAULT_ORG_DOMAIN) -> Actor:
    """An admin with a limited role (`--limited-token`); named after a digest of the token."""
    tag = hashlib.sha256(token.encode()).hexdigest()[:6]
    return admin_actor(f"limited-{tag}", f"limited.admin.{tag}", "Limited", "Admin", domain)


def app_actor(client_id: str = DEFAULT_CLIENT_ID, app_name: str = DEFAULT_APP_NAME) -> Actor:
    """An OAuth service app (client credentials): Okta logs the app as the actor."""
    return Actor(
        id=client_id, type="PublicClientApp", alternate_id=client_id, display_name=app_name
    )
