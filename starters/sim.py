"""`lifecycle sim ...`: run a simulator standalone, or act as an HR admin on a running one.

lifecycle sim okta --port 8081          # Okta Management API simulator
lifecycle sim bamboohr --port 8082      # BambooHR API simulator (seeded company)
lifecycle sim hr hire --first ... ...   # HR-admin actions against a running BambooHR sim
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from simulators.bamboohr import cli as bamboohr_cli
    from simulators.okta import cli as okta_cli

    parser = sub.add_parser("sim", help="run the Okta/BambooHR simulators; HR-admin actions")
    sims = parser.add_subparsers(dest="sim_command", metavar="SIMULATOR", required=True)
    # Each starts with the generated company unless --no-seed.
    okta_cli.register(sims)
    bamboohr_cli.register(sims)
