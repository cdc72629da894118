"""`lifecycle dev` brings the whole stack up with one command: the Temporal Web UI, both
simulators answering with the configured credentials, the webhook receiver; Ctrl-C stops
every child; running it again resumes from the persisted state; a busy port is reported."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from integrations.serving import port_for_child
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN

REPO = Path(__file__).resolve().parents[2]


def dev_env(tmp_path: Path, ports: dict[str, int]) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OKTA_", "BAMBOOHR_", "TEMPORAL_", "LIFECYCLE_"))
    }
    return {
        **clean,
        "LIFECYCLE_ENV_FILE": str(tmp_path / "none.env"),
        "LIFECYCLE_DATA_DIR": str(tmp_path / ".data"),
        "LIFECYCLE_POLICY": str(REPO / "config" / "policy.yaml"),
        "LIFECYCLE_SIM_EMPLOYEES": "40",
        "LIFECYCLE_DEV_TEMPORAL_PORT": str(ports["temporal"]),
        "LIFECYCLE_DEV_UI_PORT": str(ports["ui"]),
        "LIFECYCLE_SIM_OKTA_PORT": str(ports["okta"]),
        "LIFECYCLE_SIM_BAMBOOHR_PORT": str(ports["bamboohr"]),
        "LIFECYCLE_WEBHOOK_PORT": str(ports["webhook"]),
        "LIFECYCLE_OKTA_HOOKS_PORT": str(ports["okta_hooks"]),
        "LIFECYCLE_CODEC_PORT": str(ports["codec"]),
        "PYTHONPATH": str(REPO),
    }


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "starters.cli", "dev"],
        env=env,
        cwd=env["LIFECYCLE_DATA_DIR"].rsplit("/", 1)[0],
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def wait_until_up(proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "Ctrl-C stops everything" in text:
            return text
        if proc.poll() is not None:
            raise AssertionError(f"lifecycle dev exited early ({proc.returncode}):\n{text}")
        time.sleep(0.5)
    raise AssertionError(f"lifecycle dev not up in {timeout}s:\n{log.read_text(errors='replace')}")


def stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=60)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def ports() -> dict[str, int]:
    return {
        name: port_for_child()
        for name in ("temporal", "ui", "okta", "bamboohr", "webhook", "okta_hooks", "codec")
    }


def test_dev_brings_everything_up_stops_cleanly_and_resumes(
    tmp_path: Path, ports: dict[str, int]
) -> None:
    env = dev_env(tmp_path, ports)
    log = tmp_path / "dev.log"
    proc = start(env, log)
    try:
        text = wait_until_up(proc, log)
        for url in (
            f"http://localhost:{ports['ui']}",
            f"http://127.0.0.1:{ports['okta']}",
            f"http://127.0.0.1:{ports['bamboohr']}/api/v1",
            f"http://127.0.0.1:{ports['webhook']}/webhooks/bamboohr",
            f"http://127.0.0.1:{ports['okta_hooks']}/hooks/okta",
        ):
            assert url in text, f"{url} not printed"
        ui = httpx.get(f"http://localhost:{ports['ui']}/", timeout=10)
        assert ui.status_code == 200
        users = httpx.get(
            f"http://127.0.0.1:{ports['okta']}/api/v1/users?limit=5",
            headers={"Authorization": f"SSWS {SIM_OKTA_TOKEN}"},
            timeout=10,
        )
        assert users.status_code == 200 and len(users.json()) == 5
        directory = httpx.get(
            f"http://127.0.0.1:{ports['bamboohr']}/api/v1/employees/directory",
            auth=(SIM_BAMBOOHR_KEY, "x"),
            headers={"Accept": "application/json"},
            timeout=10,
        )
        assert directory.status_code == 200 and directory.json()["employees"]
        health = httpx.get(f"http://127.0.0.1:{ports['webhook']}/health", timeout=10)
        assert health.status_code == 200
        okta_count = len(
            httpx.get(f"http://127.0.0.1:{ports['okta']}/_sim/state", timeout=10).json()["users"]
        )
        # The preflight finds nothing to fix in what `make dev` brought up.
        doctor = subprocess.run(
            [sys.executable, "-m", "starters.cli", "doctor", "--json"],
            env={**env, "TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}"},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        findings = json.loads(doctor.stdout)["findings"]
        assert [f for f in findings if f["level"] != "ok"] == [], doctor.stdout
        assert doctor.returncode == 0
    finally:
        code = stop(proc)
    assert code == 0
    for port in ports.values():
        assert not port_open(port), f"port {port} still open after Ctrl-C"
    data = tmp_path / ".data"
    assert (data / "temporal.db").exists()
    assert (data / "okta-sim.json").exists() and (data / "bamboohr-sim.json").exists()

    # Again: the same company (not seeded anew), the same Temporal state.
    log = tmp_path / "dev-again.log"
    proc = start(env, log)
    try:
        wait_until_up(proc, log)
        state = httpx.get(f"http://127.0.0.1:{ports['okta']}/_sim/state", timeout=10).json()
        assert len(state["users"]) >= okta_count
    finally:
        assert stop(proc) == 0


def test_busy_port_is_reported_clearly(tmp_path: Path, ports: dict[str, int]) -> None:
    env = dev_env(tmp_path, ports)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", ports["okta"]))
        busy.listen()
        result = subprocess.run(
            [sys.executable, "-m", "starters.cli", "dev"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"port {ports['okta']}" in result.stderr and "Okta simulator" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / ".data" / "temporal.db").exists()  # nothing half-started
