"""`lifecycle worker` as it runs in a container: Temporal SDK metrics on LIFECYCLE_METRICS_PORT,
JSON log lines with the ids an operator filters on, payload encryption and tracing on, no
secret in its output, and a clean exit on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.serving import ThreadedServer, port_for_child
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from workers.codec import new_key

REPO = Path(__file__).resolve().parents[2]
CODEC_TOKEN = "worker-proc-codec-token-5d1e"


def wait_for_metrics(port: int, proc: subprocess.Popen[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker exited early with {proc.returncode}")
        try:
            last = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            if "temporal_worker" in last or "temporal_num_pollers" in last:
                return last
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"no worker metrics within {timeout}s; last: {last[:500]}")


@pytest.mark.timeout(180)
def test_worker_process_serves_metrics_logs_json_and_stops_on_sigterm(
    dev_server_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> None:
    keys = f"k1:{new_key()}"
    okta = OktaSimulator(api_token=SIM_OKTA_TOKEN)
    okta.store.add_schema_attribute("bambooHrId", title="BambooHR id")
    hr = BambooHRSimulator(api_key=SIM_BAMBOOHR_KEY)
    metrics_port = port_for_child()
    with (
        ThreadedServer(okta.app, name="okta") as okta_server,
        ThreadedServer(hr.app, name="bamboohr") as hr_server,
    ):
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OKTA_", "BAMBOOHR_", "TEMPORAL_", "LIFECYCLE_", "OTEL_"))
        }
        env = {
            **clean,
            "PYTHONPATH": str(REPO),
            "LIFECYCLE_ENV_FILE": str(tmp_path / "no.env"),
            "TEMPORAL_ADDRESS": dev_server_env.client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": dev_server_env.client.namespace,
            "TEMPORAL_TASK_QUEUE": task_queue,
            "OKTA_ORG_URL": okta_server.url,
            "OKTA_API_TOKEN": SIM_OKTA_TOKEN,
            "BAMBOOHR_BASE_URL": hr_server.url,
            "BAMBOOHR_API_KEY": SIM_BAMBOOHR_KEY,
            "LIFECYCLE_MODE": "apply",
            "LIFECYCLE_POLICY": str(REPO / "config" / "policy.yaml"),
            "LIFECYCLE_AUDIT_URL": f"sqlite:///{tmp_path / 'audit.db'}",
            "LIFECYCLE_LOG_FORMAT": "json",
            "LIFECYCLE_METRICS_PORT": str(metrics_port),
            "LIFECYCLE_OTEL_EXPORTER": "console",
            "LIFECYCLE_ENCRYPTION_KEYS": keys,
            "LIFECYCLE_CODEC_TOKEN": CODEC_TOKEN,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "starters.cli", "worker"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            body = wait_for_metrics(metrics_port, proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                out, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert any(line.startswith("temporal_") for line in body.splitlines())

    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines, err[-2000:]
    for line in lines:
        assert {"time", "level", "message", "employee_id", "workflow_id", "action"} <= set(line)
    messages = [line["message"] for line in lines]
    assert "worker started" in messages and "worker shutting down" in messages
    assert any(line["action"] == "startup" and "port" in line for line in lines)
    for secret in (keys.split(":", 1)[1], CODEC_TOKEN, SIM_OKTA_TOKEN, SIM_BAMBOOHR_KEY):
        assert secret not in out and secret not in err
