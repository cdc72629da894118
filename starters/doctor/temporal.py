"""Temporal: reachable, the namespace exists, our search attributes are registered, and the
schedules that poll BambooHR and repair drift are there."""

from __future__ import annotations

from datetime import timedelta

from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode

from lifecycle.settings import Settings
from starters.doctor.findings import Finding, ok, problem, warning
from starters.runtime import CommandFailed, connect_client
from starters.schedules import DRIFT_SCHEDULE_ID, OKTA_LOG_SCHEDULE_ID, POLL_SCHEDULE_ID
from workflows import search_attributes

AREA = "temporal"
CONNECT_TIMEOUT_SECONDS = 10


async def check_temporal(
    settings: Settings, findings: list[Finding], runtime: Runtime | None = None
) -> None:
    where = f"{settings.temporal_address} namespace {settings.temporal_namespace}"
    try:
        client = await connect_client(
            settings, runtime, within=CONNECT_TIMEOUT_SECONDS, tracing=False
        )
    except CommandFailed as err:
        findings.append(
            problem(
                AREA,
                "server",
                str(err).split(" (check ")[0],
                "check TEMPORAL_ADDRESS (and TLS / API key settings), and that the server runs",
            )
        )
        return
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=client.namespace),
            timeout=timedelta(seconds=CONNECT_TIMEOUT_SECONDS),
        )
    except RPCError as err:
        findings.append(
            problem(
                AREA,
                "namespace",
                f"{client.namespace}: {err.message}",
                "create it (`temporal operator namespace create`) or fix TEMPORAL_NAMESPACE",
            )
        )
        return
    findings.append(ok(AREA, "server", f"reachable ({where})"))
    await _search_attributes(client, findings)
    await _schedules(client, findings)


async def _search_attributes(client: Client, findings: list[Finding]) -> None:
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace),
            timeout=timedelta(seconds=CONNECT_TIMEOUT_SECONDS),
        )
    except RPCError as err:
        findings.append(
            warning(
                AREA,
                "search attributes",
                f"could not be listed ({err.message})",
                "on Temporal Cloud check them with `tcld namespace search-attributes`",
            )
        )
        return
    missing = [k.name for k in search_attributes.ALL if k.name not in listed.custom_attributes]
    if missing:
        findings.append(
            problem(
                AREA,
                "search attributes",
                f"not registered: {', '.join(missing)} (workflows cannot start)",
                "start a worker once (it registers them), or register them with "
                "`temporal operator search-attribute create` / tcld",
            )
        )
    else:
        findings.append(ok(AREA, "search attributes", "all registered"))


async def _schedules(client: Client, findings: list[Finding]) -> None:
    missing_means = {
        POLL_SCHEDULE_ID: "nothing polls BambooHR on its own",
        DRIFT_SCHEDULE_ID: "nothing repairs drift on its own",
        OKTA_LOG_SCHEDULE_ID: "without event hooks, changes made in Okta by others go unseen",
    }
    for schedule_id, means in missing_means.items():
        try:
            await client.get_schedule_handle(schedule_id).describe(
                rpc_timeout=timedelta(seconds=CONNECT_TIMEOUT_SECONDS)
            )
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                findings.append(
                    warning(AREA, f"schedule {schedule_id}", err.message, "check permissions")
                )
                continue
            findings.append(
                warning(
                    AREA,
                    f"schedule {schedule_id}",
                    f"missing: {means}",
                    "`lifecycle schedules apply`",
                )
            )
            continue
        findings.append(ok(AREA, f"schedule {schedule_id}", "present"))
