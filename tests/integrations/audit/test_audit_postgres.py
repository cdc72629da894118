"""PostgreSQL specifics: jsonb storage, schema selection, dropped connections."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from audit_backends import with_search_path

from integrations.audit import AuditEntry, AuditStoreError, open_audit_store
from integrations.audit.postgres import PostgresAuditStore


def test_json_columns_are_jsonb_and_indexes_exist(postgres_schema_url: str) -> None:
    with open_audit_store(postgres_schema_url) as store:
        store.record(
            AuditEntry(
                employee_id="1",
                action="okta.profile.update",
                result="success",
                before={"title": "Engineer"},
                after={"title": "Lead"},
            )
        )
    with psycopg.connect(postgres_schema_url) as conn:
        types: dict[str, str] = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'audit_events'"
            ).fetchall()
        )
        assert {types[c] for c in ("before", "after", "request", "detail")} == {"jsonb"}
        assert types["at"] == "timestamp with time zone"
        indexes = {
            row[0]
            for row in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            ).fetchall()
        }
        assert {"audit_events_employee_at", "audit_events_outcome_key"} <= indexes
        # Queryable as JSON by auditors' own SQL.
        title = conn.execute(
            """SELECT "after" ->> 'title' FROM audit_events WHERE employee_id = '1'"""
        ).fetchone()
        assert title == ("Lead",)


def test_missing_schema_is_a_clear_error(postgres_url: str) -> None:
    url = with_search_path(postgres_url, "no_such_schema_for_audit")
    with pytest.raises(AuditStoreError, match="search_path names no existing schema"):
        open_audit_store(url)


def test_store_reconnects_after_the_connection_drops(postgres_schema_url: str) -> None:
    name = f"audit-reconnect-{uuid.uuid4().hex[:8]}"
    joiner = "&" if "?" in postgres_schema_url else "?"
    url = f"{postgres_schema_url}{joiner}application_name={name}"
    store = open_audit_store(url)
    assert isinstance(store, PostgresAuditStore)
    try:
        key = "wf:run:3:okta.user.deactivate:00u1"
        outcome = AuditEntry(
            employee_id="1",
            action="okta.user.deactivate",
            target="00u1",
            result="success",
            idempotency_key=key,
            attempt=1,
        )
        first_id = store.record(outcome)

        def kill_backend() -> None:
            """Every connection of this store's pool, as a database restart would."""
            with psycopg.connect(postgres_schema_url, autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    (name,),
                ).fetchone()
            assert killed is not None and killed[0] >= 1

        # Safe to resend (a keyed outcome, a read): done transparently on a new connection.
        kill_backend()
        assert store.record(outcome.model_copy(update={"attempt": 2})) == first_id
        kill_backend()
        assert [r.attempt for r in store.history("1")] == [2]

        # An unkeyed append is never resent (it might have committed), so it must not be
        # sent on a dead connection: the pool checks each one as it hands it out.
        kill_backend()
        failed = AuditEntry(
            employee_id="1", action="okta.user.deactivate", result="failed", error="Okta 503"
        )
        store.record(failed)
        assert store.count(employee_id="1") == 2
    finally:
        store.close()
