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
    made_by_us,
)

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
ADMIN = OktaActor(id="00uadmin", alternate_id="ivy@acme.example", display_name="Ivy Admin")


def change(event_type: str, **fields: object) -> OktaEvent:
    return OktaEvent(
        uuid="e1", event_type=event_type, published=AT, actor=ADMIN, user_id="00u1", **fields
    )  # type: ignore[arg-type]


def test_the_default_reverts_a_leavers_access_and_only_alerts_the_rest() -> None:
    rule = TamperRule()
    status = change("user.lifecycle.activate")
    group = change("group.user_membership.add", group_name="GitHub Users")
    title = change("user.account.update_profile", attributes=["title"])
    takeover = change("user.account.update_profile", attributes=["title", "email"])
    assert status.kind is OktaChangeKind.STATUS
    assert rule.mode_for(status, departed=True) is TamperMode.REVERT
    assert rule.mode_for(group, departed=True) is TamperMode.REVERT
    # Pointing a leaver's email or login elsewhere is taking the account over: access.
    assert rule.mode_for(takeover, departed=True) is TamperMode.REVERT
    # A leaver's title is not access; an active employee's change may be security's own.
    assert rule.mode_for(title, departed=True) is TamperMode.ALERT
    assert rule.mode_for(status, departed=False) is TamperMode.ALERT
    assert rule.mode_for(group, departed=False) is TamperMode.ALERT
    assert rule.mode_for(takeover, departed=False) is TamperMode.ALERT


def test_only_changes_through_our_token_are_ours() -> None:
    own = {"00uservice", "0oaserviceapp"}
    by_token = OktaEvent(
        uuid="e2",
        event_type="user.lifecycle.deactivate",
        published=AT,
        actor=OktaActor(id="00uservice"),
        user_id="00u1",
        api_token_id="00Ttoken",
    )
    assert made_by_us(by_token, own)
    # The token's admin, signed in to the Admin Console (no token on the event): a person.
    in_console = by_token.model_copy(update={"api_token_id": None})
    assert not made_by_us(in_console, own)
    service_app = by_token.model_copy(
        update={
            "actor": OktaActor(id="0oaserviceapp", type="PublicClientApp"),
            "api_token_id": None,
        }
    )
    assert made_by_us(service_app, own)
    assert not made_by_us(change("user.lifecycle.deactivate"), own)


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
    # Takeover attributes always count, mapped or not.
    assert concerns_us(
        change("user.account.update_profile", attributes=["secondEmail"]), managed, mapped
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
