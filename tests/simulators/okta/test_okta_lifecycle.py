"""Every user status x every lifecycle operation, over HTTP: the resulting status or the
error Okta answers with. The expectations are written out here, independently of the
simulator's own table."""

from __future__ import annotations

import httpx
import pytest
from okta_contract import assert_okta_error
from okta_testdata import profile

from simulators.common.clock import SimClock
from simulators.okta import OktaBehaviour, OktaSimulator
from simulators.okta.lifecycle import STATUSES

OPS = ("activate", "deactivate", "suspend", "unsuspend", "reactivate")
ACTIVATED = "ACTIVATED"  # ACTIVE with a password, PROVISIONED without


def expected(status: str, op: str) -> str | tuple[int, str]:
    if op == "activate":
        return ACTIVATED if status in {"STAGED", "DEPROVISIONED"} else (403, "E0000016")
    if op == "deactivate":
        return "DEPROVISIONED" if status != "DEPROVISIONED" else (404, "E0000007")
    if op == "suspend":
        return "SUSPENDED" if status == "ACTIVE" else (400, "E0000001")
    if op == "unsuspend":
        return "ACTIVE" if status == "SUSPENDED" else (400, "E0000001")
    assert op == "reactivate"
    return "PROVISIONED" if status in {"PROVISIONED", "RECOVERY"} else (403, "E0000038")


@pytest.mark.parametrize("has_password", [True, False], ids=["password", "no-password"])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("status", STATUSES)
def test_transition(
    okta: httpx.Client,
    sim: OktaSimulator,
    clock: SimClock,
    status: str,
    op: str,
    has_password: bool,
) -> None:
    user = sim.store.create_user(profile(1), status, password=has_password)
    clock.advance(60)
    response = okta.post(f"/api/v1/users/{user['id']}/lifecycle/{op}")
    after = sim.store.get_user(user["id"])
    assert after is not None
    outcome = expected(status, op)
    if isinstance(outcome, tuple):
        assert response.status_code == outcome[0]
        assert_okta_error(response, outcome[1])
        assert after == user, "a refused operation changes nothing"
        return
    assert response.status_code == 200
    if outcome == ACTIVATED:
        outcome = "ACTIVE" if has_password else "PROVISIONED"
    assert after["status"] == outcome
    assert "transitioningToStatus" not in after
    assert after["statusChanged"] == after["lastUpdated"] == "2026-03-02T09:01:00.000Z"


def test_activation_without_password_sends_email_or_returns_token(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    first = sim.store.create_user(profile(1), "STAGED")
    second = sim.store.create_user(profile(2), "STAGED")
    assert okta.post(f"/api/v1/users/{first['id']}/lifecycle/activate").json() == {}
    outbox = anon.get("/_sim/outbox").json()
    assert [(m["userId"], m["kind"], m["to"]) for m in outbox] == [
        (first["id"], "activation", "user1@example.test")
    ]
    token = okta.post(
        f"/api/v1/users/{second['id']}/lifecycle/activate", params={"sendEmail": "false"}
    ).json()
    assert token["activationToken"] and token["activationUrl"].endswith(token["activationToken"])
    assert len(anon.get("/_sim/outbox").json()) == 1, "sendEmail=false sends nothing"


def test_user_completing_activation_becomes_active(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    created = okta.post("/api/v1/users", json={"profile": profile(1)}).json()
    assert created["status"] == "PROVISIONED"
    assert len(anon.get("/_sim/outbox").json()) == 1
    done = anon.post(f"/_sim/users/{created['id']}/complete-activation")
    assert done.status_code == 200 and done.json()["status"] == "ACTIVE"
    assert okta.get(f"/api/v1/users/{created['id']}").json()["credentials"]["password"] == {}
    again = anon.post(f"/_sim/users/{created['id']}/complete-activation")
    assert again.status_code == 409
    assert anon.post("/_sim/users/00umissing/complete-activation").status_code == 404


def test_rehire_reactivates_the_same_account(okta: httpx.Client, sim: OktaSimulator) -> None:
    user = sim.store.create_user(profile(1), "ACTIVE")
    group = sim.store.create_group("Sales")
    sim.store.add_member(group["id"], user["id"])
    assert okta.post(f"/api/v1/users/{user['id']}/lifecycle/deactivate").status_code == 200
    assert okta.post(f"/api/v1/users/{user['id']}/lifecycle/activate").status_code == 200
    again = okta.get(f"/api/v1/users/{user['id']}").json()
    assert again["status"] == "ACTIVE"
    assert len(sim.store.list_users()) == 1
    assert group["id"] in sim.store.user_group_ids(user["id"])


def test_suspend_keeps_group_memberships(okta: httpx.Client, sim: OktaSimulator) -> None:
    user = sim.store.create_user(profile(1))
    group = sim.store.create_group("Sales")
    sim.store.add_member(group["id"], user["id"])
    okta.post(f"/api/v1/users/{user['id']}/lifecycle/suspend")
    ids = [g["id"] for g in okta.get(f"/api/v1/users/{user['id']}/groups").json()]
    assert group["id"] in ids


def test_deactivating_a_deprovisioned_user_can_answer_403(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(profile(1), "DEPROVISIONED")
    assert anon.put("/_sim/behaviour", json={"deactivate_deprovisioned_status": 403}).is_success
    response = okta.post(f"/api/v1/users/{user['id']}/lifecycle/deactivate")
    assert response.status_code == 403
    assert_okta_error(response, "E0000038")


def test_session_revocations_are_counted_per_user(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(profile(1))
    for oauth in ("true", "false"):
        response = okta.delete(
            f"/api/v1/users/{user['id']}/sessions", params={"oauthTokens": oauth}
        )
        assert response.status_code == 204
    assert sim.store.revocations(user["id"])["count"] == 2
    assert anon.get("/_sim/revocations").json()[user["id"]]["oauthTokens"] == 1


def test_lifecycle_accepts_an_explicit_empty_body(okta: httpx.Client, sim: OktaSimulator) -> None:
    user = sim.store.create_user(profile(1))
    response = okta.post(
        f"/api/v1/users/{user['id']}/lifecycle/suspend",
        content=b"",
        headers={"Content-Length": "0", "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert sim.store.get_user(user["id"])["status"] == "SUSPENDED"  # type: ignore[index]


def test_deprovisioned_profile_update_is_refused_unless_the_org_allows_it(
    okta: httpx.Client, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(profile(1), "DEPROVISIONED")
    response = okta.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "X"}})
    assert response.status_code == 403
    assert_okta_error(response, "E0000038")
    sim.store.behaviour = OktaBehaviour(allow_deprovisioned_profile_update=True)
    response = okta.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "X"}})
    assert response.status_code == 200 and response.json()["profile"]["title"] == "X"
