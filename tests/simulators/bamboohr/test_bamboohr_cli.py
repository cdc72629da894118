"""`hr` verbs against a running simulator, and the `bamboohr` serve command's set-up.

Run as `lifecycle sim ...`, the CLI takes the API key from the product's settings (here a
non-default BAMBOOHR_API_KEY); it must reach the simulator with it and never print it.
"""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bamboohr_testdata import Company, seed_company

from integrations.serving import ThreadedServer
from simulators.bamboohr import BambooHRSimulator, BambooHRStore, cli
from simulators.common.clock import SimClock
from starters.cli import main as lifecycle_main
from starters.sim import sim_config

SECRET = "cli-test-key-7f3a9c"


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BAMBOOHR_BASE_URL", "BAMBOOHR_SUBDOMAIN", "BAMBOOHR_WEBHOOK_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BAMBOOHR_API_KEY", SECRET)


@pytest.fixture
def keyed(clock: SimClock, settings_env: None) -> Iterator[tuple[BambooHRSimulator, str]]:
    sim = BambooHRSimulator(api_key=SECRET, clock=clock)
    with ThreadedServer(sim.app) as server:
        yield sim, server.url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = lifecycle_main(["sim", *argv])
    out, err = capsys.readouterr()
    assert SECRET not in out and SECRET not in err
    return code, out, err


def current(sim: BambooHRSimulator, eid: str, *names: str) -> dict:
    return sim.store.get(eid, names)


def test_hr_verbs_drive_a_running_simulator(
    keyed: tuple[BambooHRSimulator, str], clock: SimClock, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = keyed
    company = seed_company(sim.store)
    code, out, _ = run(
        capsys,
        "hr",
        "hire",
        "--url",
        url,
        "--first",
        "Annie",
        "--last",
        "Easley",
        "--email",
        "annie.easley@acme.test",
        "--department",
        "Engineering",
        "--supervisor-id",
        company.manager,
        "--hire-date",
        "2025-03-10",
        "--field",
        "customJobLevel=IC2",
    )
    assert code == 0
    eid = json.loads(out)["id"]
    assert current(sim, eid, "status", "supervisorEId", "customJobLevel") == {
        "id": eid,
        "status": "Inactive",
        "supervisorEId": company.manager,
        "customJobLevel": "IC2",
    }

    assert (
        run(
            capsys,
            "hr",
            "change-job",
            eid,
            "--url",
            url,
            "--date",
            "2025-03-10",
            "--job-title",
            "Engineer",
        )[0]
        == 0
    )
    assert sim.store.get(eid, ["jobTitle", "department"], only_current=False) == {
        "id": eid,
        "jobTitle": "Engineer",
        "department": "Engineering",
    }

    clock.advance(7 * 86400)  # 2025-03-10: started
    assert (
        run(capsys, "hr", "start-leave", eid, "--url", url, "--return-date", "2025-04-01")[0] == 0
    )
    assert current(sim, eid, "employmentHistoryStatus")["employmentHistoryStatus"] == (
        "Leave of Absence"
    )
    assert run(capsys, "hr", "end-leave", eid, "--url", url)[0] == 0
    assert current(sim, eid, "employmentHistoryStatus")["employmentHistoryStatus"] == "Full-Time"

    assert run(capsys, "hr", "terminate", eid, "--url", url, "--type", "Involuntary")[0] == 0
    assert current(sim, eid, "status", "terminationDate") == {
        "id": eid,
        "status": "Inactive",
        "terminationDate": "2025-03-10",
    }
    assert run(capsys, "hr", "rehire", eid, "--url", url, "--date", "2025-03-11")[0] == 0
    assert sim.store.get(eid, ["hireDate", "originalHireDate"]) == {
        "id": eid,
        "hireDate": "2025-03-11",
        "originalHireDate": "2025-03-10",
    }

    code, out, _ = run(capsys, "hr", "show", eid, "--url", url)
    assert code == 0
    shown = json.loads(out)
    assert [r["employmentStatus"] for r in shown["tables"]["employmentStatus"]] == [
        "Full-Time",
        "Leave of Absence",
        "Full-Time",
        "Terminated",
        "Full-Time",
    ]
    assert run(capsys, "hr", "delete", eid, "--url", url)[0] == 0
    assert not sim.store.exists(eid)


def test_hr_errors_are_reported_without_a_traceback(
    keyed: tuple[BambooHRSimulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = keyed
    code, _, err = run(capsys, "hr", "show", "404", "--url", url)
    assert code == 1
    assert err.startswith("error: 404")
    code, _, err = run(
        capsys, "hr", "hire", "--url", url, "--first", "A", "--last", "B", "--field", "oops"
    )
    assert code == 2 and "NAME=VALUE" in err
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    code, _, err = run(capsys, "hr", "show", "1", "--url", f"http://127.0.0.1:{port}")
    assert code == 1 and "cannot reach" in err


def test_hr_url_defaults_to_bamboohr_base_url(
    keyed: tuple[BambooHRSimulator, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sim, url = keyed
    company: Company = seed_company(sim.store)
    monkeypatch.setenv("BAMBOOHR_BASE_URL", url)
    code, out, _ = run(capsys, "hr", "show", company.ceo)
    assert code == 0 and json.loads(out)["current"]["firstName"] == "Grace"


def test_hr_with_a_wrong_key_is_refused(
    clock: SimClock, settings_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = BambooHRSimulator(api_key="a-different-key", clock=clock)
    with ThreadedServer(sim.app) as server:
        code, _, err = run(capsys, "hr", "show", "1", "--url", server.url)
    assert code == 1 and err.startswith("error: 401")


def parse_sim(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    hr_parent = argparse.ArgumentParser()
    cli.register(commands, hr_subparsers=hr_parent.add_subparsers(dest="top"))
    return parser.parse_args(["bamboohr", *argv])


def test_serve_command_builds_the_configured_simulator(
    tmp_path: Path, settings_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, int]] = []

    def seed(store: BambooHRStore, seed: int, employees: int) -> None:
        calls.append((seed, employees))
        for i in range(employees):
            store.hire(f"Gen{i}", "Person", f"gen{i}@acme.test")

    monkeypatch.setattr(cli, "seed_hook", seed)
    state = tmp_path / "sim.json"
    args = parse_sim(
        "--company",
        "globex",
        "--state-file",
        str(state),
        "--error-rate",
        "0.25",
        "--burst-status",
        "429",
        "--seed",
        "7",
        "--employees",
        "3",
        "--webhook-retry-schedule",
        "1,2",
    )
    sim = cli.build_simulator(args, sim_config())
    assert sim.company == "globex" and sim.api_key == SECRET
    assert sim.faults.config.error_rate == 0.25 and sim.faults.config.burst_status == 429
    assert sim.dispatcher.retry_schedule == [1.0, 2.0]
    assert calls == [(7, 3)] and len(sim.store) == 3
    sim.close()
    # A restart from the state file resumes instead of seeding again.
    again = cli.build_simulator(parse_sim("--state-file", str(state)), sim_config())
    assert calls == [(7, 3)] and len(again.store) == 3


def test_serve_command_reports_a_busy_port(
    settings_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = cli.main(["bamboohr", "--port", str(port), "--no-seed"])
    assert code == 2
    assert "already in use" in capsys.readouterr().err


def test_admin_client_reaches_the_api_with_the_key(keyed: tuple[BambooHRSimulator, str]) -> None:
    _, url = keyed
    r = httpx.get(f"{url}/_sim/state", auth=(SECRET, "x"), trust_env=False)
    assert r.status_code == 200
