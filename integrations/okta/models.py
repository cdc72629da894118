"""The Okta objects the client hands out: users and groups as Okta sends them.

Only the fields the service reasons about are typed; everything else Okta sends is kept
(`extra="allow"`) so nothing is lost when a caller needs it, and `_links` is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Okta user statuses and their transitions: lifecycle/okta_status.py.
OKTA_GROUP = "OKTA_GROUP"  # the only type whose memberships an admin API may change


class _OktaObject(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Any:
        return cls.model_validate({k: v for k, v in data.items() if k != "_links"})


class OktaUser(_OktaObject):
    id: str
    status: str
    profile: dict[str, Any] = Field(default_factory=dict)
    created: str | None = None
    activated: str | None = None
    status_changed: str | None = Field(default=None, alias="statusChanged")
    last_updated: str | None = Field(default=None, alias="lastUpdated")
    transitioning_to_status: str | None = Field(default=None, alias="transitioningToStatus")

    @property
    def login(self) -> str:
        return str(self.profile.get("login") or "")

    @property
    def email(self) -> str | None:
        value = self.profile.get("email")
        return str(value) if value else None

    @property
    def effective_status(self) -> str:
        """The status the user is heading to when Okta is still completing a transition."""
        return self.transitioning_to_status or self.status


class OktaGroup(_OktaObject):
    id: str
    type: str = OKTA_GROUP
    profile: dict[str, Any] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.profile.get("name") or "")

    @property
    def writable(self) -> bool:
        """Memberships of BUILT_IN (Everyone) and APP_GROUP (imported) groups are not ours."""
        return self.type == OKTA_GROUP


class ActivationToken(_OktaObject):
    """What `activate(send_email=False)` answers. Sensitive: never log or return it."""

    activation_url: str | None = Field(default=None, alias="activationUrl", repr=False)
    activation_token: str | None = Field(default=None, alias="activationToken", repr=False)


class SchemaAttribute(BaseModel):
    """A custom user-profile attribute to add to the default user type's schema."""

    name: str
    title: str
    type: str = "string"
    description: str | None = None

    def definition(self) -> dict[str, Any]:
        body: dict[str, Any] = {"title": self.title, "type": self.type}
        if self.description:
            body["description"] = self.description
        return body


def schema_gaps(schema: dict[str, Any], wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    """(custom attributes `wanted` that the `UserSchema` lacks, those already there); base
    attributes (firstName, email...) always exist and are in neither list."""
    definitions = schema.get("definitions") or {}
    base = set((definitions.get("base") or {}).get("properties") or {})
    custom = set(custom_properties(schema))
    needed = sorted(set(wanted) - base)
    return [a for a in needed if a not in custom], [a for a in needed if a in custom]


def custom_properties(schema: dict[str, Any]) -> dict[str, Any]:
    """The custom attributes of a `UserSchema` document ({} when there are none)."""
    definitions = schema.get("definitions") or {}
    custom = definitions.get("custom") or {}
    properties = custom.get("properties") or {}
    return properties if isinstance(properties, dict) else {}
