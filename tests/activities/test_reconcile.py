"""Reconciliation activities against the simulators over HTTP: the bulk read costs exactly
the list pages (and writes nothing), sees DEPROVISIONED accounts and every managed-group
membership; the hand-over resumes from its heartbeat and leaves running workflows alone."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.reconcile import (
    ALL_USERS_FILTER,
    InventoryReader,
    ReconcileActivities,
    StoredDeliveries,
    _Progress,
    deliveries_doc,
)
from activities.signal_with_start import signal_employee
from contracts.activities import ReconcileDeliverInput
from contracts.employee import HrChanged, workflow_id_for
from integrations.audit import open_audit_store
from integrations.bamboohr import build_bamboohr_client
from integrations.okta import build_okta_client
from integrations.serving import ThreadedServer
from lifecycle.policy import load_policy, required_fields
from lifecycle.reconcile import Delivery, ItemAction, ReconcilePlan
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN, Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from simulators.seed import Company, generate_company, load_bamboohr, load_okta

POLICY = load_policy(Path(__file__).resolve().parents[2] / "config" / "policy.yaml")
TODAY = date(2026, 3, 4)
AS_OF = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)


@dataclasses.dataclass
class Sims:
    okta: OktaSimulator
    hr: BambooHRSimulator
    company: Company
    settings: Settings


@pytest.fixture(scope="module")
def sims() -> Iterator[Sims]:
    # 250 people: more Okta users than one page of 200.
    company = generate_company(7, 250, today=TODAY)
    okta = OktaSimulator(api_token=SIM_OKTA_TOKEN)
    okta.clock.set(AS_OF)
    load_okta(okta.store, company)
    hr = BambooHRSimulator(api_key=SIM_BAMBOOHR_KEY)
    hr.clock.set(AS_OF)
    load_bamboohr(hr.store, company)
    with ThreadedServer(okta.app, name="okta") as o, ThreadedServer(hr.app, name="hr") as h:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            okta_org_url=o.url,
            okta_api_token=SecretStr(SIM_OKTA_TOKEN),
            bamboohr_base_url=h.url,
            bamboohr_api_key=SecretStr(SIM_BAMBOOHR_KEY),
        )
        yield Sims(okta, hr, company, settings)


async def test_the_bulk_read_costs_only_list_pages_and_writes_nothing(sims: Sims) -> None:
    sims.okta.recorder.reset_stats()
    sims.okta.recorder.clear_requests()
    okta, hr = build_okta_client(sims.settings), build_bamboohr_client(sims.settings)
    try:
        reader = InventoryReader(
            bamboohr=hr, okta=okta, policy=POLICY, fields=required_fields(POLICY)
        )
        inventory = await reader.read(AS_OF)
        plan = reader.compare(inventory, AS_OF)
    finally:
        await okta.aclose()
        await hr.aclose()

    store = sims.okta.store
    users = store.user_count()
    listed = [
        g
        for g in store.list_groups()
        if g["profile"]["name"] in {*POLICY.managed_groups, *POLICY.protected.groups}
    ]
    operations = Counter(r.get("operation") for r in sims.okta.recorder.requests())
    assert users > 200
    assert operations == Counter(
        {"listUsers": -(-users // 200), "listGroups": 1, "listGroupUsers": len(listed)}
    )
    assert sims.okta.stats()["writes"] == 0
    assert inventory.requests["okta_users"] == -(-users // 200)
    # Everyone in HR came from the three bulk requests (plus the field list, once).
    assert len(inventory.snapshots) == len(sims.company.employees)
    assert inventory.requests["bamboohr"] == 4

    # Every account, DEPROVISIONED included, with its managed and protected memberships.
    seen = {a.login.lower(): a for a in inventory.accounts}
    assert len(seen) == users
    assert any(a.status == "DEPROVISIONED" for a in inventory.accounts)
    names = {g["profile"]["name"] for g in listed}
    for user in sims.company.okta_users:
        expected = {g for g in sims.company.groups_of(user.login) if g in names}
        assert set(seen[user.login.lower()].groups) == expected, user.login
    expected = sims.company.expectations
    linked = {i.employee_id for i in plan.employees if i.action is ItemAction.LINK}
    assert linked == set(expected.linked) | set(expected.by_employee_number)


def test_the_user_listing_asks_for_every_status() -> None:
    for status in ("STAGED", "PROVISIONED", "ACTIVE", "SUSPENDED", "DEPROVISIONED"):
        assert f'status eq "{status}"' in ALL_USERS_FILTER


def test_progress_survives_a_heartbeat_round_trip() -> None:
    progress = _Progress(next=400, delivered=390, skipped=7, failed=["12", "31"])
    assert _Progress.resume([progress.details()]) == progress
    assert _Progress.resume([]) == _Progress()


async def _exists(env: WorkflowEnvironment, employee_id: str) -> bool:
    try:
        await env.client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=env.client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id_for(employee_id)),
            )
        )
    except RPCError:
        return False
    return True


async def test_the_hand_over_resumes_from_its_heartbeat_and_skips_running_workflows(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str, sims: Sims
) -> None:
    env = time_skipping_env
    audit = open_audit_store(f"sqlite:///{tmp_path / 'audit.db'}")
    okta, hr = build_okta_client(sims.settings), build_bamboohr_client(sims.settings)
    ids = ["r0", "r1", "r2", "r3", "r4"]
    reasons: list[Any] = ["repair", "repair", "create", "ensure", "ensure"]
    stored = StoredDeliveries(
        mode="apply",
        deliveries=[Delivery(employee_id=e, reason=r) for e, r in zip(ids, reasons, strict=True)],
        changes=[HrChanged(employee_id=e, source="reconcile") for e in ids],
    )
    audit.put_document(deliveries_doc("p1"), "reconcile-deliveries", stored.model_dump_json())
    # r3's lifecycle already runs (no worker here: it just waits): nothing to hand it.
    await signal_employee(env.client, task_queue, HrChanged(employee_id="r3", source="poll"))
    acts = ReconcileActivities(
        temporal=env.client,
        task_queue=task_queue,
        bamboohr=hr,
        okta=okta,
        audit=audit,
        policy=POLICY,
        fields=[],
    )
    activity_env = ActivityEnvironment(env.client)
    beats: list[Any] = []
    activity_env.on_heartbeat = lambda *details: beats.append(details)
    # An earlier attempt got through r0 and r1, but Temporal refused r0.
    earlier = _Progress(next=2, delivered=1, skipped=0, failed=["r0"])
    activity_env.info = dataclasses.replace(
        activity_env.info, heartbeat_details=[earlier.details()]
    )
    try:
        result = await activity_env.run(
            acts.reconcile_deliver, ReconcileDeliverInput(plan_id="p1", batch_size=2)
        )
    finally:
        await okta.aclose()
        await hr.aclose()
        audit.close()
    assert (result.delivered, result.skipped_running, result.failed) == (4, 1, [])
    assert [await _exists(env, e) for e in ids] == [True, False, True, True, True]
    assert beats and beats[-1][0]["next"] == len(ids)


def test_the_plan_command_prints_the_plan_and_writes_nothing_to_okta(
    sims: Sims, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from starters.cli import main

    sims.okta.recorder.reset_stats()
    env = {
        "LIFECYCLE_ENV_FILE": str(tmp_path / "none.env"),
        "OKTA_ORG_URL": sims.settings.okta_org_url,
        "OKTA_API_TOKEN": SIM_OKTA_TOKEN,
        "BAMBOOHR_BASE_URL": sims.settings.bamboohr_base_url,
        "BAMBOOHR_API_KEY": SIM_BAMBOOHR_KEY,
        "LIFECYCLE_POLICY": str(Path(__file__).resolve().parents[2] / "config" / "policy.yaml"),
        "LIFECYCLE_DATA_DIR": str(tmp_path / "data"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    output = tmp_path / "plan.json"
    assert main(["reconcile", "--plan", "--output", str(output), "--show", "3"]) == 0
    printed = capsys.readouterr().out
    plan = ReconcilePlan.model_validate_json(output.read_text())
    assert sims.okta.stats()["writes"] == 0
    expected = sims.company.expectations
    assert plan.counts.link == len(expected.linked) + len(expected.by_employee_number)
    for heading in ("Links that need changes", "Creates", "Review", "Orphaned accounts"):
        assert heading in printed
    for login in expected.orphaned:
        assert login in printed
    assert "written to Okta: nothing" in printed
    # Without --output the plan lands under the data directory.
    assert main(["reconcile", "--show", "0"]) == 0
    assert list((tmp_path / "data" / "reconcile").glob("plan-*.json"))
