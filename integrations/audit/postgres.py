"""PostgreSQL backend: one database shared by several workers (`postgresql://...`).

One psycopg connection per store, in autocommit mode and shared by threads under the
store's lock; every write is a single statement, so there is no transaction to leave open.
A dropped connection is replaced on the next call; statements that are safe to repeat
(reads, keyed outcomes, unconditional cursor writes) are resent once at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb

from integrations.audit.errors import AuditStoreError
from integrations.audit.migrations import migrate_postgres
from integrations.audit.sql import Row, SqlAuditStore
from integrations.audit.urls import mask_url, scrub, url_secrets

CONNECT_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "lifecycle-audit"


class PostgresAuditStore(SqlAuditStore):
    def __init__(self, url: str) -> None:
        super().__init__(mask_url(url))
        self._dsn = url
        self._secrets = url_secrets(url)
        self._conn: psycopg.Connection[Any] | None = None
        conn = self._connect()
        try:
            self._version = migrate_postgres(conn)
        except AuditStoreError:
            conn.close()
            raise
        except psycopg.Error as exc:
            conn.close()
            raise self._error("cannot migrate", exc) from None
        self._conn = conn

    # --- connection -----------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        try:
            given = conninfo_to_dict(self._dsn)
            extra: dict[str, Any] = {}
            if "connect_timeout" not in given:
                extra["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
            if "application_name" not in given:
                extra["application_name"] = APPLICATION_NAME
            return psycopg.connect(self._dsn, autocommit=True, **extra)
        except psycopg.Error as exc:
            raise self._error("cannot connect to", exc) from None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._discard()
            self._conn = self._connect()
        return self._conn

    def _discard(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    def _error(self, doing: str, exc: BaseException) -> AuditStoreError:
        # `from None` at every raise: the driver's exception could carry the DSN.
        message = f"{doing} audit store {self.url}: {type(exc).__name__}: {exc}".rstrip()
        return AuditStoreError(scrub(message, self._secrets))

    # --- SqlAuditStore hooks --------------------------------------------------------------
    def _execute(self, sql: str, params: Sequence[Any] = (), *, retry_safe: bool) -> list[Row]:
        # Our statements contain no literal '?' or '%', so the placeholder swap is exact.
        query = sql.replace("?", "%s")
        with self._lock:
            self._ensure_open()
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    with conn.cursor() as cur:
                        cur.execute(query, params)
                        return cur.fetchall() if cur.description else []
                except psycopg.OperationalError as exc:
                    lost = conn.broken or conn.closed
                    if lost:
                        self._discard()
                    if lost and retry_safe and attempt == 1:
                        continue
                    raise self._error("lost", exc) from None
                except psycopg.Error as exc:
                    raise self._error("failed on", exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _close_connection(self) -> None:
        self._discard()

    def _encode_time(self, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def _decode_time(self, value: Any) -> datetime:
        return value.astimezone(UTC)

    def _encode_json(self, value: Any) -> Jsonb:
        return Jsonb(value)

    def _decode_json(self, value: Any) -> Any:
        return value  # psycopg already parsed the jsonb
