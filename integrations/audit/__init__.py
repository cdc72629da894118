"""Audit store: append-only records of every Okta write and planned write, plus the
poller's durable cursor. SQLite by default, PostgreSQL for several workers.

    store = open_audit_store(settings.lifecycle_audit_url)
    store.record(AuditEntry(employee_id="42", action="okta.user.deactivate", ...))
"""

from integrations.audit.errors import AuditStoreError, SchemaTooNewError
from integrations.audit.migrations import LATEST_VERSION
from integrations.audit.models import (
    MODES,
    OUTCOME_RESULTS,
    RESULTS,
    AuditEntry,
    AuditMode,
    AuditRecord,
    AuditResult,
)
from integrations.audit.store import AuditStore, open_audit_store
from integrations.audit.urls import mask_url

__all__ = [
    "LATEST_VERSION",
    "MODES",
    "OUTCOME_RESULTS",
    "RESULTS",
    "AuditEntry",
    "AuditMode",
    "AuditRecord",
    "AuditResult",
    "AuditStore",
    "AuditStoreError",
    "SchemaTooNewError",
    "mask_url",
    "open_audit_store",
]
