"""LIFECYCLE_AUDIT_URL handling: backends chosen by scheme, files placed, passwords masked."""

from __future__ import annotations

import socket
import stat
import traceback
from pathlib import Path

import pytest

from integrations.audit import AuditEntry, AuditStoreError, mask_url, open_audit_store


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("sqlite:///.data/audit.db", "sqlite:///.data/audit.db"),
        ("sqlite:////var/lib/lifecycle/audit.db", "sqlite:////var/lib/lifecycle/audit.db"),
        ("postgresql://audit@db:5432/lifecycle", "postgresql://audit@db:5432/lifecycle"),
        (
            "postgresql://audit:hunter2@db:5432/lifecycle",
            "postgresql://audit:***@db:5432/lifecycle",
        ),
        (
            "postgres://audit:p%40ss@db/lifecycle?sslmode=require",
            "postgres://audit:***@db/lifecycle?sslmode=require",
        ),
        (
            "postgresql://audit@db/lifecycle?password=hunter2&sslmode=require",
            "postgresql://audit@db/lifecycle?password=***&sslmode=require",
        ),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_unknown_scheme_is_refused_without_leaking_the_password() -> None:
    with pytest.raises(AuditStoreError, match="sqlite:/// or postgresql://") as caught:
        open_audit_store("mysql://audit:hunter2@db/lifecycle")
    assert "hunter2" not in str(caught.value)


def test_default_relative_sqlite_url_creates_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_audit_store("sqlite:///.data/audit.db") as store:
        store.record(AuditEntry(employee_id="1", action="okta.user.create", result="success"))
    file = tmp_path / ".data" / "audit.db"
    assert file.is_file()
    # Personal data: readable by the service's user only.
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    with open_audit_store(f"sqlite:///{file}") as store:
        assert store.count() == 1


def test_sqlite_in_memory_works_for_tests() -> None:
    with open_audit_store("sqlite:///:memory:") as store:
        store.record(AuditEntry(employee_id="1", action="a", result="info"))
        assert store.count() == 1


def test_sqlite_url_with_parameters_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuditStoreError, match="takes no parameters"):
        open_audit_store(f"sqlite:///{tmp_path}/a.db?mode=ro")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_secret_absent(exc: BaseException, secret: str) -> None:
    text = "".join(traceback.format_exception(exc))
    assert secret not in text
    assert secret not in repr(exc)
    # The driver's exception is not chained: it could carry the connection string.
    assert exc.__cause__ is None and exc.__suppress_context__


def test_unreachable_postgres_error_masks_the_password() -> None:
    url = f"postgresql://audit:Sup3r-Secret@127.0.0.1:{_free_port()}/lifecycle"
    with pytest.raises(AuditStoreError) as caught:
        open_audit_store(url)
    message = str(caught.value)
    assert "cannot connect to audit store postgresql://audit:***@127.0.0.1:" in message
    assert "Connection refused" in message
    assert_secret_absent(caught.value, "Sup3r-Secret")


def test_password_echoed_by_the_driver_is_scrubbed() -> None:
    # libpq quotes the undecodable password back in its error message.
    secret = "Sup3r%zzSecret"
    with pytest.raises(AuditStoreError) as caught:
        open_audit_store(f"postgresql://audit:{secret}@127.0.0.1:5432/lifecycle")
    assert "invalid percent-encoded token" in str(caught.value)
    assert "***" in str(caught.value)
    assert_secret_absent(caught.value, secret)
    assert_secret_absent(caught.value, "zzSecret")


def test_password_given_as_a_parameter_is_scrubbed() -> None:
    url = f"postgresql://audit@127.0.0.1:{_free_port()}/lifecycle?password=Sup3r-Secret"
    with pytest.raises(AuditStoreError) as caught:
        open_audit_store(url)
    assert "password=***" in str(caught.value)
    assert_secret_absent(caught.value, "Sup3r-Secret")
