"""The simulators take their keys, ports and seed from whoever runs them: stand-alone they use
`SimConfig`'s defaults, under `lifecycle sim` the product's settings. Unconfigured, the two
must agree, or `lifecycle dev` would start simulators that refuse the service's requests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulators.common.config import SimConfig, SimConfigError
from starters.sim import sim_config

PREFIXES = ("OKTA_", "BAMBOOHR_", "LIFECYCLE_")


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LIFECYCLE_ENV_FILE", str(tmp_path / "none.env"))


def test_the_simulator_defaults_are_the_products_defaults(unconfigured: None) -> None:
    assert sim_config() == SimConfig()


def test_the_product_hands_over_what_it_is_configured_with(
    unconfigured: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKTA_API_TOKEN", "configured-okta-token")
    monkeypatch.setenv("BAMBOOHR_API_KEY", "configured-hr-key")
    monkeypatch.setenv("LIFECYCLE_SIM_BAMBOOHR_PORT", "9182")
    monkeypatch.setenv("LIFECYCLE_SIM_SEED", "7")
    monkeypatch.setenv("LIFECYCLE_SIM_OKTA_ADMIN_TOKEN", "configured-admin-token")
    config = sim_config()
    assert config.okta_token == "configured-okta-token"
    assert config.okta_admin_token == "configured-admin-token"
    assert config.bamboohr_key == "configured-hr-key"
    assert (config.bamboohr_port, config.seed) == (9182, 7)


def test_unusable_settings_are_a_config_error_naming_the_problem(
    unconfigured: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIFECYCLE_SIM_OKTA_PORT", "not-a-port")
    with pytest.raises(SimConfigError, match=r"(?i)lifecycle_sim_okta_port"):
        sim_config()
