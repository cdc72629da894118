"""`lifecycle setup`: the Okta user schema gets the custom attributes the policy maps to,
and the webhook registration stores BambooHR's one-time signing key without printing it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dotenv import dotenv_values

from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from starters.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, object]]:
    okta = OktaSimulator(api_token=SIM_OKTA_TOKEN)
    hr = BambooHRSimulator(api_key=SIM_BAMBOOHR_KEY, webhook_private_key=None)
    with ThreadedServer(okta.app) as okta_server, ThreadedServer(hr.app) as hr_server:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("LIFECYCLE_ENV_FILE", str(tmp_path / "absent.env"))
        monkeypatch.setenv("OKTA_ORG_URL", okta_server.url)
        monkeypatch.setenv("OKTA_API_TOKEN", SIM_OKTA_TOKEN)
        monkeypatch.setenv("BAMBOOHR_BASE_URL", hr_server.url)
        monkeypatch.setenv("BAMBOOHR_API_KEY", SIM_BAMBOOHR_KEY)
        monkeypatch.setenv("LIFECYCLE_POLICY", str(REPO / "config" / "policy.yaml"))
        monkeypatch.setenv("LIFECYCLE_AUDIT_URL", f"sqlite:///{tmp_path / 'audit.db'}")
        yield {"okta": okta, "hr": hr, "tmp": tmp_path}


def test_okta_schema_check_then_apply(env: dict, capsys: pytest.CaptureFixture[str]) -> None:
    okta: OktaSimulator = env["okta"]
    assert main(["setup", "okta-schema"]) == 1
    out = capsys.readouterr().out
    assert "missing  bambooHrId" in out and "missing  jobLevel" in out
    assert okta.stats()["writes"] == 0  # a check changes nothing

    assert main(["setup", "okta-schema", "--apply"]) == 0
    assert {"bambooHrId", "jobLevel"} <= set(okta.store.custom_attributes())
    assert main(["setup", "okta-schema"]) == 0
    assert "has every attribute" in capsys.readouterr().out


def test_webhook_registration_saves_the_key_without_printing_it(
    env: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    hr: BambooHRSimulator = env["hr"]
    env_file = env["tmp"] / ".env"
    url = "https://lifecycle.acme.example/webhooks/bamboohr"
    assert main(["setup", "webhook", "--url", url, "--env-file", str(env_file)]) == 0
    hooks = hr.webhooks.all()
    assert [h.url for h in hooks] == [url]
    # It watches what the policy uses (derived, not a hand-kept list): a mapped custom field.
    assert "customCostCenter" in hooks[0].monitor_fields
    assert "employmentHistoryStatus" in hooks[0].monitor_fields
    saved = dotenv_values(env_file)["BAMBOOHR_WEBHOOK_KEY"]
    assert saved == hooks[0].private_key
    out = capsys.readouterr()
    assert saved not in out.out + out.err

    assert main(["setup", "webhook", "--url", "http://insecure.example/x"]) == 2


def test_okta_hooks_registration_is_verified_and_idempotent(
    env: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    from lifecycle.settings import load_settings
    from lifecycle.tamper import WATCHED_EVENT_TYPES
    from starters.okta_hooks.app import PATH, create_okta_hooks_app

    okta: OktaSimulator = env["okta"]
    # Verification is a GET answered from the secret alone: no Temporal client is needed.
    app = create_okta_hooks_app(load_settings(), client=None)  # type: ignore[arg-type]
    with ThreadedServer(app) as receiver:
        url = receiver.url + PATH
        assert main(["setup", "okta-hooks", "--url", url]) == 0
        assert main(["setup", "okta-hooks", "--url", url]) == 0  # again: updated, not doubled
    out = capsys.readouterr().out
    assert "created Okta event hook" in out and "updated Okta event hook" in out
    hooks = okta.event_hooks.all()
    assert len(hooks) == 1
    assert hooks[0]["verificationStatus"] == "VERIFIED" and hooks[0]["status"] == "ACTIVE"
    assert set(hooks[0]["events"]["items"]) == set(WATCHED_EVENT_TYPES)

    # The receiver is gone: Okta cannot verify, and the command says so.
    assert main(["setup", "okta-hooks", "--url", url]) == 1
    assert "Okta refused the event hook" in capsys.readouterr().out


def test_okta_hooks_need_https_for_a_real_receiver(
    env: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "http://lifecycle.acme.example/hooks/okta"
    assert main(["setup", "okta-hooks", "--url", url]) == 2
    assert "https" in capsys.readouterr().out
