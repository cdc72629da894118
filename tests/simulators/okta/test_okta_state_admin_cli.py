"""Persistence across restarts, the `/_sim` admin API, and the `lifecycle sim okta` CLI."""

from __future__ import annotations

import argparse
import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from okta_testdata import profile

from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_OKTA_TOKEN
from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator, OktaStore
from simulators.okta import cli as okta_cli
from starters.sim import sim_config

AUTH = {"Authorization": f"SSWS {SIM_OKTA_TOKEN}"}

# --- persistence --------------------------------------------------------------------------


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "okta.json"
    first = OktaSimulator(state_file=state_file)
    with ThreadedServer(first.app, name="okta-1") as server:
        client = httpx.Client(base_url=server.url, headers=AUTH)
        client.post(
            "/api/v1/meta/schemas/user/default",
            json={
                "definitions": {
                    "custom": {
                        "properties": {"bambooHrId": {"title": "BambooHR id", "type": "string"}}
                    }
                }
            },
        )
        group = client.post("/api/v1/groups", json={"profile": {"name": "Sales"}}).json()
        user = client.post(
            "/api/v1/users", json={"profile": profile(1, bambooHrId="9"), "groupIds": [group["id"]]}
        ).json()
        client.post(f"/api/v1/users/{user['id']}/lifecycle/deactivate")
        client.close()
    assert state_file.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["okta.json"], "no temporary files left"

    second = OktaSimulator(state_file=state_file)
    assert second.store.snapshot()["users"] == first.store.snapshot()["users"]
    with ThreadedServer(second.app, name="okta-2") as server:
        client = httpx.Client(base_url=server.url, headers=AUTH)
        again = client.get(f"/api/v1/users/{user['id']}").json()
        assert again["status"] == "DEPROVISIONED"
        assert again["profile"]["bambooHrId"] == "9"
        groups = client.get(f"/api/v1/users/{user['id']}/groups").json()
        assert {g["profile"]["name"] for g in groups} == {"Everyone", "Sales"}
        assert len(client.get("/_sim/outbox").json()) == 1
        newer = client.post("/api/v1/users", json={"profile": profile(2)}).json()
        assert newer["id"] > user["id"], "ids keep growing after a restart (paging order)"
        client.close()


def test_save_is_atomic_and_only_when_changed(tmp_path: Path) -> None:
    sim = OktaSimulator(state_file=tmp_path / "state.json")
    assert sim.persistence is not None
    assert sim.persistence.save() is True
    assert sim.persistence.save() is False
    sim.store.create_user(profile(1))
    assert sim.persistence.save() is True
    saved = json.loads((tmp_path / "state.json").read_text())
    assert [u["profile"]["login"] for u in saved["users"]] == ["user1@example.test"]


def test_snapshot_and_load_round_trip() -> None:
    store = OktaStore(SimClock())
    store.add_schema_attribute("bambooHrId", title="BambooHR id")
    group = store.create_group("Sales", "Sellers")
    user = store.create_user(profile(1, bambooHrId="1"), created=datetime(2024, 1, 1, tzinfo=UTC))
    store.add_member(group["id"], user["id"])
    store.revoke_sessions(user["id"], oauth_tokens=True)
    other = OktaStore(SimClock())
    other.load(json.loads(json.dumps(store.snapshot())))
    assert other.snapshot() == store.snapshot()
    assert other.get_user("USER1@example.test")["created"] == "2024-01-01T00:00:00.000Z"  # type: ignore[index]
    assert other.user_group_ids(user["id"]) == [other.everyone_group_id, group["id"]]


# --- admin --------------------------------------------------------------------------------


