"""The tamper rule: which hand-made Okta changes concern us, and what the policy does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lifecycle.policy import PolicyError, parse_policy
from lifecycle.tamper import (
    OktaActor,
    OktaChangeKind,
    OktaEvent,
    TamperMode,
    TamperRule,
    concerns_us,
)

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
ADMIN = OktaActor(id="00uadmin", alternate_id="ivy@acme.example", display_name="Ivy Admin")


def change(event_type: str, **fields: object) -> OktaEvent:
    return OktaEvent(
        uuid="e1", event_type=event_type, published=AT, actor=ADMIN, user_id="00u1", **fields
    )  # type: ignore[arg-type]


def test_the_default_reverts_a_leavers_access_and_only_alerts_the_rest() -> None:
    rule = TamperRule()
    assert rule.mode_for(OktaChangeKind.STATUS, departed=True) is TamperMode.REVERT
    assert rule.mode_for(OktaChangeKind.GROUP, departed=True) is TamperMode.REVERT
    # A leaver's profile is not access; an active employee's change may be security's own.
    assert rule.mode_for(OktaChangeKind.PROFILE, departed=True) is TamperMode.ALERT
    assert rule.mode_for(OktaChangeKind.STATUS, departed=False) is TamperMode.ALERT
    assert rule.mode_for(OktaChangeKind.GROUP, departed=False) is TamperMode.ALERT


def test_the_policy_sets_both_at_once_or_each() -> None:
    assert parse_policy("version: 1\ntamper: revert\n", "p.yaml").tamper.rule() == TamperRule(
        departed=TamperMode.REVERT, others=TamperMode.REVERT
    )
    both = parse_policy("version: 1\ntamper: {departed: alert, others: ignore}\n", "p.yaml")
    assert both.tamper.rule() == TamperRule(departed=TamperMode.ALERT, others=TamperMode.IGNORE)
    with pytest.raises(PolicyError, match=r"p\.yaml:3: tamper\.others"):
        parse_policy("version: 1\ntamper:\n  others: undo\n", "p.yaml")


def test_only_managed_groups_and_mapped_attributes_concern_us() -> None:
    managed, mapped = ["GitHub Users", "VPN Users"], ["title", "department"]
    assert concerns_us(
        change("group.user_membership.add", group_name="github users"), managed, mapped
    )
    assert not concerns_us(
        change("group.user_membership.add", group_name="Okta Administrators"), managed, mapped
    )
    assert concerns_us(
        change("user.account.update_profile", attributes=["title", "nickName"]), managed, mapped
    )
    assert not concerns_us(
        change("user.account.update_profile", attributes=["nickName"]), managed, mapped
    )
    # Okta did not say what changed: look, rather than miss a mapped attribute.
    assert concerns_us(change("user.account.update_profile"), managed, mapped)
    assert concerns_us(change("user.lifecycle.reactivate"), managed, mapped)


def test_each_change_reads_as_who_did_what() -> None:
    assert ADMIN.describe() == "Ivy Admin (ivy@acme.example)"
    assert change("user.lifecycle.unsuspend").describe() == "unsuspended the account"
    assert (
        change("group.user_membership.remove", group_name="VPN Users").describe()
        == "removed the account from group VPN Users"
    )
    assert (
        change("user.account.update_profile", attributes=["title"]).describe()
        == "changed the profile (title)"
    )
