"""PostgreSQL backend: one database shared by several workers (`postgresql://...`).

A small connection pool per store (psycopg_pool; up to POOL_SIZE connections, opened as
needed), in autocommit mode: activities running in parallel on a worker's threads write in
parallel instead of queueing behind one connection. Every write is a single statement, so
there is no transaction to leave open. The pool checks a connection as it hands it out and
replaces a dead one; a connection that drops mid-statement is discarded, and statements that
are safe to repeat (reads, keyed outcomes, unconditional cursor writes) are resent at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from integrations.audit.errors import AuditStoreError
from integrations.audit.migrations import migrate_postgres
from integrations.audit.sql import Row, SqlAuditStore
from integrations.audit.urls import mask_url, scrub, url_secrets

CONNECT_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "lifecycle-audit"
# A worker runs up to ~100 activities at once, but an audit write takes a millisecond or two:
# a few connections keep up, and each worker process holds no more than this.
POOL_SIZE = 8


class PostgresAuditStore(SqlAuditStore):
    def __init__(self, url: str) -> None:
        super().__init__(mask_url(url))
        self._dsn = url
        self._secrets = url_secrets(url)
        self._options = self._connect_options()
        conn = self._connect()
        try:
            self._version = migrate_postgres(conn)
        except AuditStoreError:
            raise
        except psycopg.Error as exc:
            raise self._error("cannot migrate", exc) from None
        finally:
            conn.close()
        self._pool: ConnectionPool[Any] = ConnectionPool(
            self._dsn,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True, **self._options},
            timeout=CONNECT_TIMEOUT_SECONDS,
            # A connection is checked as it is handed out (one round trip): after a database
            # restart no statement, resendable or not, is lost on a connection already dead.
            check=ConnectionPool.check_connection,
            name="audit",
            open=True,
        )

    # --- connection -----------------------------------------------------------------------
    def _connect_options(self) -> dict[str, Any]:
        try:
            given = conninfo_to_dict(self._dsn)
        except psycopg.Error as exc:
            raise self._error("cannot connect to", exc) from None
        extra: dict[str, Any] = {}
        if "connect_timeout" not in given:
            extra["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        if "application_name" not in given:
            extra["application_name"] = APPLICATION_NAME
        return extra

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self._dsn, autocommit=True, **self._options)
        except psycopg.Error as exc:
            raise self._error("cannot connect to", exc) from None

    def _error(self, doing: str, exc: BaseException) -> AuditStoreError:
        # `from None` at every raise: the driver's exception could carry the DSN.
        message = f"{doing} audit store {self.url}: {type(exc).__name__}: {exc}".rstrip()
        return AuditStoreError(scrub(message, self._secrets))

    # --- SqlAuditStore hooks --------------------------------------------------------------
    def _execute(self, sql: str, params: Sequence[Any] = (), *, retry_safe: bool) -> list[Row]:
        # Our statements contain no literal '?' or '%', so the placeholder swap is exact.
        query = sql.replace("?", "%s")
        self._ensure_open()
        # Every pooled connection may have been cut at once (a database restart): a statement
        # safe to resend tries each in turn and then a new one.
        attempts = POOL_SIZE + 1 if retry_safe else 1
        for attempt in range(1, attempts + 1):
            try:
                with self._pool.connection() as conn:
                    try:
                        with conn.cursor() as cur:
                            cur.execute(query, params)
                            return cur.fetchall() if cur.description else []
                    except psycopg.OperationalError as exc:
                        # The pool discards a broken connection when it comes back.
                        lost = conn.broken or conn.closed
                        if not (lost and attempt < attempts):
                            raise self._error("lost", exc) from None
            except PoolTimeout as exc:
                raise self._error("cannot connect to", exc) from None
            except psycopg.Error as exc:
                raise self._error("failed on", exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _close_connection(self) -> None:
        self._pool.close()

    def _encode_time(self, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def _decode_time(self, value: Any) -> datetime:
        return value.astimezone(UTC)

    def _encode_json(self, value: Any) -> Jsonb:
        return Jsonb(value)

    def _decode_json(self, value: Any) -> Any:
        return value  # psycopg already parsed the jsonb