def test_reset_empties_the_org_but_keeps_configuration(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    sim.store.create_user(profile(1))
    anon.put("/_sim/rate-limits", json={"users": 50})
    okta.get("/api/v1/users")
    assert anon.post("/_sim/reset").json() == {"reset": True}
    state = anon.get("/_sim/state").json()
    assert state["users"] == []
    assert [g["profile"]["name"] for g in state["groups"]] == ["Everyone"]
    assert anon.get("/_sim/stats").json()["api_requests"] == 0
    assert anon.get("/_sim/requests").json() == []
    assert anon.get("/_sim/rate-limits").json()["users"] == 50


def test_clock_admin(anon: httpx.Client, clock: SimClock) -> None:
    start = clock.time()
    assert anon.put("/_sim/clock", json={"advance_seconds": 90}).json()["epoch"] == start + 90
    moved = anon.put("/_sim/clock", json={"now": "2030-01-01T00:00:00Z", "freeze": True}).json()
    assert moved["now"].startswith("2030-01-01T00:00:00") and moved["frozen"] is True
    assert anon.put("/_sim/clock", json={"now": "soon"}).status_code == 400
    assert anon.get("/_sim/clock").json()["frozen"] is True


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_sim/search-lag", {"seconds": "x"}),
        ("/_sim/search-lag", {}),
        ("/_sim/behaviour", {"deactivate_deprovisioned_status": 500}),
        ("/_sim/concurrency", {"max": 0}),
    ],
)
def test_admin_refuses_invalid_settings(anon: httpx.Client, path: str, body: Any) -> None:
    assert anon.put(path, json=body).status_code == 400


def test_health(anon: httpx.Client, sim: OktaSimulator) -> None:
    sim.store.create_user(profile(1))
    assert anon.get("/health").json() == {"status": "ok", "service": "okta-simulator", "users": 1}


# --- CLI ----------------------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    """As `lifecycle sim okta` parses it: with the product's settings as the config source."""
    parser = argparse.ArgumentParser()
    okta_cli.register(parser.add_subparsers(dest="sim_command"), config=sim_config)
    return parser.parse_args(["okta", *argv])


def test_cli_arguments() -> None:
    args = parse(
        "--port",
        "9001",
        "--search-lag",
        "2",
        "--burst-every",
        "10",
        "--burst-length",
        "2",
        "--rate-limit",
        "users=5",
        "--rate-limit",
        "group=7",
    )
    assert args.port == 9001 and args.search_lag == 2.0 and args.handler is okta_cli.run
    assert okta_cli.parse_rate_limits(args.rate_limit) == {"users": 5, "group": 7}
    for bad in (["users"], ["nope=3"], ["users=0"], ["users=x"]):
        with pytest.raises(ValueError):
            okta_cli.parse_rate_limits(bad)


def test_cli_serves_with_the_configured_token_and_never_prints_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("OKTA_API_TOKEN", "configured-secret-123")
    monkeypatch.delenv("OKTA_ORG_URL", raising=False)
    seen: dict[str, Any] = {}

    def fake_serve(app: Any, host: str, port: int, name: str) -> None:
        with (
            ThreadedServer(app, name="okta-cli") as server,
            httpx.Client(base_url=server.url) as client,
        ):
            for token in ("configured-secret-123", SIM_OKTA_TOKEN):
                response = client.get("/api/v1/users", headers={"Authorization": f"SSWS {token}"})
                seen[token] = response.status_code
            seen["users"] = client.get("/health").json()["users"]

    monkeypatch.setattr("integrations.serving.serve_foreground", fake_serve)
    state = tmp_path / "org.json"
    assert okta_cli.run(parse("--port", "0", "--state-file", str(state), "--no-seed")) == 0
    assert seen == {"configured-secret-123": 200, SIM_OKTA_TOKEN: 401, "users": 0}
    printed = capsys.readouterr()
    assert "configured-secret-123" not in printed.out + printed.err
    assert "Okta simulator on http://127.0.0.1" in printed.out


def test_cli_reports_a_busy_port(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OKTA_ORG_URL", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert okta_cli.run(parse("--port", str(port))) == 2
    assert "already in use" in capsys.readouterr().err


def test_cli_refuses_bad_fault_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert okta_cli.run(parse("--error-rate", "3")) == 2
    assert okta_cli.run(parse("--rate-limit", "users=none")) == 2
