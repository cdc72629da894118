"""The audit store: reachable, and its schema at the version this release writes."""

from __future__ import annotations

import asyncio

from integrations.audit.errors import AuditStoreError
from integrations.audit.migrations import LATEST_VERSION
from integrations.audit.store import read_schema_version
from lifecycle.settings import Settings
from starters.doctor.findings import Finding, ok, problem, warning

AREA = "audit"


async def check_audit(settings: Settings, findings: list[Finding]) -> None:
    try:
        version = await asyncio.to_thread(read_schema_version, settings.lifecycle_audit_url)
    except AuditStoreError as err:
        findings.append(
            problem(AREA, "store", str(err), "check LIFECYCLE_AUDIT_URL and the database")
        )
        return
    if version is None:
        findings.append(
            warning(
                AREA,
                "schema",
                "no tables yet",
                "nothing to do for a first install: the first worker creates them",
            )
        )
    elif version < LATEST_VERSION:
        findings.append(
            warning(
                AREA,
                "schema",
                f"version {version}, this release writes {LATEST_VERSION}",
                "the next worker start migrates it (back up the database first)",
            )
        )
    elif version > LATEST_VERSION:
        findings.append(
            problem(
                AREA,
                "schema",
                f"version {version} is newer than this release knows ({LATEST_VERSION})",
                "upgrade the service; never point an older release at a newer store",
            )
        )
    else:
        findings.append(ok(AREA, "schema", f"reachable, version {version} (current)"))
