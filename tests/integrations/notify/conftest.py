from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from notify_receivers import HR, IT, SECURITY, HookReceiver, SmtpTestServer

from integrations.notify import NotifyConfig


@pytest.fixture(autouse=True)
def _clean_notify_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings under test come from the test, never from the developer's shell."""
    for name in list(os.environ):
        if name.upper().startswith(("LIFECYCLE_NOTIFY_", "LIFECYCLE_SMTP_")):
            monkeypatch.delenv(name)


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    hooks = HookReceiver().start()
    yield hooks
    hooks.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    server = SmtpTestServer().start()
    yield server
    server.stop()


@pytest.fixture
def recipients() -> NotifyConfig:
    return NotifyConfig(
        _env_file=None,
        it_email=IT,
        security_email=SECURITY,
        hr_email=HR,
    )
