"""What the simulators' command lines take from whoever runs them.

`lifecycle sim ...` builds a `SimConfig` from the product's settings (starters/sim.py) and
hands it over; `python -m simulators.bamboohr.cli` runs on these defaults. The simulators
never read the product's configuration themselves, so they stay an independent stand-in for
the vendors' APIs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class SimConfigError(Exception):
    """The caller's configuration cannot be used; the message names the problem."""


@dataclass(frozen=True)
class SimConfig:
    # The defaults equal lifecycle.settings' simulator defaults (tests check).
    okta_token: str | None = "sim-okta-token"  # None: nothing for the simulator to accept
    okta_port: int = 8081
    # A second admin's SSWS token (same rights, its own actor in the System Log).
    okta_admin_token: str | None = "sim-okta-admin-token"
    bamboohr_key: str = "sim-bamboohr-key"
    webhook_key: str | None = "sim-webhook-signing-key"
    bamboohr_port: int = 8082
    bamboohr_url: str | None = None  # where `hr` verbs find a running simulator
    seed: int = 42
    employees: int = 200


ConfigSource = Callable[[], SimConfig]
"""Called when a command runs (not when it is registered): may raise SimConfigError."""
