"""The audit store interface and `open_audit_store(url)`.

Every method is synchronous and thread-safe; the `a...` twins run them in a worker thread
so async activities never block the event loop on disk or network I/O.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import EllipsisType
from typing import Any, Self, TypedDict, Unpack

from integrations.audit.errors import AuditStoreError
from integrations.audit.models import AuditEntry, AuditRecord, StoredDocument
from integrations.audit.urls import SQLITE_PREFIX, is_postgres_url, mask_url

# A filter value: one value, or any of several.
Match = str | Iterable[str] | None


class AuditFilters(TypedDict, total=False):
    """What `query` and `count` select by (every one optional, all must hold): records with
    `since <= at < until` whose action, result, employee and mode match."""

    since: datetime | None
    until: datetime | None
    action: Match
    result: Match
    employee_id: Match
    mode: str | None


def check_filters(filters: Mapping[str, Any]) -> AuditFilters:
    """The filters, refused with their names when one is not a filter (a misspelt keyword
    must not silently select everything)."""
    unknown = sorted(set(filters) - set(AuditFilters.__annotations__))
    if unknown:
        raise TypeError(f"unknown audit filter(s): {', '.join(unknown)}")
    return AuditFilters(**filters)  # type: ignore[typeddict-item]


DEFAULT_LAST_RESULTS: tuple[str, ...] = ("success", "held")


class AuditStore(ABC):
    """Append-only audit records plus the poller's durable cursors."""

    @property
    @abstractmethod
    def url(self) -> str:
        """The store's URL with any password masked (safe to log)."""

    @property
    @abstractmethod
    def schema_version(self) -> int:
        """The schema version the store was migrated to when it was opened."""

    # --- records --------------------------------------------------------------------------
    @abstractmethod
    def record(self, entry: AuditEntry) -> int:
        """Append `entry`; return its row id.

        Outcomes (`success`, `planned`, `held`, `noop`) carrying an `idempotency_key` are
        stored once: recording the same key again adds no row, returns the first row's id
        and raises its `attempt` to the highest seen. `failed` and `info` rows are always
        appended, so an auditor sees every failed try.
        """

    @abstractmethod
    def history(self, employee_id: str, limit: int | None = None) -> list[AuditRecord]:
        """The employee's records, oldest first; with `limit`, only the latest `limit`."""

    @abstractmethod
    def query(
        self,
        *,
        after_id: int | None = None,
        limit: int | None = 1000,
        **filters: Unpack[AuditFilters],
    ) -> list[AuditRecord]:
        """Records with `since <= at < until` matching every filter, oldest first.

        Ordered by (at, id); `limit` keeps the oldest matches. Page forward with
        `after_id` = the id of the last record of the previous page.
        """

    @abstractmethod
    def count(self, **filters: Unpack[AuditFilters]) -> int:
        """How many records `query` would return without a limit."""

    @abstractmethod
    def last_actions(
        self, *, results: Iterable[str] = DEFAULT_LAST_RESULTS
    ) -> dict[str, AuditRecord]:
        """The latest record per employee among `results` (success and held by default)."""

    # --- cursors --------------------------------------------------------------------------
    @abstractmethod
    def get_cursor(self, name: str) -> str | None:
        """The cursor's value, or None when it was never set."""

    @abstractmethod
    def set_cursor(self, name: str, value: str, expected: str | EllipsisType | None = ...) -> bool:
        """Set the cursor; return whether it was set.

        Without `expected` the write is unconditional. With `expected` it is a
        compare-and-set: it only happens when the current value is `expected` (None: the
        cursor must not exist yet), so two pollers cannot move it backwards.
        """

    # --- documents ------------------------------------------------------------------------
    @abstractmethod
    def put_document(
        self, doc_id: str, kind: str, body: str, summary: dict[str, Any] | None = None
    ) -> None:
        """Store a JSON document under `doc_id`; writing the same id again replaces it (a
        retried activity rewrites what its earlier attempt may have left)."""

    @abstractmethod
    def get_document(self, doc_id: str) -> StoredDocument | None:
        """The document, or None when there is none with that id."""

    @abstractmethod
    def list_documents(self, kind: str, limit: int = 20) -> list[StoredDocument]:
        """The newest documents of `kind`, newest first, without their bodies (`body` "")."""

    # --- login claims ---------------------------------------------------------------------
    @abstractmethod
    def claim_login(self, login: str, employee_id: str) -> str | None:
        """Claim `login` (compared in lower case) for `employee_id`, atomically: a login
        has one employee and an employee one login. Returns the employee's claim after the
        attempt: `login` when it is theirs now (new or already), their earlier claim when
        they had one, None when `login` belongs to someone else."""

    @abstractmethod
    def login_claim(self, employee_id: str) -> str | None:
        """The login claimed for the employee, or None."""

    @abstractmethod
    def login_claims(self, employee_ids: Iterable[str] | None = None) -> dict[str, str]:
        """Employee id -> claimed login, for every claim (None) or for `employee_ids`, read
        in bulk (reconciliation plans everyone with their claim, as each workflow does)."""

    @abstractmethod
    def login_owner(self, login: str) -> str | None:
        """The employee who claimed `login` (any case), or None."""

    @abstractmethod
    def employee_for_target(self, target: str) -> str | None:
        """The employee of the newest record about `target` (an Okta user id), or None."""

    # --- lifecycle ------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None:
        """Release connections; idempotent. Later calls raise `AuditStoreError`."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    # --- async twins ----------------------------------------------------------------------
    async def arecord(self, entry: AuditEntry) -> int:
        return await asyncio.to_thread(self.record, entry)

    async def ahistory(self, employee_id: str, limit: int | None = None) -> list[AuditRecord]:
        return await asyncio.to_thread(self.history, employee_id, limit)

    async def aquery(
        self,
        *,
        after_id: int | None = None,
        limit: int | None = 1000,
        **filters: Unpack[AuditFilters],
    ) -> list[AuditRecord]:
        return await asyncio.to_thread(
            lambda: self.query(after_id=after_id, limit=limit, **filters)
        )

    async def acount(self, **filters: Unpack[AuditFilters]) -> int:
        return await asyncio.to_thread(lambda: self.count(**filters))

    async def alast_actions(
        self, *, results: Iterable[str] = DEFAULT_LAST_RESULTS
    ) -> dict[str, AuditRecord]:
        return await asyncio.to_thread(lambda: self.last_actions(results=results))

    async def aget_cursor(self, name: str) -> str | None:
        return await asyncio.to_thread(self.get_cursor, name)

    async def aset_cursor(
        self, name: str, value: str, expected: str | EllipsisType | None = ...
    ) -> bool:
        return await asyncio.to_thread(self.set_cursor, name, value, expected)

    async def aput_document(
        self, doc_id: str, kind: str, body: str, summary: dict[str, Any] | None = None
    ) -> None:
        await asyncio.to_thread(self.put_document, doc_id, kind, body, summary)

    async def aget_document(self, doc_id: str) -> StoredDocument | None:
        return await asyncio.to_thread(self.get_document, doc_id)

    async def aclaim_login(self, login: str, employee_id: str) -> str | None:
        return await asyncio.to_thread(self.claim_login, login, employee_id)

    async def alogin_claim(self, employee_id: str) -> str | None:
        return await asyncio.to_thread(self.login_claim, employee_id)

    async def alogin_claims(self, employee_ids: Iterable[str] | None = None) -> dict[str, str]:
        ids = None if employee_ids is None else list(employee_ids)
        return await asyncio.to_thread(self.login_claims, ids)

    async def alogin_owner(self, login: str) -> str | None:
        return await asyncio.to_thread(self.login_owner, login)

    async def aemployee_for_target(self, target: str) -> str | None:
        return await asyncio.to_thread(self.employee_for_target, target)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)


def open_audit_store(url: str) -> AuditStore:
    """Open (creating or migrating the schema) the store named by `LIFECYCLE_AUDIT_URL`.

    `sqlite:///path/to/audit.db` (the default, one host) or `postgresql://...` (several
    workers). Raises `AuditStoreError` with the password masked.
    """
    if url.startswith(SQLITE_PREFIX):
        from integrations.audit.sqlite import SqliteAuditStore

        return SqliteAuditStore(url)
    if is_postgres_url(url):
        from integrations.audit.postgres import PostgresAuditStore

        return PostgresAuditStore(url)
    raise AuditStoreError(
        f"unsupported audit store URL {mask_url(url)}: LIFECYCLE_AUDIT_URL must start with "
        "sqlite:/// or postgresql://"
    )


def read_schema_version(url: str) -> int | None:
    """The audit store's schema version without creating or migrating anything (a preflight
    must change nothing); None when the store has no tables yet. Raises AuditStoreError,
    the password masked."""
    if url.startswith(SQLITE_PREFIX):
        import sqlite3

        from integrations.audit.urls import sqlite_path

        path = sqlite_path(url)
        if path == ":memory:" or not Path(path).exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
            try:
                found = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = 'audit_schema_version'"
                ).fetchone()
                if not found:
                    return None
                (version,) = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM audit_schema_version"
                ).fetchone()
                return int(version)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise AuditStoreError(f"cannot read the audit store {mask_url(url)}: {exc}") from None
    if is_postgres_url(url):
        import psycopg

        from integrations.audit.urls import scrub, url_secrets

        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
                row = conn.execute("SELECT to_regclass('audit_schema_version')").fetchone()
                if row is None or row[0] is None:
                    return None
                row = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM audit_schema_version"
                ).fetchone()
                return int(row[0]) if row else 0
        except psycopg.Error as exc:
            text = scrub(str(exc), url_secrets(url))
            raise AuditStoreError(f"cannot read the audit store {mask_url(url)}: {text}") from None
    raise AuditStoreError(
        f"unsupported audit store URL {mask_url(url)}: LIFECYCLE_AUDIT_URL must start with "
        "sqlite:/// or postgresql://"
    )
