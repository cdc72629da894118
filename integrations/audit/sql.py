"""The SQL both backends share; a backend supplies the connection and value encodings.

Statements are written with `?` placeholders and quoted identifiers that both SQLite and
PostgreSQL accept (`ON CONFLICT ... DO UPDATE`, `RETURNING`, window functions).
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from types import EllipsisType
from typing import Any, Unpack

from integrations.audit.errors import AuditStoreError
from integrations.audit.models import AuditEntry, AuditRecord, StoredDocument
from integrations.audit.store import (
    DEFAULT_LAST_RESULTS,
    AuditFilters,
    AuditStore,
    check_filters,
)

COLUMNS: tuple[str, ...] = (
    "id",
    "at",
    "employee_id",
    "action",
    "target",
    "result",
    "before",
    "after",
    "error",
    "request",
    "detail",
    "mode",
    "workflow_id",
    "run_id",
    "activity_id",
    "attempt",
    "idempotency_key",
)
_JSON_COLUMNS = frozenset({"before", "after", "request", "detail"})
_SELECT = ", ".join(f'"{c}"' for c in COLUMNS)
_INSERT_COLUMNS = COLUMNS[1:]
_INSERT_NAMES = ", ".join(f'"{c}"' for c in _INSERT_COLUMNS)
_INSERT = (
    f"INSERT INTO audit_events ({_INSERT_NAMES}) VALUES ({', '.join('?' for _ in _INSERT_COLUMNS)})"
)
# Must match the predicate of the partial unique index (migration 2) for the upsert to
# infer it.
_ON_OUTCOME_CONFLICT = (
    " ON CONFLICT (idempotency_key)"
    " WHERE idempotency_key IS NOT NULL AND result IN ('success', 'planned', 'held', 'noop')"
    " DO UPDATE SET attempt = CASE"
    " WHEN excluded.attempt IS NULL THEN audit_events.attempt"
    " WHEN audit_events.attempt IS NULL OR excluded.attempt > audit_events.attempt"
    " THEN excluded.attempt"
    " ELSE audit_events.attempt END"
)

Row = tuple[Any, ...]
# Employee ids bound in one `IN (...)`: under the 999 parameters of older SQLite builds.
_IDS_PER_QUERY = 900


class SqlAuditStore(AuditStore):
    """`AuditStore` over one SQL connection guarded by a lock (see the backends)."""

    def __init__(self, masked_url: str) -> None:
        self._masked_url = masked_url
        self._lock = threading.RLock()
        self._closed = False
        self._version = 0

    # --- backend hooks --------------------------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = (), *, retry_safe: bool) -> list[Row]:
        """Run one statement (autocommit) and return its rows; raise `AuditStoreError`.

        `retry_safe`: running the statement twice has the effect of running it once, so a
        backend may resend it after a dropped connection.
        """

    @abstractmethod
    def _close_connection(self) -> None: ...

    @abstractmethod
    def _encode_time(self, value: datetime) -> Any: ...

    @abstractmethod
    def _decode_time(self, value: Any) -> datetime: ...

    @abstractmethod
    def _encode_json(self, value: Any) -> Any: ...

    @abstractmethod
    def _decode_json(self, value: Any) -> Any: ...

    # --- AuditStore -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._masked_url

    @property
    def schema_version(self) -> int:
        return self._version

    def record(self, entry: AuditEntry) -> int:
        if not isinstance(entry, AuditEntry):
            raise TypeError(f"record() takes an AuditEntry, not {type(entry).__name__}")
        values = [self._encode_value(column, getattr(entry, column)) for column in _INSERT_COLUMNS]
        sql = _INSERT + (_ON_OUTCOME_CONFLICT if entry.is_outcome else "") + " RETURNING id"
        rows = self._execute(sql, values, retry_safe=entry.is_outcome)
        return int(rows[0][0])

    def history(self, employee_id: str, limit: int | None = None) -> list[AuditRecord]:
        if limit is None:
            rows = self._execute(
                f"SELECT {_SELECT} FROM audit_events WHERE employee_id = ? ORDER BY at, id",
                [employee_id],
                retry_safe=True,
            )
            return [self._to_record(row) for row in rows]
        rows = self._execute(
            f"SELECT {_SELECT} FROM audit_events WHERE employee_id = ? "
            "ORDER BY at DESC, id DESC LIMIT ?",
            [employee_id, _check_limit(limit)],
            retry_safe=True,
        )
        return [self._to_record(row) for row in reversed(rows)]

    def query(
        self,
        *,
        after_id: int | None = None,
        limit: int | None = 1000,
        **filters: Unpack[AuditFilters],
    ) -> list[AuditRecord]:
        where, params = self._where(check_filters(filters), after_id)
        sql = f"SELECT {_SELECT} FROM audit_events{where} ORDER BY at, id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(_check_limit(limit))
        return [self._to_record(row) for row in self._execute(sql, params, retry_safe=True)]

    def count(self, **filters: Unpack[AuditFilters]) -> int:
        where, params = self._where(check_filters(filters), None)
        rows = self._execute(f"SELECT COUNT(*) FROM audit_events{where}", params, retry_safe=True)
        return int(rows[0][0])

    def last_actions(
        self, *, results: Iterable[str] = DEFAULT_LAST_RESULTS
    ) -> dict[str, AuditRecord]:
        clause, params = _match("result", list(results))
        rows = self._execute(
            f"SELECT {_SELECT} FROM ("
            f"SELECT {_SELECT}, ROW_NUMBER() OVER ("
            "PARTITION BY employee_id ORDER BY at DESC, id DESC) AS rn "
            f"FROM audit_events WHERE {clause}) AS ranked "
            "WHERE rn = 1 ORDER BY employee_id",
            params,
            retry_safe=True,
        )
        records = (self._to_record(row) for row in rows)
        return {record.employee_id: record for record in records}

    def get_cursor(self, name: str) -> str | None:
        rows = self._execute(
            "SELECT value FROM audit_cursors WHERE name = ?", [name], retry_safe=True
        )
        return str(rows[0][0]) if rows else None

    def set_cursor(self, name: str, value: str, expected: str | EllipsisType | None = ...) -> bool:
        now = self._encode_time(datetime.now(UTC))
        if expected is ...:
            rows = self._execute(
                "INSERT INTO audit_cursors (name, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE "
                "SET value = excluded.value, updated_at = excluded.updated_at RETURNING name",
                [name, value, now],
                retry_safe=True,
            )
        elif expected is None:
            rows = self._execute(
                "INSERT INTO audit_cursors (name, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO NOTHING RETURNING name",
                [name, value, now],
                retry_safe=False,
            )
        else:
            # One statement: the row lock makes the compare and the set atomic.
            rows = self._execute(
                "UPDATE audit_cursors SET value = ?, updated_at = ? "
                "WHERE name = ? AND value = ? RETURNING name",
                [value, now, name, expected],
                retry_safe=False,
            )
        return bool(rows)

    def put_document(
        self, doc_id: str, kind: str, body: str, summary: dict[str, Any] | None = None
    ) -> None:
        self._execute(
            "INSERT INTO audit_documents (id, kind, created_at, summary, body) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
            "created_at = excluded.created_at, summary = excluded.summary, body = excluded.body",
            [
                doc_id,
                kind,
                self._encode_time(datetime.now(UTC)),
                None if summary is None else self._encode_json(summary),
                body,
            ],
            retry_safe=True,
        )

    def get_document(self, doc_id: str) -> StoredDocument | None:
        rows = self._execute(
            "SELECT id, kind, created_at, summary, body FROM audit_documents WHERE id = ?",
            [doc_id],
            retry_safe=True,
        )
        return self._to_document(rows[0]) if rows else None

    def list_documents(self, kind: str, limit: int = 20) -> list[StoredDocument]:
        rows = self._execute(
            "SELECT id, kind, created_at, summary, '' FROM audit_documents WHERE kind = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            [kind, _check_limit(limit)],
            retry_safe=True,
        )
        return [self._to_document(row) for row in rows]

    def claim_login(self, login: str, employee_id: str) -> str | None:
        # Both unique keys in one statement: a second login for the employee, or the login
        # for a second employee, is simply not inserted.
        self._execute(
            "INSERT INTO login_claims (login, employee_id, claimed_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [login.strip().lower(), employee_id, self._encode_time(datetime.now(UTC))],
            retry_safe=True,
        )
        return self.login_claim(employee_id)

    def login_claim(self, employee_id: str) -> str | None:
        rows = self._execute(
            "SELECT login FROM login_claims WHERE employee_id = ?", [employee_id], retry_safe=True
        )
        return str(rows[0][0]) if rows else None

    def login_claims(self, employee_ids: Iterable[str] | None = None) -> dict[str, str]:
        if employee_ids is None:
            rows = self._execute("SELECT employee_id, login FROM login_claims", retry_safe=True)
            return {str(eid): str(login) for eid, login in rows}
        wanted = sorted(set(employee_ids))
        claims: dict[str, str] = {}
        # One statement per chunk of ids, never one per employee.
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[start : start + _IDS_PER_QUERY]
            clause, params = _match("employee_id", chunk)
            rows = self._execute(
                f"SELECT employee_id, login FROM login_claims WHERE {clause}",
                params,
                retry_safe=True,
            )
            claims.update((str(eid), str(login)) for eid, login in rows)
        return claims

    def login_owner(self, login: str) -> str | None:
        rows = self._execute(
            "SELECT employee_id FROM login_claims WHERE login = ?",
            [login.strip().lower()],
            retry_safe=True,
        )
        return str(rows[0][0]) if rows else None

    def employee_for_target(self, target: str) -> str | None:
        rows = self._execute(
            "SELECT employee_id FROM audit_events WHERE target = ? ORDER BY at DESC, id DESC "
            "LIMIT 1",
            [target],
            retry_safe=True,
        )
        return str(rows[0][0]) if rows else None

    def _to_document(self, row: Row) -> StoredDocument:
        doc_id, kind, created_at, summary, body = row
        return StoredDocument(
            id=doc_id,
            kind=kind,
            created_at=self._decode_time(created_at),
            summary=None if summary is None else self._decode_json(summary),
            body=body,
        )

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._close_connection()

    # --- helpers --------------------------------------------------------------------------
    def _ensure_open(self) -> None:
        if self._closed:
            raise AuditStoreError(f"audit store {self._masked_url} is closed")

    def _encode_value(self, column: str, value: Any) -> Any:
        if column == "at":
            return self._encode_time(value)
        if column in _JSON_COLUMNS:
            return None if value is None else self._encode_json(value)
        return value

    def _to_record(self, row: Row) -> AuditRecord:
        data = dict(zip(COLUMNS, row, strict=True))
        data["at"] = self._decode_time(data["at"])
        for column in _JSON_COLUMNS:
            if data[column] is not None:
                data[column] = self._decode_json(data[column])
        return AuditRecord.model_validate(data)

    def _where(self, filters: AuditFilters, after_id: int | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        since, until = filters.get("since"), filters.get("until")
        if since is not None:
            clauses.append("at >= ?")
            params.append(self._encode_time(_aware(since, "since")))
        if until is not None:
            clauses.append("at < ?")
            params.append(self._encode_time(_aware(until, "until")))
        for column, value in (
            ('"action"', filters.get("action")),
            ("result", filters.get("result")),
            ("employee_id", filters.get("employee_id")),
            ("mode", filters.get("mode")),
        ):
            if value is not None:
                clause, values = _match(column, value)
                clauses.append(clause)
                params += values
        if after_id is not None:
            # Keyset paging in the (at, id) order results come in; ids alone would skip rows
            # whose `at` is out of step with insertion order.
            clauses.append("(at, id) > (SELECT at, id FROM audit_events WHERE id = ?)")
            params.append(int(after_id))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _match(column: str, value: str | Iterable[str]) -> tuple[str, list[Any]]:
    if isinstance(value, str):
        return f"{column} = ?", [value]
    values = list(value)
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join('?' for _ in values)})", values


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (audit times are UTC)")
    return value.astimezone(UTC)


def _check_limit(limit: int) -> int:
    if limit < 0:
        raise ValueError("limit must be >= 0")
    return int(limit)
