"""SQLite backend: one file on the worker's host (the default `sqlite:///.data/audit.db`).

One connection per store, shared by threads under the store's lock: SQLite serialises
writers anyway, and the WAL journal lets other processes read while one writes. Several
processes may open the same file; `busy_timeout` makes them queue instead of failing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from integrations.audit.errors import AuditStoreError
from integrations.audit.migrations import migrate_sqlite
from integrations.audit.sql import Row, SqlAuditStore
from integrations.audit.urls import mask_url, sqlite_path

# Fixed width, always UTC and with microseconds, so text order is time order.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
BUSY_TIMEOUT_MS = 30_000
_MIN_SQLITE = (3, 35, 0)  # RETURNING


class SqliteAuditStore(SqlAuditStore):
    def __init__(self, url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        super().__init__(mask_url(url))
        if sqlite3.sqlite_version_info < _MIN_SQLITE:
            raise AuditStoreError(
                f"SQLite {sqlite3.sqlite_version} is too old for the audit store "
                f"(needs {'.'.join(map(str, _MIN_SQLITE))}); use a newer Python or PostgreSQL"
            )
        self.path = sqlite_path(url)
        try:
            if self.path != ":memory:":
                _create_private_file(Path(self.path))
            self._conn = sqlite3.connect(
                self.path,
                timeout=busy_timeout_ms / 1000,
                isolation_level=None,  # autocommit: each statement is its own transaction
                check_same_thread=False,  # shared by threads under self._lock
            )
        except (OSError, sqlite3.Error) as exc:
            raise AuditStoreError(f"cannot open audit store {self.url}: {exc}") from None
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if self.path != ":memory:":
                mode = _enable_wal(self._conn, busy_timeout_ms)
                if mode.lower() != "wal":
                    raise AuditStoreError(
                        f"audit store {self.url}: cannot use the WAL journal (got {mode!r})"
                    )
            # Durable on power loss too: an audit row that was acknowledged must exist.
            self._conn.execute("PRAGMA synchronous = FULL")
            self._version = migrate_sqlite(self._conn)
        except AuditStoreError:
            self._conn.close()
            raise
        except sqlite3.Error as exc:
            self._conn.close()
            raise AuditStoreError(f"cannot migrate audit store {self.url}: {exc}") from None

    def _execute(self, sql: str, params: Sequence[Any] = (), *, retry_safe: bool) -> list[Row]:
        with self._lock:
            self._ensure_open()
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise AuditStoreError(f"audit store {self.url}: {exc}") from None

    def _close_connection(self) -> None:
        self._conn.close()

    def _encode_time(self, value: datetime) -> str:
        return value.astimezone(UTC).strftime(TIME_FORMAT)

    def _decode_time(self, value: Any) -> datetime:
        return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC)

    def _encode_json(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def _decode_json(self, value: Any) -> Any:
        return json.loads(value)


def _create_private_file(path: Path) -> None:
    """Create the parent directory and the file (owner-only: it holds personal data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass  # another process created it first


def _enable_wal(conn: sqlite3.Connection, busy_timeout_ms: int) -> str:
    # Switching the journal mode needs an exclusive lock and may report "locked" instead of
    # waiting when another process is opening the file at the same moment.
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
            continue
        return str(mode)
