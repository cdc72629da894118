"""A seeded company (~100 employees) on the simulators, the production worker on the dev
server, and a scripted day of HR events handled by the employee workflows; then the
`lifecycle report` CLI run in-process in every format.

The company's employee ids are small numbers, so its workflows (`employee-17`...) would
collide with any other seeded test on the session's shared dev server: this module works in
a Temporal namespace of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from google.protobuf.duration_pb2 import Duration
from lifecycle_harness import lifecycle_stack
from report_company import (
    EMPLOYEES,
    SEED,
    Reported,
    report_env,
    run_report,
    scripted_day,
    visibility_caught_up,
)
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from simulators.seed import generate_company, load_bamboohr, load_okta
from workers.connect import data_converter, ensure_search_attributes


@pytest.fixture(scope="package")
async def report_namespace(dev_server_env: WorkflowEnvironment) -> WorkflowEnvironment:
    namespace = f"report-{uuid.uuid4().hex[:8]}"
    await dev_server_env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    client = await Client.connect(
        dev_server_env.client.service_client.config.target_host,
        namespace=namespace,
        data_converter=data_converter(),
    )
    await ensure_search_attributes(client)
    return WorkflowEnvironment.from_client(client)


@pytest.fixture(scope="package")
async def reported(
    report_namespace: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Reported]:
    tmp = tmp_path_factory.mktemp("report")
    task_queue = f"tq-report-{uuid.uuid4().hex[:8]}"
    async with lifecycle_stack(report_namespace, tmp, task_queue) as stack:
        today = stack.hr.store.today()
        company = generate_company(SEED, EMPLOYEES, today=today)
        load_bamboohr(stack.hr.store, company)
        load_okta(stack.okta.store, company)
        day = await scripted_day(stack, company)
        await visibility_caught_up(stack, day.touched)

        mp = pytest.MonkeyPatch()
        for name, value in report_env(stack, report_namespace.client.namespace).items():
            mp.setenv(name, value)
        try:
            files = {fmt: tmp / f"compliance.{fmt}" for fmt in ("json", "csv", "html")}
            for fmt, path in files.items():
                code, _, err = await run_report("--format", fmt, "--output", str(path))
                assert code == 0, err
            yield Reported(company, day, stack, files, today)
        finally:
            mp.undo()
