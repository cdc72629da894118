"""Reading everything the compliance report cross-references, once, in bulk.

- BambooHR and Okta: reconciliation's own `InventoryReader` (every employee record as an
  `HrSnapshot`, unusable records kept as `unreadable`; every Okta user, DEPROVISIONED
  included, with the managed and protected groups they are in, read group by group), so
  the report compares exactly what a reconciliation run compares;
- Temporal: the running employee workflows of this deployment (namespace + task queue),
  from visibility: their state and next dated action (no query to each workflow);
- the audit store: the latest recorded action per employee, and (with
  `identity.generate_login`) the claimed logins the comparison plans each employee with.

Temporal and the audit store are optional for a report: when one cannot be read the report
is still produced, with a note saying what is missing (BambooHR and Okta are not optional:
without them there is nothing to compare).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from temporalio.runtime import Runtime

from activities.reconcile import Inventory, InventoryReader, ProgressHook
from integrations.audit import AuditRecord, AuditStoreError
from integrations.audit.urls import mask_url
from integrations.bamboohr import BambooHRError, build_bamboohr_client
from integrations.okta import OktaError, build_okta_client
from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig, required_fields
from lifecycle.reconcile import OktaAccountView
from lifecycle.settings import Settings
from starters.ops.actions import EmployeeRow


class SourceError(Exception):
    """BambooHR or Okta could not be read: without both there is no report."""

    def __init__(self, source: str, exc: BaseException) -> None:
        detail = str(exc) or type(exc).__name__
        super().__init__(f"cannot read {source}: {detail}")
        self.source = source


@dataclass
class ReportSources:
    """Everything read for one report, as of one instant."""

    as_of: datetime
    policy: PolicyConfig
    snapshots: list[HrSnapshot] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # employee id -> problem
    accounts: list[OktaAccountView] = field(default_factory=list)
    okta_groups: list[str] = field(default_factory=list)  # writable (Okta-mastered) groups
    workflows: list[EmployeeRow] | None = None  # None: Temporal could not be read
    last_actions: dict[str, AuditRecord] | None = None  # None: no audit store to read
    # employee id -> login claimed under identity.generate_login (the comparison plans each
    # employee with theirs, as their workflow does)
    login_claims: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # where each source was read
    notes: list[str] = field(default_factory=list)


async def read_inventory(
    settings: Settings,
    policy: PolicyConfig,
    as_of: datetime,
    progress: ProgressHook | None = None,
) -> Inventory:
    okta = build_okta_client(settings)
    bamboohr = build_bamboohr_client(settings)
    try:
        reader = InventoryReader(
            bamboohr=bamboohr,
            okta=okta,
            policy=policy,
            fields=required_fields(policy),
            progress=progress,
        )
        return await reader.read(as_of)
    except BambooHRError as exc:
        raise SourceError("BambooHR", exc) from exc
    except OktaError as exc:
        raise SourceError("Okta", exc) from exc
    except httpx.HTTPError as exc:  # a transport failure neither client classified
        try:
            url = str(exc.request.url)
        except RuntimeError:  # no request attached
            url = ""
        source = "Okta" if url.startswith(okta.org_url) else "BambooHR"
        raise SourceError(source if url else "BambooHR or Okta", exc) from exc
    finally:
        await asyncio.gather(okta.aclose(), bamboohr.aclose())


async def read_workflows(
    settings: Settings, wait_seconds: float, runtime: Runtime | None = None
) -> list[EmployeeRow]:
    """Running employee workflows of this deployment (its namespace and task queue)."""
    from starters.ops.actions import list_employees
    from starters.ops.query import build_list_query, literal
    from workers.connect import connect

    async with asyncio.timeout(wait_seconds):
        client = await connect(settings, runtime=runtime)
        query = build_list_query() + f" AND TaskQueue = {literal(settings.temporal_task_queue)}"
        rows, _ = await list_employees(client, query)
    return rows


def read_login_claims(url: str) -> dict[str, str]:
    from starters.audit_cmd import read_login_claims as read

    return read(url)


def read_audit(url: str) -> dict[str, AuditRecord]:
    from starters.audit_cmd import open_existing_store

    with open_existing_store(url) as store:
        return store.last_actions()


async def gather(
    settings: Settings,
    policy: PolicyConfig,
    *,
    as_of: datetime | None = None,
    temporal: bool = True,
    temporal_wait_seconds: float = 20.0,
    runtime: Runtime | None = None,
    progress: ProgressHook | None = None,
) -> ReportSources:
    """`runtime`: the Temporal runtime for the visibility read (a CLI passes its own);
    `progress`: told how far the bulk reads have got."""
    sources = ReportSources(as_of=as_of or datetime.now(UTC), policy=policy)
    inventory = await read_inventory(settings, policy, sources.as_of, progress)
    sources.snapshots, sources.unreadable = inventory.snapshots, inventory.unreadable
    sources.accounts, sources.okta_groups = inventory.accounts, inventory.okta_groups
    sources.origin["bamboohr"] = settings.bamboohr_url or "simulator"
    sources.origin["okta"] = settings.okta_org_url or "simulator"

    if temporal:
        where = (
            f"{settings.temporal_address} namespace {settings.temporal_namespace} "
            f"task queue {settings.temporal_task_queue}"
        )
        sources.origin["temporal"] = where
        try:
            sources.workflows = await read_workflows(settings, temporal_wait_seconds, runtime)
        except Exception as exc:  # the report is still worth having without this part
            reason = (
                "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            )
            sources.notes.append(f"pending actions not available: Temporal ({where}): {reason}")
    else:
        sources.notes.append("pending actions not read (--no-temporal)")

    sources.origin["audit"] = mask_url(settings.lifecycle_audit_url)
    try:
        sources.last_actions = await asyncio.to_thread(read_audit, settings.lifecycle_audit_url)
    except AuditStoreError as exc:
        sources.notes.append(f"last actions not available: {exc}")
    if policy.identity.generate_login is not None:
        try:
            sources.login_claims = await asyncio.to_thread(
                read_login_claims, settings.lifecycle_audit_url
            )
        except AuditStoreError as exc:
            sources.notes.append(
                f"generated logins not available ({exc}): employees whose login was "
                "generated may be listed as needing review, missing or drifted"
            )
    return sources
