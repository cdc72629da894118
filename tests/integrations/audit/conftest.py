"""Fixtures running every audit-store test against both backends.

SQLite uses a file under `tmp_path`; PostgreSQL uses a fresh schema per test on the local
server (LIFECYCLE_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test),
dropped afterwards. An unreachable PostgreSQL fails the tests: it is a supported backend,
so silently skipping it would hide regressions.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from audit_backends import Backend, with_search_path

from integrations.audit import AuditStore, mask_url

POSTGRES_URL = os.environ.get(
    "LIFECYCLE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {mask_url(POSTGRES_URL)} ({exc}). The audit "
            "store supports PostgreSQL, so its tests need one: start it, or point "
            "LIFECYCLE_TEST_POSTGRES_URL at a server where the user may create schemas.",
            pytrace=False,
        )
    return POSTGRES_URL


@pytest.fixture
def postgres_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL whose tables land in a new, empty schema (dropped after the test)."""
    base = request.getfixturevalue("postgres_url")
    schema = f"audit_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        # A directory that does not exist yet: the store creates it.
        file = tmp_path / "data" / "audit.db"
        return Backend("sqlite", f"sqlite:///{file}", sqlite_file=file)
    return Backend("postgres", request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def store(backend: Backend) -> Iterator[AuditStore]:
    opened = backend.open()
    try:
        yield opened
    finally:
        opened.close()
