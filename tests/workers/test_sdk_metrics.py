"""With LIFECYCLE_METRICS_PORT set, the worker's Temporal SDK metrics are served for
Prometheus at /metrics."""

from __future__ import annotations

import asyncio
import time

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from integrations.serving import free_port
from lifecycle.settings import Settings
from workers.connect import data_converter
from workers.telemetry import metrics_runtime


def test_no_port_no_runtime() -> None:
    assert metrics_runtime(Settings(_env_file=None)) is None  # type: ignore[call-arg]


async def test_metrics_endpoint_serves_temporal_metrics(
    dev_server_env: WorkflowEnvironment, task_queue: str
) -> None:
    port = free_port()
    settings = Settings(_env_file=None, lifecycle_metrics_port=port)  # type: ignore[call-arg]
    runtime = metrics_runtime(settings, host="127.0.0.1")
    assert runtime is not None
    client = await Client.connect(
        dev_server_env.client.service_client.config.target_host,
        namespace=dev_server_env.client.namespace,
        data_converter=data_converter(),
        runtime=runtime,
    )
    await client.count_workflows()  # any RPC: the core client counts its requests

    body = ""
    deadline = time.monotonic() + 10
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            response = await http.get(f"http://127.0.0.1:{port}/metrics")
            assert response.status_code == 200
            body = response.text
            if "temporal_request" in body:
                break
            await asyncio.sleep(0.2)
    lines = [line for line in body.splitlines() if line and not line.startswith("#")]
    assert any(line.startswith("temporal_request") for line in lines), body[:2000]
    assert all(line.startswith("temporal_") for line in lines)
