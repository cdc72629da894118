"""`lifecycle sim ...`: run a simulator standalone, or act as an HR admin on a running one.

lifecycle sim okta --port 8081          # Okta Management API simulator
lifecycle sim bamboohr --port 8082      # BambooHR API simulator (seeded company)
lifecycle sim hr hire --first ... ...   # HR-admin actions against a running BambooHR sim
"""

from __future__ import annotations

import argparse

from simulators.common.config import SimConfig, SimConfigError


def sim_config() -> SimConfig:
    """The simulators' keys, ports and seed from the product's settings (environment, .env):
    the simulators accept exactly what the service will send them."""
    from lifecycle.settings import SettingsError, load_settings

    try:
        settings = load_settings()
        token = settings.okta_token()
        return SimConfig(
            okta_token=token.get_secret_value() if token is not None else None,
            okta_port=settings.lifecycle_sim_okta_port,
            okta_admin_token=settings.lifecycle_sim_okta_admin_token.get_secret_value(),
            bamboohr_key=settings.bamboohr_key().get_secret_value(),
            webhook_key=settings.webhook_key().get_secret_value(),
            bamboohr_port=settings.lifecycle_sim_bamboohr_port,
            bamboohr_url=settings.bamboohr_base_url,
            seed=settings.lifecycle_sim_seed,
            employees=settings.lifecycle_sim_employees,
        )
    except SettingsError as exc:
        raise SimConfigError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:
    from simulators.bamboohr import cli as bamboohr_cli
    from simulators.okta import cli as okta_cli

    parser = sub.add_parser("sim", help="run the Okta/BambooHR simulators; HR-admin actions")
    sims = parser.add_subparsers(dest="sim_command", metavar="SIMULATOR", required=True)
    # Each starts with the generated company unless --no-seed.
    okta_cli.register(sims, config=sim_config)
    bamboohr_cli.register(sims, config=sim_config)
