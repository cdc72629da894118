"""Reconciliation and the report with generated logins (identity.generate_login), against
the simulators over HTTP and a real audit store: the plan activity reads every claim in one
query and plans each employee with theirs, as the employee workflow does. An account with a
generated login is in step while BambooHR's work email is empty; after HR types another
address, `keep_login` leaves only Okta's `email` to repair (no login drift every night),
`rename_login` reports the login."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal, cast

import pytest
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities.reconcile import ReconcileActivities, StoredDeliveries, deliveries_doc, plan_doc
from contracts.activities import ReconcilePlanInput
from integrations.audit import AuditStore, open_audit_store
from integrations.bamboohr import BambooHRClient, build_bamboohr_client
from integrations.bamboohr.fields import extra_fields
from integrations.okta import OktaClient, build_okta_client
from integrations.serving import ThreadedServer
from lifecycle.policy import PolicyConfig, build_plan, load_policy, required_fields
from lifecycle.policy.config import GenerateLoginConfig
from lifecycle.reconcile import EmployeeItem, ItemAction, ReconcilePlan
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN, Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from simulators.seed import generate_company, load_bamboohr, load_okta
from starters.report.build import build_report
from starters.report.gather import ReportSources

BASE_POLICY = load_policy(Path(__file__).resolve().parents[2] / "config" / "policy.yaml")
TODAY = date(2026, 3, 4)
AS_OF = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)
LOGIN = "zoe.bronte@acme.example"
TYPED = "zoe@acme.example"
OnChange = Literal["keep_login", "rename_login"]


def generating(on_change: OnChange) -> PolicyConfig:
    identity = BASE_POLICY.identity.model_copy(
        update={
            "generate_login": GenerateLoginConfig(
                template="{preferredName|firstName}.{lastName}@acme.example"
            ),
            "on_hr_email_change": on_change,
        }
    )
    return BASE_POLICY.model_copy(update={"identity": identity})


@dataclasses.dataclass
class World:
    okta: OktaSimulator
    hr: BambooHRSimulator
    settings: Settings
    audit: AuditStore
    employee: str  # the hire whose login was generated


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    company = generate_company(11, 6, today=TODAY)
    okta = OktaSimulator(api_token=SIM_OKTA_TOKEN)
    okta.clock.set(AS_OF)
    load_okta(okta.store, company)
    hr = BambooHRSimulator(api_key=SIM_BAMBOOHR_KEY)
    hr.clock.set(AS_OF)
    load_bamboohr(hr.store, company)
    # HR entered her before IT chose a work email (and BambooHR refused the write-back).
    employee = hr.store.hire(
        "Zoë",
        "Brontë",
        None,
        department="Engineering",
        division="R&D",
        location="New York, NY",
        job_title="Software Engineer",
        hire_date=date(2025, 6, 2),
        employment_status="Full-Time",
        fields={"customJobLevel": "L3", "customCostCenter": "CC-1100"},
    )
    audit = open_audit_store(f"sqlite:///{tmp_path / 'audit.db'}")
    with ThreadedServer(okta.app, name="okta") as o, ThreadedServer(hr.app, name="hr") as h:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            okta_org_url=o.url,
            okta_api_token=SecretStr(SIM_OKTA_TOKEN),
            bamboohr_base_url=h.url,
            bamboohr_api_key=SecretStr(SIM_BAMBOOHR_KEY),
        )
        yield World(okta, hr, settings, audit, employee)
    audit.close()


class Clients:
    def __init__(self, world: World) -> None:
        self.okta: OktaClient = build_okta_client(world.settings)
        self.hr: BambooHRClient = build_bamboohr_client(world.settings)

    async def close(self) -> None:
        await self.okta.aclose()
        await self.hr.aclose()


async def give_generated_account(world: World, policy: PolicyConfig, clients: Clients) -> None:
    """What the employee workflow did: claim the login, create the account with it."""
    assert world.audit.claim_login(LOGIN, world.employee) == LOGIN
    bulk = await clients.hr.fetch_snapshots(
        [world.employee], extra_fields(required_fields(policy)), fetched_at=AS_OF
    )
    [snapshot] = bulk.snapshots
    desired = build_plan(snapshot, policy, generated_login=LOGIN).desired_at(AS_OF)
    store = world.okta.store
    groups = [g for g in (store.find_group(name) for name in desired.groups) if g]
    user = store.create_user(
        {k: v for k, v in desired.profile.items() if v is not None},
        group_ids=[g["id"] for g in groups],
    )
    assert user["profile"]["login"] == LOGIN and user["profile"]["email"] == LOGIN


async def drift_run(
    world: World, policy: PolicyConfig, clients: Clients, plan_id: str
) -> tuple[EmployeeItem, ReconcilePlan, StoredDeliveries]:
    acts = ReconcileActivities(
        temporal=cast(Client, None),  # planning never talks to Temporal
        task_queue="unused",
        bamboohr=clients.hr,
        okta=clients.okta,
        audit=world.audit,
        policy=policy,
        fields=required_fields(policy),
    )
    await ActivityEnvironment().run(
        acts.reconcile_plan, ReconcilePlanInput(plan_id=plan_id, mode="drift", as_of=AS_OF)
    )
    plan_body = world.audit.get_document(plan_doc(plan_id))
    stored_body = world.audit.get_document(deliveries_doc(plan_id))
    assert plan_body is not None and stored_body is not None
    plan = ReconcilePlan.model_validate_json(plan_body.body)
    item = plan.item(world.employee)
    assert item is not None
    return item, plan, StoredDeliveries.model_validate_json(stored_body.body)


def report_attributes(world: World, sources: ReportSources) -> dict[str, object]:
    """The employee's row of the report's attribute drift (none: {}); never in review."""
    report = build_report(sources)
    [drift] = [c for c in report.categories if c.id == "attribute-drift"]
    [review] = [c for c in report.categories if c.id == "needs-review"]
    assert all(world.employee not in str(r.employee_id).split(", ") for r in review.rows)
    rows = [r for r in drift.rows if r.employee_id == world.employee]
    return dict(rows[0].attributes or {}) if rows else {}


async def sources(world: World, policy: PolicyConfig, clients: Clients) -> ReportSources:
    """What `lifecycle report` gathers (its reader and the audit store's claims)."""
    from activities.reconcile import InventoryReader

    reader = InventoryReader(
        bamboohr=clients.hr, okta=clients.okta, policy=policy, fields=required_fields(policy)
    )
    inventory = await reader.read(AS_OF)
    return ReportSources(
        as_of=AS_OF,
        policy=policy,
        snapshots=inventory.snapshots,
        unreadable=inventory.unreadable,
        accounts=inventory.accounts,
        okta_groups=inventory.okta_groups,
        login_claims=world.audit.login_claims(),
    )


@pytest.mark.parametrize("on_change", ["keep_login", "rename_login"])
async def test_a_generated_login_is_in_step_and_only_real_differences_are_drift(
    world: World, on_change: OnChange
) -> None:
    policy = generating(on_change)
    clients = Clients(world)
    try:
        await give_generated_account(world, policy, clients)

        # BambooHR's work email is still empty: the account is hers and in step.
        item, plan, stored = await drift_run(world, policy, clients, "p1")
        assert (item.action, item.review, item.matched_by[0]) == (
            ItemAction.LINK,
            None,
            "bambooHrId",
        )
        assert item.login == LOGIN and item.okta_login == LOGIN
        assert not item.changes
        assert not [f for f in plan.findings if world.employee in f.employee_ids]
        assert world.employee not in {d.employee_id for d in stored.deliveries}
        report = await sources(world, policy, clients)
        assert report_attributes(world, report) == {}

        # HR types another address; Okta still has the account as it was created.
        world.hr.store.update_fields(world.employee, {"workEmail": TYPED})
        item, plan, stored = await drift_run(world, policy, clients, "p2")
        assert item.action is ItemAction.LINK and item.review is None
        changes = {k: (d.before, d.after) for k, d in item.profile.items()}
        report = await sources(world, policy, clients)
        if on_change == "keep_login":
            # The login stays: only Okta's email is behind.
            assert item.login == LOGIN
            assert changes == {"email": (LOGIN, TYPED)}
        else:
            assert item.login == TYPED
            assert changes == {"login": (LOGIN, TYPED), "email": (LOGIN, TYPED)}
        assert [d.employee_id for d in stored.deliveries if d.employee_id == world.employee] == [
            world.employee
        ]
        assert set(report_attributes(world, report)) == set(changes)

        if on_change == "keep_login":
            # Once Okta's email is HR's address, nothing is drift night after night.
            user = world.okta.store.require_user(LOGIN)
            world.okta.store.update_user(user["id"], {"email": TYPED})
            item, plan, stored = await drift_run(world, policy, clients, "p3")
            assert not item.changes
            assert world.employee not in {d.employee_id for d in stored.deliveries}
            report = await sources(world, policy, clients)
            assert report_attributes(world, report) == {}
    finally:
        await clients.close()


async def test_the_report_reads_the_claims_from_the_audit_store(
    world: World, tmp_path: Path
) -> None:
    from starters.report.gather import gather

    policy = generating("keep_login")
    clients = Clients(world)
    try:
        await give_generated_account(world, policy, clients)
    finally:
        await clients.close()
    world.hr.store.update_fields(world.employee, {"workEmail": TYPED})
    settings = world.settings.model_copy(
        update={"lifecycle_audit_url": f"sqlite:///{tmp_path / 'audit.db'}"}
    )
    read = await gather(settings, policy, as_of=AS_OF, temporal=False)
    assert read.login_claims == {world.employee: LOGIN}
    # The login is not drift; Okta's email, not yet HR's address, is.
    assert set(report_attributes(world, read)) == {"email"}

    # An audit store that cannot be read: the report is still made, and says what it lacks.
    missing = world.settings.model_copy(
        update={"lifecycle_audit_url": f"sqlite:///{tmp_path / 'nowhere.db'}"}
    )
    read = await gather(missing, policy, as_of=AS_OF, temporal=False)
    assert read.login_claims == {}
    assert any(note.startswith("generated logins not available") for note in read.notes)
