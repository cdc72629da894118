"""Changes made in Okta by someone other than this service: what they are and what to do.

Okta tells us about a change within seconds (an event hook) or within a minute (the System
Log, read by a schedule). Both sources yield the same `OktaEvent`; everything after that is
one path: the events of one account go to that employee's workflow (`okta_changed`), which
judges them against its plan with the policy's `TamperRule` and either puts the account back
to what HR says (`revert`), only tells security (`alert`), or only records them (`ignore`).

Why the employee workflow judges, not the receiver: only it knows whether the person is
terminated or on leave right now (a reactivated account of a leaver is a breach; an admin
suspending an active account may be security's own emergency action), and it is the single
writer of the account, so a revert never races another write.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class OktaChangeKind(StrEnum):
    STATUS = "status"
    GROUP = "group"
    PROFILE = "profile"


class TamperMode(StrEnum):
    REVERT = "revert"  # converge the account back to what HR says, and alert
    ALERT = "alert"  # tell security who changed what; leave the account as it is
    IGNORE = "ignore"  # record it in the lifecycle's history only


# The Okta event types that can change what this service manages, and what each changes.
EVENT_KINDS: dict[str, OktaChangeKind] = {
    "user.lifecycle.activate": OktaChangeKind.STATUS,
    "user.lifecycle.reactivate": OktaChangeKind.STATUS,
    "user.lifecycle.unsuspend": OktaChangeKind.STATUS,
    "user.lifecycle.suspend": OktaChangeKind.STATUS,
    "user.lifecycle.deactivate": OktaChangeKind.STATUS,
    "group.user_membership.add": OktaChangeKind.GROUP,
    "group.user_membership.remove": OktaChangeKind.GROUP,
    "user.account.update_profile": OktaChangeKind.PROFILE,
}
WATCHED_EVENT_TYPES: tuple[str, ...] = tuple(sorted(EVENT_KINDS))

_VERBS = {
    "user.lifecycle.activate": "activated the account",
    "user.lifecycle.reactivate": "reactivated the account",
    "user.lifecycle.unsuspend": "unsuspended the account",
    "user.lifecycle.suspend": "suspended the account",
    "user.lifecycle.deactivate": "deactivated the account",
}


class OktaActor(BaseModel):
    """Who made the change, as Okta names them (an admin user, or an API service app)."""

    id: str
    type: str = "User"
    alternate_id: str | None = None  # an admin's login, a service app's client id
    display_name: str | None = None

    def describe(self) -> str:
        name = self.display_name or self.alternate_id or self.id
        if self.alternate_id and self.alternate_id != name:
            return f"{name} ({self.alternate_id})"
        return name


class OktaEvent(BaseModel):
    """One watched change to one Okta user, from an event hook or the System Log."""

    uuid: str  # Okta's event id: the same from both sources, so each is judged once
    event_type: str
    published: datetime
    actor: OktaActor
    user_id: str
    group_name: str | None = None  # membership events
    # Profile updates: the attributes Okta says changed (empty: it did not say).
    attributes: list[str] = Field(default_factory=list)
    # The API token the change came through (`transaction.detail.requestApiTokenId`); None
    # for a change made in the Admin Console (a browser session).
    api_token_id: str | None = None

    @property
    def kind(self) -> OktaChangeKind:
        return EVENT_KINDS[self.event_type]

    def describe(self) -> str:
        """What happened, without the actor: "reactivated the account"."""
        if self.event_type == "group.user_membership.add":
            return f"added the account to group {self.group_name}"
        if self.event_type == "group.user_membership.remove":
            return f"removed the account from group {self.group_name}"
        if self.kind is OktaChangeKind.PROFILE:
            changed = ", ".join(self.attributes) if self.attributes else "attributes"
            return f"changed the profile ({changed})"
        return _VERBS.get(self.event_type, self.event_type)


# Attributes through which an account is taken over (sign-in name, where resets are sent):
# on a leaver's account they are access, not profile data, whatever the policy maps.
TAKEOVER_ATTRIBUTES = frozenset({"login", "email", "secondEmail", "mobilePhone"})


def made_by_us(event: OktaEvent, own_actor_ids: Collection[str]) -> bool:
    """Whether this service made the change. The API token's user is "us" only for changes
    that came through an API token: the same admin working in the Admin Console (no token
    id on the event) is a person, and is judged like anyone else."""
    if event.actor.id not in own_actor_ids and event.actor.alternate_id not in own_actor_ids:
        return False
    return event.actor.type != "User" or event.api_token_id is not None


def concerns_us(
    event: OktaEvent, managed_groups: Collection[str], mapped_attributes: Collection[str]
) -> bool:
    """Whether the change touches something the policy manages.

    Unmanaged groups and unmapped attributes are the org's own business: never reverted or
    alerted. A profile event that does not say which attributes changed is looked at.
    """
    if event.kind is OktaChangeKind.GROUP:
        wanted = {name.casefold() for name in managed_groups}
        return (event.group_name or "").casefold() in wanted
    if event.kind is OktaChangeKind.PROFILE:
        watched = set(mapped_attributes) | TAKEOVER_ATTRIBUTES
        return not event.attributes or bool(set(event.attributes) & watched)
    return True


class TamperRule(BaseModel):
    """The policy's `tamper:` section, carried in every plan.

    `departed` covers the status, managed groups and takeover attributes (login, email,
    recovery addresses) of an employee whose plan says terminated or on leave now (their
    account must stay shut); `others` covers every other watched change.
    """

    departed: TamperMode = TamperMode.REVERT
    others: TamperMode = TamperMode.ALERT

    def mode_for(self, event: OktaEvent, departed: bool) -> TamperMode:
        if departed and (
            event.kind in (OktaChangeKind.STATUS, OktaChangeKind.GROUP)
            or bool(set(event.attributes) & TAKEOVER_ATTRIBUTES)
        ):
            return self.departed
        return self.others
