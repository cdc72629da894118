"""The backends the audit-store tests run against (see conftest.py).

A module of its own, with a name unique in the test tree, so tests can import `Backend`
without depending on which `conftest` module Python resolved first.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

from integrations.audit import AuditStore, open_audit_store


@dataclass
class Backend:
    """A backend under test: its URL and a side door for raw SQL (`?` placeholders)."""

    name: str
    url: str
    sqlite_file: Path | None = None

    def open(self) -> AuditStore:
        return open_audit_store(self.url)

    def sql(self, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple]:
        if self.sqlite_file is not None:
            self.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.sqlite_file, isolation_level=None)
            try:
                return conn.execute(statement, params).fetchall()
            finally:
                conn.close()
        with psycopg.connect(self.url, autocommit=True) as pg:
            cur = pg.execute(statement.replace("?", "%s"), params or None)
            return cur.fetchall() if cur.description else []

    def script(self, statements: list[str]) -> None:
        for statement in statements:
            self.sql(statement)


def with_search_path(url: str, schema: str) -> str:
    """`url` with its tables in `schema` (libpq `options=-csearch_path=...`)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
